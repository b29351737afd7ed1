import { expect } from 'chai';
import type { Actor } from '../../domain/auth/actor.js';
import { bookMovement } from '../../domain/inventory/book-movement.js';
import { createItem } from '../../domain/inventory/create-item.js';
import { getItem } from '../../domain/inventory/get-item.js';
import type { MovementInput } from '../../domain/inventory/schemas.js';
import { toAppError, type AppError } from '../../lib/errors.js';
import { testContext } from '../helpers/context.js';
import { createUser } from '../helpers/factories.js';

/** Books a movement and returns the AppError it threw, or fails. */
async function refusal(actor: Actor, itemId: string, input: MovementInput): Promise<AppError> {
  try {
    await bookMovement(actor, itemId, input);
  } catch (err) {
    // What the API would answer: the constraint registry translates CHECK violations.
    const e = toAppError(err);
    if (e.status < 500) return e;
    throw err;
  }
  throw new Error(`expected ${input.kind} to be refused`);
}

const plusDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

describe('inventory ledger (domain)', function () {
  this.timeout(60_000);
  let manager: Actor;
  let nurse: Actor;

  before(async () => {
    const m = await createUser('admin', { adminRoles: ['inventory-manager'] });
    const n = await createUser('nurse');
    manager = { userId: m.id, role: 'admin', adminRoles: ['inventory-manager'] };
    nurse = { userId: n.id, role: 'nurse', adminRoles: [] };
  });

  const newItem = (reorderLevel = 0) =>
    createItem(manager, {
      name: `Gauze ${Math.random().toString(36).slice(2, 8)}`,
      unit: 'packs',
      reorderLevel,
    });

  it('keeps quantityAfter, item and lot quantities in step with every kind of movement', async () => {
    const item = await newItem();
    const steps: [MovementInput, number][] = [
      [{ kind: 'receive', quantity: 10, lot: 'A', expiresOn: plusDays(100) }, 10],
      [{ kind: 'receive', quantity: 5, lot: 'B', expiresOn: plusDays(200) }, 15],
      [{ kind: 'dispense', quantity: 3, lot: 'B' }, 12],
      [{ kind: 'adjust', quantity: -2, lot: 'A', reason: 'stocktake' }, 10],
      [{ kind: 'adjust', quantity: 4, lot: 'A', reason: 'found a box' }, 14],
      [{ kind: 'return', quantity: 1, lot: 'B' }, 15],
      [{ kind: 'expire', quantity: 2, lot: 'A' }, 13],
      [{ kind: 'receive', quantity: 7, lot: 'A' }, 20],
    ];
    for (const [input, after] of steps) {
      const m = await bookMovement(manager, item.id, input);
      expect(m.quantityAfter, `${input.kind} ${input.quantity}`).to.equal(after);
      expect(m.lines).to.have.length(1);
    }
    const now = await getItem(manager, item.id);
    expect(now.quantity).to.equal(20);
    expect(now.lots).to.deep.equal([
      { lot: 'A', expiresOn: plusDays(100), quantity: 17 },
      { lot: 'B', expiresOn: plusDays(200), quantity: 3 },
    ]);
    expect(now.nextExpiry).to.equal(plusDays(100));
    // The ledger sums to the stock, per item and per lot.
    const { rows } = await testContext().knex.raw(
      `select l.lot, sum(ml.quantity)::int as total from inventory_movement_lots ml
         join inventory_lots l on l.id = ml.lot_id where l.item_id = ? group by l.lot order by l.lot`,
      [item.id],
    );
    expect(rows).to.deep.equal([
      { lot: 'A', total: 17 },
      { lot: 'B', total: 3 },
    ]);
  });

  it('dispenses earliest expiry first across lots (FEFO), lots without expiry last, expired lots never', async () => {
    const item = await newItem();
    await bookMovement(manager, item.id, { kind: 'receive', quantity: 5, lot: 'NOEXP' });
    await bookMovement(manager, item.id, {
      kind: 'receive',
      quantity: 4,
      lot: 'LATE',
      expiresOn: plusDays(90),
    });
    await bookMovement(manager, item.id, {
      kind: 'receive',
      quantity: 3,
      lot: 'SOON',
      expiresOn: plusDays(10),
    });
    await bookMovement(manager, item.id, {
      kind: 'receive',
      quantity: 6,
      lot: 'OLD',
      expiresOn: plusDays(-1),
    });
    const m = await bookMovement(nurse, item.id, { kind: 'dispense', quantity: 9 });
    expect(m.quantityAfter).to.equal(9);
    expect(m.lines.map((l) => [l.lot, l.quantity, l.quantityAfter])).to.deep.equal([
      ['SOON', -3, 0],
      ['LATE', -4, 0],
      ['NOEXP', -2, 3],
    ]);
    // 3 usable (NOEXP) + 6 expired: 4 more cannot come from unexpired lots.
    expect((await refusal(nurse, item.id, { kind: 'dispense', quantity: 4 })).code).to.equal(
      'insufficient_stock',
    );
    expect((await refusal(nurse, item.id, { kind: 'dispense', quantity: 1, lot: 'OLD' })).code).to.equal(
      'lot_expired',
    );
    expect((await getItem(manager, item.id)).quantity).to.equal(9);
  });

  it('refuses overdrafts of the item and of a lot with 409 insufficient_stock and changes nothing', async () => {
    const item = await newItem();
    await bookMovement(manager, item.id, { kind: 'receive', quantity: 3, lot: 'A' });
    await bookMovement(manager, item.id, { kind: 'receive', quantity: 3, lot: 'B' });
    expect((await refusal(nurse, item.id, { kind: 'dispense', quantity: 7 })).code).to.equal(
      'insufficient_stock',
    );
    expect((await refusal(nurse, item.id, { kind: 'dispense', quantity: 4, lot: 'A' })).code).to.equal(
      'insufficient_stock',
    );
    expect(
      (await refusal(manager, item.id, { kind: 'adjust', quantity: -4, lot: 'B', reason: 'count' })).status,
    ).to.equal(409);
    expect((await refusal(manager, item.id, { kind: 'return', quantity: 1, lot: 'Z' })).status).to.equal(404);
    expect(
      (await refusal(manager, item.id, { kind: 'receive', quantity: 1, lot: 'A', expiresOn: plusDays(5) }))
        .code,
    ).to.equal('lot_expiry_mismatch');
    expect((await refusal(nurse, item.id, { kind: 'receive', quantity: 1, lot: 'A' })).status).to.equal(403);
    const now = await getItem(manager, item.id);
    expect(now.quantity).to.equal(6);
    const n = await testContext()
      .knex('inventoryMovements')
      .where({ itemId: item.id })
      .count<{ count: number }[]>();
    expect(Number(n[0].count)).to.equal(2);
  });

  it('lets exactly 45 of 60 concurrent dispenses of 1 win across two lots (45 + 15 × insufficient_stock)', async () => {
    const item = await newItem();
    await bookMovement(manager, item.id, {
      kind: 'receive',
      quantity: 20,
      lot: 'A',
      expiresOn: plusDays(30),
    });
    await bookMovement(manager, item.id, {
      kind: 'receive',
      quantity: 25,
      lot: 'B',
      expiresOn: plusDays(60),
    });
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, () => bookMovement(nurse, item.id, { kind: 'dispense', quantity: 1 })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [toAppError(r.reason).code] : []));
    expect(ok).to.have.length(45);
    expect(codes).to.deep.equal(Array(15).fill('insufficient_stock'));
    const after = (ok as PromiseFulfilledResult<{ quantityAfter: number }>[]).map(
      (r) => r.value.quantityAfter,
    );
    expect([...after].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 45 }, (_, i) => i));
    const { rows } = await testContext().knex.raw(
      'select lot, quantity from inventory_lots where item_id = ?',
      [item.id],
    );
    expect(rows.map((r: { quantity: number }) => r.quantity)).to.deep.equal([0, 0]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of ledger rows', async () => {
    const item = await newItem();
    const m = await bookMovement(manager, item.id, { kind: 'receive', quantity: 2, lot: 'A' });
    const knex = testContext().knex;
    for (const attempt of [
      () => knex('inventoryMovements').where({ id: m.id }).update({ quantity: 200 }),
      () => knex('inventoryMovements').where({ id: m.id }).delete(),
      () => knex('inventoryMovementLots').where({ movementId: m.id }).update({ quantity: 200 }),
      () => knex('inventoryMovementLots').where({ movementId: m.id }).delete(),
      () => knex.raw('truncate inventory_movement_lots'),
    ]) {
      const err = await attempt().then(
        () => null,
        (e: { code?: string; message: string }) => e,
      );
      expect(err?.code).to.equal('42501');
      expect(err?.message).to.match(/append-only/);
    }
    const row = await knex('inventoryMovements').where({ id: m.id }).first();
    expect(row.quantity).to.equal(2);
  });
});
