/**
 * `npm run bench`: runs each benchmark, prints clinicflow's figure beside a baseline measured in the
 * same run with the ratio, and writes the table (with a machine description) to bench/results.md.
 * Uses BENCH_DATABASE_URL (a server where it may create and drop databases) or an embedded PostgreSQL.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchJobs } from './jobs.js';
import { stopBenchDatabases, type BenchResult } from './lib.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches: [string, () => Promise<BenchResult[]>][] = [['jobs', benchJobs]];

const results: BenchResult[] = [];
for (const [name, fn] of benches) {
  process.stderr.write(`bench: ${name}…\n`);
  results.push(...(await fn()));
}
await stopBenchDatabases();

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, ${os.type()} ${os.release()}, Node ${process.version}, PostgreSQL ${process.env.BENCH_DATABASE_URL ? 'server at BENCH_DATABASE_URL' : 'embedded'}`;
const rows = results.map(
  (r) =>
    `| ${r.name} | ${r.clinicflow} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |`,
);
const table = [
  '| benchmark | clinicflow | baseline (same run) | ratio | target | met |',
  '|---|---|---|---|---|---|',
  ...rows,
].join('\n');
const md = `# Benchmark results\n\nMachine: ${machine}. Run: ${new Date().toISOString()}.\n\n${table}\n`;
writeFileSync(path.join(here, 'results.md'), md);
console.log(md);
process.exit(0);
