import { existsSync } from 'node:fs';

/**
 * Reads `file` (default `.env` in the working directory) into `process.env` when it exists, with
 * Node's own parser (`process.loadEnvFile`, no dependency). Variables already set in the real
 * environment win over the file. Call it before `loadConfig()`; returns whether a file was read.
 */
export function loadEnvFile(file = '.env'): boolean {
  if (!existsSync(file)) return false;
  const before = { ...process.env };
  process.loadEnvFile(file);
  Object.assign(process.env, before);
  return true;
}
