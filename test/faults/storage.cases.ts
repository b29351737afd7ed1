/**
 * Object storage (s3rver behind a TCP proxy) refusing connections for 18 s while patients upload
 * report images and thumbnail jobs run: uploads during the outage answer 503 `storage_unavailable`,
 * nothing is half-stored (no row without its object, no object without its row), and every
 * thumbnail of an accepted upload is made exactly once after recovery, by graphile-worker's retries.
 */
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import sharp from 'sharp';
import { issueToken } from '../../domain/auth/tokens.js';
import { startS3rver, S3RVER_CREDENTIALS, type LocalS3 } from '../helpers/s3rver.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitUntil } from '../helpers/wait.js';
import { RECOVER_WITHIN_MS, run, secondsSince, type AppDatabase, type FaultRig } from './harness.js';

const S3_DOWN_MS = 18_000;
/** Patients uploading one after another, each with a short pause (steady load across the outage). */
const LANES = 4;
const LANE_PAUSE_MS = 200;
/**
 * Large uploads sent together just before the cut: their thumbnails (bigger pictures, two image
 * slots per process) are still queued or running when storage goes away, so those jobs fail and
 * must be retried after recovery.
 */
const BURST = 16;
/** How long the lanes keep uploading after storage is back. */
const AFTER_RECOVERY_MS = 6_000;
const BUCKET = `clinicflow-faults-${run}`;

interface Upload {
  startedAt: number;
  endedAt: number;
  status: number;
  code?: string;
  retryAfter: string | null;
  id?: string;
}

/** A JPEG of noise (does not compress much, so it takes real work to decode and thumbnail). */
function noiseJpeg(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** `n` patients with their own account and a bearer token. */
async function createPatients(db: AppDatabase, n: number): Promise<{ patientId: string; token: string }[]> {
  const out: { patientId: string; token: string }[] = [];
  for (let i = 0; i < n; i++) {
    const email = `patient-${i}-${db.name}@faults.test`;
    const [user] = await db.q<{ id: string; tokenGeneration: number }>(
      `insert into users (name, email, password_hash, role, status, email_verified)
       values ($1, $2, '!', 'patient', 'active', true)
       returning id, token_generation as "tokenGeneration"`,
      [`Fault patient ${i}`, email],
    );
    const [patient] = await db.q<{ id: string }>(
      `insert into patients (user_id, name, email, time_zone, created_by)
       values ($1, $2, $3, 'UTC', $1) returning id`,
      [user.id, `Fault patient ${i}`, email],
    );
    out.push({
      patientId: patient.id,
      token: issueToken({ id: user.id, role: 'patient', tokenGeneration: user.tokenGeneration }).token,
    });
  }
  return out;
}

async function upload(
  base: string,
  who: { patientId: string; token: string },
  image: Buffer,
  title: string,
): Promise<Upload> {
  const startedAt = Date.now();
  const form = new FormData();
  form.append('title', title);
  form.append('kind', 'imaging');
  form.append('file', new Blob([new Uint8Array(image)]), 'scan.jpg');
  try {
    const res = await fetch(`${base}/api/v1/patients/${who.patientId}/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${who.token}` },
      body: form,
    });
    const body = (await res.json().catch(() => ({}))) as { id?: string; error?: { code?: string } };
    return {
      startedAt,
      endedAt: Date.now(),
      status: res.status,
      code: body.error?.code,
      retryAfter: res.headers.get('retry-after'),
      id: res.status === 201 ? body.id : undefined,
    };
  } catch {
    return { startedAt, endedAt: Date.now(), status: 0, retryAfter: null };
  }
}

