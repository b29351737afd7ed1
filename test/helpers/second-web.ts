import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { testContext } from './context.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs `fn` against a second web process (test/fixtures/second-web.ts) on the suite's database and
 * JWT secret — another process with its own caches and LISTEN connection, as a scaled-out `web`
 * is — and stops it afterwards, whatever `fn` did.
 */
export async function withSecondWeb<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const { config, databaseUrl } = testContext();
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/second-web.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, JWT_SECRET: config.jwtSecret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`second web process exited (${code})`)));
      if (!child.stdout) return reject(new Error('second web process has no stdout'));
      createInterface({ input: child.stdout }).on('line', (l) => {
        if (l.startsWith('listening ')) resolve(l.slice('listening '.length));
      });
    });
    return await fn(url);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}
