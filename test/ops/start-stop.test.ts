import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import pg from 'pg';
import { ensureDatabase, startEmbeddedPostgres } from '../../lib/embedded-postgres.js';
import { waitUntil } from '../helpers/wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

/** `npm start` in its own process group, as a terminal or a service manager runs it. */
interface Started {
  npm: ChildProcess;
  url: string;
  databaseUrl: string;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function cleanEnv(dataDir: string): NodeJS.ProcessEnv {
  // Empty, not deleted: a developer's .env must not fill them in (real variables, even empty, win).
  const unset = Object.fromEntries(
    [
      'DATABASE_URL',
      'SMTP_URL',
      'STRIPE_SECRET_KEY',
      'S3_BUCKET',
      'SUPER_ADMIN_EMAIL',
      'SUPER_ADMIN_PASSWORD',
    ].map((k) => [k, '']),
  );
  return {
    ...process.env,
    ...unset,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    BCRYPT_ROUNDS: '4',
  };
}

async function npmStart(dataDir: string): Promise<Started> {
  const npm = spawn('npm', ['start'], {
    cwd: root,
    env: cleanEnv(dataDir),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    npm.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /"msg":"clinicflow is listening on (http:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    };
    npm.stdout!.on('data', onData);
    npm.stderr!.on('data', onData);
    void exit.then(() => reject(new Error(`npm start exited before listening:\n${out}`)));
  });
  const databaseUrl = readFileSync(path.join(dataDir, 'database-url'), 'utf8').trim();
  return { npm, url, databaseUrl, output: () => out, exit };
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Whether any process of the group `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** pids of processes whose command line mentions `needle` (the test's own data folder). */
async function processesMentioning(needle: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((line) => line.includes(needle) && !line.includes(' ps -eo'));
}

/** Starts the stopped cluster again just to read what the app left behind in it. */
async function heartbeatsLeft(dataDir: string): Promise<number> {
  const cluster = await startEmbeddedPostgres(path.join(dataDir, 'pg'));
  try {
    const url = await ensureDatabase(cluster.url, 'clinicflow');
    const rows = await query<{ n: number }>(url, 'select count(*)::int as n from worker_heartbeats');
    return rows[0].n;
  } finally {
    await cluster.stop();
  }
}

async function expectCleanStop(started: Started, dataDir: string): Promise<void> {
  const { code, signal } = await started.exit;
  expect({ code, signal }, started.output()).to.deep.equal({ code: 0, signal: null });
  expect(started.output()).to.match(/"msg":"stopped"/);
  const drain = started.output().slice(started.output().indexOf('"msg":"draining"'));
  expect(drain.match(/.*"level":(40|50|60).*/g) ?? [], 'warnings or errors while stopping').to.deep.equal([]);
  expect(groupAlive(started.npm.pid!), 'a process of the npm group survived').to.equal(false);
  expect(await processesMentioning(dataDir)).to.deep.equal([]);
  expect(existsSync(path.join(dataDir, 'database-url'))).to.equal(false);
  expect(await heartbeatsLeft(dataDir)).to.equal(0);
}

describe('npm start as a service (start, Ctrl-C, SIGTERM)', function () {
  this.timeout(120_000);
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-start-'));
    // As root the embedded cluster runs as the `postgres` user, which must reach its folder.
    chmodSync(dataDir, 0o755);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves, publishes its database for `npm run jobs`, and stops on Ctrl-C with exit 0 and nothing left', async () => {
    const started = await npmStart(dataDir);
    expect((await fetch(`${started.url}/readyz`)).status).to.equal(200);
    expect(statSync(path.join(dataDir, 'database-url')).mode & 0o777).to.equal(0o600);
    // The runner is alive before /readyz answers 200; its first heartbeat row follows a moment later.
    await waitUntil(
      async () =>
        (
          await query<{ n: number }>(started.databaseUrl, 'select count(*)::int as n from worker_heartbeats')
        )[0].n > 0,
      15_000,
      'the worker heartbeat',
    );

    const env = { ...cleanEnv(dataDir), LOG_LEVEL: 'silent' };
    const stats = await run(process.execPath, ['--import', 'tsx', 'bin/jobs.ts', 'stats', '--json'], {
      cwd: root,
      env,
    });
    expect(JSON.parse(stats.stdout).liveWorkers).to.equal(1);

    // Ctrl-C: the terminal sends SIGINT to the whole foreground process group.
    process.kill(-started.npm.pid!, 'SIGINT');
    await expectCleanStop(started, dataDir);

    const refused = await run(process.execPath, ['--import', 'tsx', 'bin/jobs.ts', 'stats'], {
      cwd: root,
      env,
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect('code' in refused ? refused.code : 0).to.equal(78);
    expect(refused.stderr).to.contain('is not running');
    expect(refused.stderr).to.contain('npm start');
    expect(refused.stderr).not.to.match(/\n\s+at /);
  });

  it('stops on SIGTERM to the npm process (what Docker and systemd send) with exit 0 and nothing left', async () => {
    const started = await npmStart(dataDir);
    expect((await fetch(`${started.url}/healthz`)).status).to.equal(200);
    started.npm.kill('SIGTERM');
    await expectCleanStop(started, dataDir);
  });
});