/** Every key in the bucket (read from s3rver directly, not through the proxy). */
async function bucketKeys(client: S3Client): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export function storageFaults(rig: FaultRig): void {
  it(`S3 refusing for ${S3_DOWN_MS / 1000} s during uploads: 503 storage_unavailable, nothing half-stored, every thumbnail made once after recovery`, async () => {
    let s3: LocalS3 | undefined;
    let proxy: TcpProxy | undefined;
    let direct: S3Client | undefined;
    try {
      s3 = await startS3rver(BUCKET);
      proxy = new TcpProxy('127.0.0.1', s3.port);
      await proxy.restore();
      direct = new S3Client({
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: S3RVER_CREDENTIALS,
      });
      const appDb = await rig.newDatabase(rig.adminUrl, 's3');
      const app = await rig.startApp(appDb, 'combined', {
        S3_BUCKET: BUCKET,
        S3_REGION: 'us-east-1',
        S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        UPLOAD_RATE_LIMIT_PER_HOUR: '100000',
      });
      const patients = await createPatients(appDb, LANES);
      const small = await noiseJpeg(640, 480);
      const large = await noiseJpeg(2400, 1800);

      const uploads: Upload[] = [];
      let stopAt = Number.POSITIVE_INFINITY;
      const lanes = patients.map(async (who, lane) => {
        for (let i = 0; Date.now() < stopAt; i++) {
          uploads.push(await upload(app.base, who, small, `Lane ${lane} ${i}`));
          await new Promise((r) => setTimeout(r, LANE_PAUSE_MS));
        }
      });
      await new Promise((r) => setTimeout(r, 2000));
      const burst = await Promise.all(
        Array.from({ length: BURST }, (_, i) => upload(app.base, patients[i % LANES], large, `Burst ${i}`)),
      );
      uploads.push(...burst);
      expect(
        burst.map((u) => u.status),
        'burst before the cut',
      ).to.deep.equal(burst.map(() => 201));

      await proxy.cut();
      const cutAt = Date.now();
      await new Promise((r) => setTimeout(r, S3_DOWN_MS));
      await proxy.restore();
      const upAt = Date.now();
      stopAt = upAt + AFTER_RECOVERY_MS;
      await Promise.all(lanes);

      const accepted = uploads.filter((u) => u.status === 201 && u.id).map((u) => u.id!);
      const patientIds = patients.map((p) => p.patientId);
      // Every thumbnail of an accepted upload made, by retries, without a restart.
      await waitUntil(
        async () => {
          const [row] = await appDb.q<{ n: number }>(
            `select count(*)::int as n from reports where id = any($1::uuid[]) and thumbnail_status = 'ready'`,
            [accepted],
          );
          return row.n === accepted.length;
        },
        RECOVER_WITHIN_MS,
        `${accepted.length} thumbnails after recovery`,
      ).catch(async (err) => {
        for (const p of app.procs) console.log(p.tail(30));
        throw err;
      });
      const recoverSeconds = secondsSince(upAt);
      // Thumbnail jobs and the removals queued for uploads refused mid-way: all finished.
      await waitUntil(
        async () =>
          (
            await appDb.q(
              `select 1 from graphile_worker.jobs
                where task_identifier in ('make_report_thumbnail', 'delete_stored_object') limit 1`,
            )
          ).length === 0,
        RECOVER_WITHIN_MS,
        'thumbnail and removal jobs to finish',
      );
      // job_history is written in batches (≤ 1 s): wait for every thumbnail's completed run.
      const history = await waitUntil(
        async () => {
          const rows = await appDb.q<{ key: string; completed: number; failed: number }>(
            `select job_key as key,
                    count(*) filter (where outcome = 'completed')::int as completed,
                    count(*) filter (where outcome = 'failed')::int as failed
               from job_history where task = 'make_report_thumbnail' group by job_key`,
          );
          return rows.filter((r) => r.completed > 0).length === accepted.length ? rows : undefined;
        },
        15_000,
        'job history of the thumbnails',
      );

      const rows = await appDb.q<{
        id: string;
        storageKey: string;
        thumbnailKey: string | null;
        thumbnailStatus: string;
      }>(
        `select id, storage_key as "storageKey", thumbnail_key as "thumbnailKey", thumbnail_status as "thumbnailStatus"
           from reports where patient_id = any($1::uuid[])`,
        [patientIds],
      );
      const keys = await bucketKeys(direct);
      const statuses = uploads.map((u) => u.status);
      const duplicated = history.filter((h) => h.completed > 1).length;
      const reruns = history.reduce((n, h) => n + h.failed, 0);
      const ready = rows.filter((r) => r.thumbnailStatus === 'ready').length;
      rig.outcomes.push({
        fault: `S3 refusing ${S3_DOWN_MS / 1000} s (uploads + thumbnails)`,
        jobs: accepted.length,
        done: ready,
        lost: accepted.length - ready,
        duplicated,
        reruns,
        requests: uploads.length,
        ok2xx: statuses.filter((s) => s >= 200 && s < 300).length,
        unavailable503: statuses.filter((s) => s === 503).length,
        other5xx:
          statuses.filter((s) => s >= 500 && s !== 503).length + statuses.filter((s) => s === 0).length,
        recoverSeconds,
      });

      const during = uploads.filter((u) => u.startedAt >= cutAt + 200 && u.endedAt < upAt);
      expect(during.length, 'uploads attempted during the outage').to.be.greaterThan(10);
      expect(
        during.filter((u) => !(u.status === 503 && u.code === 'storage_unavailable')),
        'uploads during the outage: 503 storage_unavailable',
      ).to.deep.equal([]);
      expect(
        uploads.filter((u) => u.status === 503 && !/^\d+$/.test(u.retryAfter ?? '')),
        '503s without Retry-After',
      ).to.deep.equal([]);
      expect(
        uploads.filter((u) => !(u.status === 201 || (u.status === 503 && u.code === 'storage_unavailable'))),
        'answers other than 201 and 503 storage_unavailable',
      ).to.deep.equal([]);
      const after = uploads.filter((u) => u.startedAt >= upAt);
      expect(after.length, 'uploads after recovery').to.be.greaterThan(5);
      expect(
        after.filter((u) => u.status !== 201),
        'uploads after recovery: all 201',
      ).to.deep.equal([]);

      // Nothing half-stored: the rows are exactly the accepted uploads, and the bucket holds exactly
      // their files and thumbnails.
      expect(rows.map((r) => r.id).sort(), 'report rows = accepted uploads').to.deep.equal(
        [...accepted].sort(),
      );
      expect(
        rows.filter((r) => r.thumbnailStatus !== 'ready'),
        'thumbnails not ready',
      ).to.deep.equal([]);
      expect(keys, 'objects in the bucket = the rows’ files and thumbnails').to.deep.equal(
        rows.flatMap((r) => [r.storageKey, r.thumbnailKey ?? '']).sort(),
      );
      expect(duplicated, 'thumbnails made twice').to.equal(0);
      expect(reruns, 'thumbnail attempts that failed during the outage (then retried)').to.be.greaterThan(0);
      rig.expectNoRestart(app);
      await rig.stopApp(appDb, app);
    } finally {
      direct?.destroy();
      await proxy?.cut();
      await s3?.close();
    }
  });
}
