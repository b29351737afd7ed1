/**
 * Operator CLI for the job queue, for when the API is down: `npm run jobs -- <command>`.
 *
 *   list   [--state queued|scheduled|running|failed|completed] [--task T] [--from ISO] [--to ISO]
 *          [--limit N] [--cursor C]
 *   show   <id>
 *   retry  <id>                      run now with attempts reset
 *   retry  --all [--state failed|queued|scheduled] [--task T]
 *   cancel <id> [--remove]           permanently fail (default) or delete
 *   stats
 *   unlock <email>                   lift a sign-in lockout (too many failed attempts) at once
 *
 * Every command accepts --json for machine-readable output. It talks to DATABASE_URL directly with
 * the same domain functions as the API (or, when DATABASE_URL is unset, to the embedded PostgreSQL
 * of a running `npm start`); actions are audited with the OS user and host as operator.
 * Exit codes: 0 done, 1 refused (unknown job, job running), 2 usage, 78 configuration.
 */
import { parseArgs } from 'node:util';
import { connectDatabase, disconnectDatabase } from '../db/knex.js';
import { cancelJob } from '../domain/jobs/cancel-job.js';
import { getJob } from '../domain/jobs/get-job.js';
import { cliOperator } from '../domain/jobs/job-operator.js';
import { JOB_STATES, type JobState, type JobView } from '../domain/jobs/job-state.js';
import { jobStats } from '../domain/jobs/job-stats.js';
import { listJobs } from '../domain/jobs/list-jobs.js';
import { retryJob } from '../domain/jobs/retry-job.js';
import { retryJobs } from '../domain/jobs/retry-jobs.js';
import { clearAccountLockout } from '../domain/auth/rate-limits.js';
import { ConfigError, loadConfig } from '../lib/config.js';
import { loadEnvFile } from '../lib/env-file.js';
import { AppError } from '../lib/errors.js';
import { cliDatabase, type CliDatabase } from './cli-database.js';

const USAGE = `usage: npm run jobs -- <list|show|retry|cancel|stats|unlock> [options] [--json]
  list   [--state queued|scheduled|running|failed|completed] [--task T] [--from ISO] [--to ISO] [--limit N] [--cursor C]
  show   <id>
  retry  <id> | retry --all [--state failed|queued|scheduled] [--task T]
  cancel <id> [--remove]
  stats
  unlock <email>   lift the sign-in lockout of an account`;

class UsageError extends Error {}

function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) =>
    columns.map((c) => (r[c] === null || r[c] === undefined ? '-' : String(r[c]).replace(/\s+/g, ' '))),
  );
  const widths = columns.map((c, i) =>
    Math.min(60, Math.max(c.length, ...cells.map((row) => row[i].length))),
  );
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i])))
      .join('  ');
  return [line(columns), ...cells.map(line)].join('\n');
}

const jobColumns = ['id', 'task', 'state', 'attempts', 'maxAttempts', 'runAt', 'lastError'];

