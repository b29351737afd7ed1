import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import pg from 'pg';
import { testContext } from '../helpers/context.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testContext().adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs `npm run seed` (bin/seed.ts) against `databaseUrl`; resolves with exit code and output. */
async function seed(databaseUrl: string, dataDir: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'bin/seed.ts'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        BCRYPT_ROUNDS: '4',
        SMTP_URL: '',
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('demo data (npm run seed)', function () {
  this.timeout(120_000);
  let dbName: string;
  let databaseUrl: string;
  let dataDir: string;
  let client: pg.Client;

  before(async () => {
    dbName = `clinicflow_seed_${randomBytes(4).toString('hex')}`;
    await adminQuery(`create database ${dbName}`);
    const u = new URL(testContext().adminUrl);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-seed-'));
    chmodSync(dataDir, 0o755);
    client = new pg.Client({ connectionString: databaseUrl });
  });
  after(async () => {
    await client.end().catch(() => {});
    await adminQuery(`drop database if exists ${dbName} with (force)`);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fills an empty database with a clinic: a login per role, appointments in every status, a failed job', async () => {
    const result = await seed(databaseUrl, dataDir);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('clinicflow-demo');
    await client.connect();
    const count = async (sql: string) => (await client.query(sql)).rows[0].n as number;

    const roles = (
      await client.query(
        `select role, count(*)::int as n from users where status = 'active' and email_verified group by role`,
      )
    ).rows;
    expect(Object.fromEntries(roles.map((r) => [r.role, r.n]))).to.deep.equal({
      'super-admin': 1,
      admin: 1,
      staff: 1,
      nurse: 1,
      doctor: 2,
      patient: 2,
    });
    for (const email of ['super', 'admin', 'reception', 'nurse', 'dr.weber', 'dr.lee', 'ada', 'grace'])
      expect(result.stdout).to.contain(`${email}@demo.clinicflow.example`);
    const zones = (await client.query('select distinct time_zone from doctors order by 1')).rows.map(
      (r) => r.time_zone,
    );
    expect(zones).to.deep.equal(['America/New_York', 'Europe/Berlin']);
    expect(await count('select count(*)::int as n from doctor_availability')).to.equal(2);
    expect(await count('select count(*)::int as n from patients')).to.equal(5);
    expect(await count('select count(*)::int as n from medical_records')).to.equal(2);
    expect(await count('select count(*)::int as n from visits')).to.equal(3);
    expect(await count('select count(*)::int as n from reports')).to.equal(1);
    expect(await count('select count(*)::int as n from reviews')).to.equal(1);
    const statuses = (await client.query('select distinct status from appointments order by 1')).rows.map(
      (r) => r.status,
    );
    expect(statuses).to.deep.equal(['cancelled', 'completed', 'confirmed', 'no-show', 'pending', 'rejected']);
    expect(await count(`select count(*)::int as n from prescriptions where status = 'active'`)).to.equal(1);
    expect(
      await count(`select count(*)::int as n from medication_doses where remind_at > now()`),
    ).to.be.greaterThan(0);
    expect(await count('select count(*)::int as n from queue_entries')).to.equal(3);
    expect(
      await count(
        `select count(*)::int as n from graphile_worker.jobs where attempts >= max_attempts and last_error is not null`,
      ),
    ).to.equal(1);
  });

  it('refuses a second run on the now non-empty database, and any run with NODE_ENV=production (exit 1)', async () => {
    const [again, prod] = await Promise.all([
      seed(databaseUrl, dataDir),
      seed(databaseUrl, dataDir, { NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('hex') }),
    ]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.contain('only fills an empty database');
    expect(again.stderr).not.to.match(/\n\s+at /);
    expect(prod.code).to.equal(1);
    expect(prod.stderr).to.contain('NODE_ENV=production');
  });
});
