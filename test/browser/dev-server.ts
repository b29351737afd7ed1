import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { projectRoot } from '../../lib/paths.js';
import { testContext } from '../helpers/context.js';

export interface DevServer {
  baseUrl: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testContext().adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Starts clinicflow as a developer does (`bin/start.ts`: migrations, web and worker in one process)
 * with no SMTP_URL, so emails land in its own outbox and the development inbox is on. It uses its
 * own database on the test cluster and its own DATA_DIR; resolves once it logs that it listens.
 */
export async function startDevServer(): Promise<DevServer> {
  const dbName = `clinicflow_dev_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin(`create database ${dbName}`);
  const url = new URL(testContext().adminUrl);
  url.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-dev-'));
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  Object.assign(env, {
    NODE_ENV: 'development',
    DATABASE_URL: url.toString(),
    PORT: String(port),
    HOST: '127.0.0.1',
    APP_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    BCRYPT_ROUNDS: '4',
    WORKER_CONCURRENCY: '2',
    RUN_WORKER: 'true',
    LOG_LEVEL: 'info',
  });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      output.push(line);
      if (line.includes('clinicflow is listening')) resolve();
    });
    void exited.then((code) =>
      reject(new Error(`the development server exited (${code}) before listening:\n${output.join('\n')}`)),
    );
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await admin(`drop database if exists ${dbName} with (force)`).catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
