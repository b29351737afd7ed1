/**
 * Inventory dispensing: 50 concurrent dispensers, each booking `dispense 1` movements on random items
 * of 200 (two lots each, FEFO) for a fixed time, through the domain function (item update with its
 * CHECK, FEFO lot read, lots + movement + ledger lines in one statement, one transaction each).
 * The baseline, same run, same server, same 50 connections: a bare
 * `update … set quantity = quantity - 1 where id = $1 and quantity >= 1` loop over 200 rows
 * (autocommit, no ledger). The ratio is what the ledger, the lots and the transaction cost.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import type { Actor } from '../domain/auth/actor.js';
import { bookMovement } from '../domain/inventory/book-movement.js';
import { createItem } from '../domain/inventory/create-item.js';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { createMailer } from '../lib/mailer.js';
import { setServices } from '../lib/services.js';
import { type BenchResult, closeBenchApp, fmt, freshDatabase, percentile } from './lib.js';

const DISPENSERS = 50;
const ITEMS = 200;
const SECONDS = Number(process.env.BENCH_INVENTORY_SECONDS ?? 10);
/** Stock per lot: far more than a run can dispense, so no dispense is refused. */
const STOCK = 1_000_000;

/** Runs `DISPENSERS` loops of `op` for `SECONDS`; returns operations per second and latencies. */
async function loop(
  op: () => Promise<unknown>,
): Promise<{ perSecond: number; latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: DISPENSERS }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await op();
          latencies.push(performance.now() - t0);
        } catch (err) {
          if (errors === 0) process.stderr.write(`  first error: ${String(err)}\n`);
          errors += 1;
        }
      }
    }),
  );
  return { perSecond: latencies.length / ((performance.now() - started) / 1000), latencies, errors };
}

/** Runs the inventory benchmark and returns its result rows. */
export async function benchInventory(): Promise<BenchResult[]> {
  const db = await freshDatabase();
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
  setServices({
    config,
    logger: createLogger('silent'),
    mailer: createMailer({
      from: config.mailFrom,
      outboxDir: path.join(os.tmpdir(), 'clinicflow-bench-outbox'),
    }),
    jwtSecret: randomBytes(32).toString('hex'),
  });
  const knex = connectDatabase(db.url, DISPENSERS);
  // Opened after the clinicflow run has closed its pool: at most 50 connections at any time.
  let pool: pg.Pool | undefined;
  try {
    await migrateDatabase(knex, db.url);
    const [m, n] = await knex('users')
      .insert(
        ['admin', 'nurse'].map((role) => ({
          name: `bench ${role}`,
          email: `${role}-${randomBytes(4).toString('hex')}@bench.test`,
          passwordHash: 'x',
          role,
          adminRoles: role === 'admin' ? ['inventory-manager'] : [],
          status: 'active',
          emailVerified: true,
        })),
      )
      .returning('id');
    const manager: Actor = { userId: m.id, role: 'admin', adminRoles: ['inventory-manager'] };
    const nurse: Actor = { userId: n.id, role: 'nurse', adminRoles: [] };
    const soon = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    const later = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10);
    const itemIds: string[] = [];
    for (let i = 0; i < ITEMS; i++) {
      const item = await createItem(manager, { name: `Bench item ${i}`, unit: 'units', reorderLevel: 10 });
      await bookMovement(manager, item.id, { kind: 'receive', quantity: STOCK, lot: 'A', expiresOn: soon });
      await bookMovement(manager, item.id, { kind: 'receive', quantity: STOCK, lot: 'B', expiresOn: later });
      itemIds.push(item.id);
    }
    await knex.raw(
      `create table bench_stock (id int primary key, quantity int not null check (quantity >= 0))`,
    );
    await knex.raw(`insert into bench_stock select g, ${2 * STOCK} from generate_series(1, ${ITEMS}) g`);
    await knex.raw('analyze');

    const pick = () => Math.floor(Math.random() * ITEMS);
    const ours = await loop(() => bookMovement(nurse, itemIds[pick()], { kind: 'dispense', quantity: 1 }));
    await closeBenchApp();
    const bareConnections = new pg.Pool({ connectionString: db.url, max: DISPENSERS });
    bareConnections.on('error', () => {});
    pool = bareConnections;
    const bare = await loop(() =>
      bareConnections.query(
        'update bench_stock set quantity = quantity - 1 where id = $1 and quantity >= 1',
        [pick() + 1],
      ),
    );

    const { rows } = await bareConnections.query<{ movements: number; stock: number }>(
      `select (select count(*)::int from inventory_movements where kind = 'dispense') as movements,
              (select (${ITEMS * 2 * STOCK} - sum(quantity))::int from inventory_items) as stock`,
    );
    if (rows[0].movements !== rows[0].stock || rows[0].movements !== ours.latencies.length) {
      throw new Error(
        `ledger mismatch: ${JSON.stringify(rows[0])}, ${ours.latencies.length} dispenses counted`,
      );
    }
    const ms = (v: number) => `${fmt(v, 1)} ms`;
    return [
      {
        name: `inventory dispenses/s (${DISPENSERS} concurrent dispensers, ${ITEMS} items × 2 lots, ${SECONDS} s)`,
        clinicflow: `${fmt(ours.perSecond, 0)} movements/s (p50 ${ms(percentile(ours.latencies, 50))}, p99 ${ms(percentile(ours.latencies, 99))}, ${ours.errors} errors)`,
        baseline: `${fmt(bare.perSecond, 0)} updates/s bare \`update … where quantity >= 1\` (p50 ${ms(percentile(bare.latencies, 50))}, p99 ${ms(percentile(bare.latencies, 99))})`,
        ratio: fmt(ours.perSecond / bare.perSecond, 2),
        target: 'no errors; ledger = stock',
        met: ours.errors === 0 && bare.errors === 0,
      },
    ];
  } finally {
    await pool?.end();
    await closeBenchApp();
    await db.drop();
  }
}
