import type { Knex } from 'knex';
import type { Config } from '../../lib/config.js';
import type { WorkerHandle } from '../../worker/index.js';
import type { SmtpInbox } from './smtp.js';

/** What test/setup.ts started for the whole run. */
export interface TestContext {
  baseUrl: string;
  databaseUrl: string;
  /** Connection string for the cluster's `postgres` database (to create extra databases). */
  adminUrl: string;
  config: Config;
  knex: Knex;
  smtp: SmtpInbox;
  worker: WorkerHandle;
}

let ctx: TestContext | undefined;

export function setTestContext(c: TestContext): void {
  ctx = c;
}

/** The running test environment (set by the root hooks in test/setup.ts). */
export function testContext(): TestContext {
  if (!ctx) throw new Error('test/setup.ts root hooks have not run');
  return ctx;
}
