/**
 * `npm run bench [-- name …]`: runs each benchmark (all by default, or the named ones), prints
 * clinicflow's figure beside a baseline measured in the same run with the ratio, and writes the table
 * (with a machine description) to bench/results.md. Uses BENCH_DATABASE_URL (a server where it may
 * create and drop databases) or an embedded PostgreSQL.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchAnalytics } from './analytics.js';
import { benchApi } from './api.js';
import { benchClinic } from './clinic.js';
import { benchEmail } from './email.js';
import { benchFanout } from './fanout.js';
import { benchInventory } from './inventory.js';
import { benchJobs, benchJobsProfile } from './jobs.js';
import { stopBenchDatabases, type BenchResult } from './lib.js';
import { benchMessaging } from './messaging.js';
import { benchThumbnails } from './thumbnails.js';
import { benchUploadMemory } from './upload-memory.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const all: Record<string, () => Promise<BenchResult[]>> = {
  jobs: benchJobs,
  email: benchEmail,
  api: benchApi,
  fanout: benchFanout,
  thumbnails: benchThumbnails,
  inventory: benchInventory,
  'upload-memory': benchUploadMemory,
  messaging: benchMessaging,
  clinic: benchClinic,
  analytics: benchAnalytics,
};
/** Diagnostic runs, only when named. */
const extra: Record<string, () => Promise<BenchResult[]>> = { 'jobs-profile': benchJobsProfile };

const requested = process.argv.slice(2);
const unknown = requested.filter((n) => !all[n] && !extra[n]);
if (unknown.length) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; choose from ${[...Object.keys(all), ...Object.keys(extra)].join(', ')}`,
  );
  process.exit(2);
}
const names = requested.length ? requested : Object.keys(all);

const results: BenchResult[] = [];
const started = performance.now();
const loadBefore = os.loadavg()[0];
try {
  for (const name of names) {
    process.stderr.write(`bench: ${name}…\n`);
    const t0 = performance.now();
    const rows = await (all[name] ?? extra[name])();
    for (const r of rows)
      process.stderr.write(`  ${r.name}: ${r.clinicflow} vs ${r.baseline} (${r.ratio})\n`);
    process.stderr.write(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    results.push(...rows);
  }
} finally {
  await stopBenchDatabases();
}

const cpus = os.cpus();
const machine = `${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, ${os.type()} ${os.release()}, Node ${process.version}, PostgreSQL ${process.env.BENCH_DATABASE_URL ? 'server at BENCH_DATABASE_URL' : 'embedded'}, 1-minute load average before the run ${loadBefore.toFixed(2)}`;
const rows = results.map(
  (r) =>
    `| ${r.name} | ${r.clinicflow} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |`,
);
const table = [
  '| benchmark | clinicflow | baseline (same run) | ratio | target | met |',
  '|---|---|---|---|---|---|',
  ...rows,
].join('\n');
const md = `# Benchmark results\n\nMachine: ${machine}. Run: ${new Date().toISOString()} (${names.join(', ')}; ${((performance.now() - started) / 1000).toFixed(0)} s).\n\nRatio: clinicflow ÷ baseline for rates, baseline ÷ clinicflow for latencies and memory, so above 1 is always clinicflow ahead.\n\n${table}\n`;
// Only a full run replaces the published table; a partial run just prints its rows.
if (!requested.length) writeFileSync(path.join(here, 'results.md'), md);
console.log(md);
process.exit(0);