function jobId(positionals: string[]): string {
  const id = positionals[1];
  if (!id) throw new UsageError('a job id is required');
  if (!/^\d{1,18}$/.test(id)) throw new UsageError(`"${id}" is not a job id`);
  return id;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      state: { type: 'string' },
      task: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      all: { type: 'boolean' },
      remove: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  loadEnvFile();
  const config = loadConfig(process.env);
  database = await cliDatabase(config, { command: 'jobs' });
  connectDatabase(database.url, 2);
  const print = (human: string, data: unknown) =>
    console.log(values.json ? JSON.stringify(data, null, 2) : human);
  const op = cliOperator();

  switch (command) {
    case 'list': {
      const state = values.state as JobState | undefined;
      if (state && !JOB_STATES.includes(state))
        throw new UsageError(`--state must be one of ${JOB_STATES.join(', ')}`);
      const limit = values.limit ? Number(values.limit) : 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new UsageError('--limit must be 1..1000');
      for (const [k, v] of [
        ['from', values.from],
        ['to', values.to],
      ] as const) {
        if (v && Number.isNaN(Date.parse(v))) throw new UsageError(`--${k} must be an ISO 8601 time`);
      }
      const page = await listJobs({
        state,
        task: values.task,
        from: values.from,
        to: values.to,
        limit,
        cursor: values.cursor,
      });
      const more = page.nextCursor ? `\nmore: --cursor ${page.nextCursor}` : '';
      print(
        page.items.length
          ? table(page.items as unknown as Record<string, unknown>[], jobColumns) + more
          : 'no jobs',
        page,
      );
      return 0;
    }
    case 'show': {
      const job = await getJob(jobId(positionals));
      const { payload, runs, ...fields } = job;
      const human = [
        ...Object.entries(fields).map(
          ([k, v]) => `${k.padEnd(18)} ${v === null || v === undefined ? '-' : String(v)}`,
        ),
        `payload            ${JSON.stringify(payload)}`,
        '',
        runs.length
          ? table(runs as unknown as Record<string, unknown>[], [
              'attempt',
              'outcome',
              'final',
              'durationMs',
              'finishedAt',
              'workerId',
              'error',
            ])
          : 'no recorded runs',
      ].join('\n');
      print(human, job);
      return 0;
    }
    case 'retry': {
      if (values.all) {
        const state = (values.state ?? 'failed') as 'failed' | 'queued' | 'scheduled';
        if (!['failed', 'queued', 'scheduled'].includes(state))
          throw new UsageError('--state must be failed, queued or scheduled');
        const result = await retryJobs(op, { task: values.task, state });
        print(
          `retried ${result.retried} job(s)${result.jobIds.length ? `: ${result.jobIds.join(', ')}` : ''}`,
          result,
        );
        return 0;
      }
      const job: JobView = await retryJob(op, jobId(positionals));
      print(`job ${job.id} (${job.task}) will run now`, job);
      return 0;
    }
    case 'cancel': {
      const job = await cancelJob(op, jobId(positionals), values.remove ? 'remove' : 'fail');
      print(
        job.removed
          ? `job ${job.id} (${job.task}) removed`
          : `job ${job.id} (${job.task}) permanently failed`,
        job,
      );
      return 0;
    }
    case 'stats': {
      const stats = await jobStats(undefined, config.workerStaleSeconds);
      const human = [
        table(stats.tasks as unknown as Record<string, unknown>[], [
          'task',
          'queued',
          'scheduled',
          'running',
          'failed',
          'completedLastHour',
          'failedLastHour',
        ]),
        '',
        `totals: ${Object.entries(stats.totals)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
        `oldest queued job waiting: ${stats.oldestQueuedAgeSeconds} s`,
        `last hour: ${stats.completedLastHour} completed, ${stats.failuresLastHour} failed`,
        `live worker pools: ${stats.liveWorkers}`,
      ].join('\n');
      print(human, stats);
      return 0;
    }
    case 'unlock': {
      const email = positionals[1];
      if (!email || !email.includes('@')) throw new UsageError('unlock needs the email of the account');
      const cleared = await clearAccountLockout(email, `${op.osUser ?? 'operator'} (cli)`);
      print(`${email}: ${cleared} lockout window(s) cleared; the account can sign in again`, {
        email,
        cleared,
      });
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

let code: number;
let database: CliDatabase | undefined;
try {
  code = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`jobs: ${(err as Error).message}\n${USAGE}`);
    code = 2;
  } else if (err instanceof ConfigError) {
    console.error(`jobs: invalid configuration: ${err.message}`);
    code = 78;
  } else if (err instanceof AppError && err.status < 500) {
    console.error(`jobs: ${err.message} (${err.code})`);
    code = 1;
  } else {
    console.error(`jobs: ${(err as Error).message}`);
    code = 1;
  }
}
await disconnectDatabase();
await database?.release();
process.exit(code);
