/**
 * Peak memory of one clinicflow process (web + worker, as `npm start` runs it) while a patient
 * uploads eight images at once, twice:
 * - eight 10000×10000 PNGs (100 MP each, ≈ 0.3 MB on the wire): the reproduction from issue 11,
 *   which took the process from 230 MB to 1.1–1.3 GB resident. They are above IMAGE_MAX_PIXELS, so
 *   they are stored but never decoded (thumbnail `failed`);
 * - eight 6320×6320 PNGs (39.9 MP, just under the default limit): the largest images that are
 *   decoded, the real worst case for the thumbnail jobs.
 *
 * The process is a real child (`bin/start.ts` under tsx, so a little heavier than `node dist/…`).
 * Its peak resident set is read from /proc/<pid>/status (VmHWM), reset before each scenario via
 * /proc/<pid>/clear_refs, and the scenario ends when every thumbnail job has settled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import sharp from 'sharp';
import { fmt, freshDatabase, type BenchResult } from './lib.js';

const UPLOADS = 8;
const TARGET_MB = 500;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A field of /proc/<pid>/status in MB (VmRSS, VmHWM). */
function procMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} for ${pid}`);
  return Number(m[1]) / 1024;
}

/** A flat PNG (tiny on the wire, width × height pixels once decoded), with a gradient stripe. */
function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#6f8fa9' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Scenario {
  label: string;
  idleMb: number;
  peakMb: number;
  afterMb: number;
  statuses: Record<string, number>;
  seconds: number;
}

/** Runs the benchmark and returns its result rows. */
export async function benchUploadMemory(): Promise<BenchResult[]> {
  const database = await freshDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-bench-upload-'));
  const port = await freePort();
  const secret = randomBytes(32).toString('hex');
  let child: ChildProcess | undefined;
  const client = new pg.Client({ connectionString: database.url });
  try {
    const log = path.join(dataDir, 'server.log');
    writeFileSync(log, '');
    child = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: database.url,
        JWT_SECRET: secret,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        RUN_WORKER: 'true',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined),
      120_000,
      'the server to be ready',
    );
    await client.connect();
    const email = `bench-${randomUUID()}@bench.clinicflow.dev`;
    const {
      rows: [user],
    } = await client.query(
      `insert into users (name, email, password_hash, role, status, email_verified)
       values ('Bench Patient', $1, 'x', 'patient', 'active', true) returning id`,
      [email],
    );
    const {
      rows: [patient],
    } = await client.query(
      `insert into patients (user_id, name, email, time_zone, created_by) values ($1, 'Bench Patient', $2, 'UTC', $1) returning id`,
      [user.id, email],
    );
    const token = jwt.sign({ role: 'patient', gen: 0 }, secret, {
      algorithm: 'HS256',
      subject: user.id as string,
      jwtid: randomUUID(),
      expiresIn: 3600,
    });

    const scenario = async (label: string, image: Buffer): Promise<Scenario> => {
      const pid = child!.pid!;
      // Let start-up garbage settle, then measure from here on.
      await new Promise((r) => setTimeout(r, 1_000));
      const idleMb = procMb(pid, 'VmRSS');
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      const t0 = performance.now();
      const responses = await Promise.all(
        Array.from({ length: UPLOADS }, async (_, i) => {
          const form = new FormData();
          form.append('title', `${label} ${i}`);
          form.append('kind', 'imaging');
          form.append('file', new Blob([new Uint8Array(image)], { type: 'image/png' }), `scan-${i}.png`);
          const res = await fetch(`${base}/api/v1/patients/${patient.id}/reports`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
            body: form,
          });
          if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
          return ((await res.json()) as { id: string }).id;
        }),
      );
      const rows = await waitFor(
        async () => {
          const { rows } = await client.query<{ thumbnail_status: string }>(
            `select thumbnail_status from reports where id = any($1::uuid[])`,
            [responses],
          );
          return rows.every((r) => r.thumbnail_status !== 'pending') ? rows : undefined;
        },
        300_000,
        `the thumbnails of ${label}`,
      );
      const seconds = (performance.now() - t0) / 1000;
      const peakMb = procMb(pid, 'VmHWM');
      await new Promise((r) => setTimeout(r, 2_000));
      const statuses: Record<string, number> = {};
      for (const r of rows) statuses[r.thumbnail_status] = (statuses[r.thumbnail_status] ?? 0) + 1;
      return { label, idleMb, peakMb, afterMb: procMb(pid, 'VmRSS'), statuses, seconds };
    };

    const results = [
      await scenario('8 × 10000×10000 PNG (100 MP)', await png(10_000, 10_000)),
      await scenario('8 × 6320×6320 PNG (39.9 MP)', await png(6_320, 6_320)),
    ];
    return results.map((r) => {
      const outcome = Object.entries(r.statuses)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ');
      process.stderr.write(
        `  ${r.label}: idle ${fmt(r.idleMb, 0)} MB, peak ${fmt(r.peakMb, 0)} MB, ${fmt(r.afterMb, 0)} MB 2 s after; thumbnails ${outcome} in ${fmt(r.seconds, 1)} s\n`,
      );
      return {
        name: `upload memory: peak RSS, ${r.label} in parallel (thumbnails ${outcome})`,
        clinicflow: `${fmt(r.peakMb, 0)} MB`,
        baseline: `${fmt(r.idleMb, 0)} MB (same process idle)`,
        ratio: fmt(r.idleMb / r.peakMb, 2),
        target: `< ${TARGET_MB} MB`,
        met: r.peakMb < TARGET_MB,
      };
    });
  } finally {
    await client.end().catch(() => {});
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      const force = setTimeout(() => child?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
    }
    await database.drop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}
