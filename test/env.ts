// Imported first by test/setup.ts: module-level settings read at import time must see these.
process.env.BCRYPT_ROUNDS ??= '4';
