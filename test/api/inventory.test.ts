import { expect } from 'chai';
import { DateTime } from 'luxon';
import {
  buildAccessWorld,
  runMatrixCase,
  statuses,
  type AccessWorld,
  type MatrixCase,
} from '../helpers/access-matrix.js';
import { testContext } from '../helpers/context.js';
import { createAppointment, createUser, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

const plusDays = (n: number) => DateTime.utc().plus({ days: n }).toISODate()!;
const unique = (prefix: string) => `${prefix} ${Math.random().toString(36).slice(2, 10)}`;
const sku = () => `SKU-${Math.random().toString(36).slice(2, 10).toUpperCase()}`;

describe('inventory API', function () {
  this.timeout(60_000);
  let manager: TestUser;
  let nurse: TestUser;

  before(async () => {
    manager = await createUser('admin', { adminRoles: ['inventory-manager'] });
    nurse = await createUser('nurse');
  });

  async function newItem(body: Record<string, unknown> = {}) {
    const res = await api
      .as(manager.token)
      .post('/inventory', { name: unique('Gauze'), unit: 'packs', ...body });
    expect(res.status, res.text).to.equal(201);
    return res.body as { id: string; name: string; [k: string]: unknown };
  }
  async function move(itemId: string, body: Record<string, unknown>, token = manager.token) {
    return api.as(token).post(`/inventory/${itemId}/movements`, body);
  }

  describe('items', () => {
    it('creates an item with no stock (201) in the SPEC shape', async () => {
      const code = sku();
      const res = await api
        .as(manager.token)
        .post('/inventory', { name: 'Ibuprofen 400 mg', sku: code, unit: 'packs', reorderLevel: 20 });
      expect(res.status, res.text).to.equal(201);
      expect(res.body).to.deep.include({
        name: 'Ibuprofen 400 mg',
        sku: code,
        unit: 'packs',
        quantity: 0,
        reorderLevel: 20,
        lowStock: true,
        lots: [],
      });
      expect(res.body).to.have.keys(
        'id',
        'name',
        'sku',
        'unit',
        'quantity',
        'reorderLevel',
        'lowStock',
        'lots',
        'createdAt',
      );
    });

    it('never lets a client write quantity (400 on create and on PATCH)', async () => {
      const created = await api.as(manager.token).post('/inventory', { name: 'X', unit: 'u', quantity: 100 });
      expect(created.status).to.equal(400);
      const item = await newItem();
      const patched = await api.as(manager.token).patch(`/inventory/${item.id}`, { quantity: 100 });
      expect(patched.status).to.equal(400);
      expect((await api.as(manager.token).get(`/inventory/${item.id}`)).body.quantity).to.equal(0);
    });

    it('keeps a SKU unique among live items (409 duplicate), free again once the item is deleted', async () => {
      const code = sku();
      const first = await newItem({ sku: code });
      const again = await api.as(manager.token).post('/inventory', { name: 'Other', unit: 'u', sku: code });
      expect(again.status).to.equal(409);
      expect(errorOf(again).code).to.equal('duplicate');
      const other = await newItem();
      expect((await api.as(manager.token).patch(`/inventory/${other.id}`, { sku: code })).status).to.equal(
        409,
      );
      expect((await api.as(manager.token).delete(`/inventory/${first.id}`)).status).to.equal(204);
      const reused = await api
        .as(manager.token)
        .patch(`/inventory/${other.id}`, { sku: code, reorderLevel: 3 });
      expect(reused.status, reused.text).to.equal(200);
      expect(reused.body).to.include({ sku: code, reorderLevel: 3 });
      const cleared = await api.as(manager.token).patch(`/inventory/${other.id}`, { sku: null });
      expect(cleared.status).to.equal(200);
      expect(cleared.body).not.to.have.property('sku');
    });

    it('soft-deletes: 409 stock_remaining while stock remains, 204 with force=true, then 404 with the ledger kept', async () => {
      const item = await newItem();
      expect((await move(item.id, { kind: 'receive', quantity: 2, lot: 'A' })).status).to.equal(201);
      const refused = await api.as(manager.token).delete(`/inventory/${item.id}`);
      expect(refused.status).to.equal(409);
      expect(errorOf(refused).code).to.equal('stock_remaining');
      expect((await api.as(manager.token).delete(`/inventory/${item.id}?force=true`)).status).to.equal(204);
      expect((await api.as(manager.token).get(`/inventory/${item.id}`)).status).to.equal(404);
      expect((await move(item.id, { kind: 'dispense', quantity: 1 }, nurse.token)).status).to.equal(404);
      expect((await api.as(manager.token).delete(`/inventory/${item.id}`)).status).to.equal(404);
      const ledger = await testContext().knex('inventoryMovements').where({ itemId: item.id });
      expect(ledger).to.have.length(1);
    });

    it('searches by name or SKU and filters lowStock and expiringBefore', async () => {
      const tag = Math.random().toString(36).slice(2, 8);
      const low = await newItem({ name: `Search ${tag} low`, reorderLevel: 5 });
      const ok = await newItem({ name: `Search ${tag} ok`, sku: `S${tag}`.toUpperCase(), reorderLevel: 1 });
      await move(low.id, { kind: 'receive', quantity: 2, lot: 'L', expiresOn: plusDays(5) });
      await move(ok.id, { kind: 'receive', quantity: 9, lot: 'L', expiresOn: plusDays(50) });
      const names = async (qs: string) =>
        ((await api.as(nurse.token).get(`/inventory?${qs}`)).body.items as { name: string }[]).map(
          (i) => i.name,
        );
      expect(await names(`q=search%20${tag}`)).to.deep.equal([`Search ${tag} low`, `Search ${tag} ok`]);
      expect(await names(`q=s${tag}`)).to.deep.equal([`Search ${tag} ok`]);
      expect(await names(`q=search%20${tag}&lowStock=true`)).to.deep.equal([`Search ${tag} low`]);
      expect(await names(`q=search%20${tag}&lowStock=false`)).to.deep.equal([`Search ${tag} ok`]);
      expect(await names(`q=search%20${tag}&expiringBefore=${plusDays(10)}`)).to.deep.equal([
        `Search ${tag} low`,
      ]);
      const page1 = await api.as(nurse.token).get(`/inventory?q=search%20${tag}&limit=1`);
      const page2 = await api
        .as(nurse.token)
        .get(`/inventory?q=search%20${tag}&limit=1&cursor=${page1.body.nextCursor}`);
      expect([page1.body.items[0].name, page2.body.items[0].name]).to.deep.equal([
        `Search ${tag} low`,
        `Search ${tag} ok`,
      ]);
      const alerts = await api.as(nurse.token).get('/inventory/alerts');
      expect(alerts.status).to.equal(200);
      expect(alerts.body.expiryWindowDays).to.equal(30);
      expect(alerts.body.lowStock.map((i: { id: string }) => i.id))
        .to.include(low.id)
        .and.not.include(ok.id);
      expect(alerts.body.expiring.map((i: { id: string }) => i.id))
        .to.include(low.id)
        .and.not.include(ok.id);
    });
  });

  describe('movements', () => {
    for (const lots of [[45], [20, 25]]) {
      it(`lets exactly 45 of 60 concurrent dispenses of 1 succeed from ${lots.join(' + ')} in ${lots.length} lot(s) (45 × 201, 15 × 409 insufficient_stock, no 5xx)`, async () => {
        const item = await newItem();
        for (const [i, quantity] of lots.entries()) {
          const lot = { kind: 'receive', quantity, lot: `L${i}`, expiresOn: plusDays(30 * (i + 1)) };
          expect((await move(item.id, lot)).status).to.equal(201);
        }
        const results = await Promise.all(
          Array.from({ length: 60 }, () => move(item.id, { kind: 'dispense', quantity: 1 }, nurse.token)),
        );
        const byStatus = (s: number) => results.filter((r) => r.status === s);
        expect(byStatus(201)).to.have.length(45);
        expect(byStatus(409)).to.have.length(15);
        expect(byStatus(409).every((r) => errorOf(r).code === 'insufficient_stock')).to.equal(true);
        const item2 = (await api.as(nurse.token).get(`/inventory/${item.id}`)).body;
        expect(item2.quantity).to.equal(0);
        expect(item2.lots).to.deep.equal([]);
        const after = byStatus(201).map((r) => r.body.quantityAfter as number);
        expect(after.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 45 }, (_, i) => i));
        const { rows } = await testContext().knex.raw(
          'select quantity from inventory_lots where item_id = ? order by lot',
          [item.id],
        );
        expect(rows.map((r: { quantity: number }) => r.quantity)).to.deep.equal(lots.map(() => 0));
      });
    }

    it('dispenses FEFO across lots in one movement with a per-lot breakdown (201), and lists the ledger newest first', async () => {
      const item = await newItem();
      await move(item.id, { kind: 'receive', quantity: 4, lot: 'LATE', expiresOn: plusDays(120) });
      await move(item.id, { kind: 'receive', quantity: 3, lot: 'SOON', expiresOn: plusDays(15) });
      const res = await move(item.id, { kind: 'dispense', quantity: 5, reason: 'ward 3' }, nurse.token);
      expect(res.status, res.text).to.equal(201);
      expect(res.body).to.deep.include({
        itemId: item.id,
        kind: 'dispense',
        quantity: 5,
        quantityAfter: 2,
        actorId: nurse.id,
        reason: 'ward 3',
      });
      expect(res.body).not.to.have.property('lot');
      expect(res.body.lots).to.deep.equal([
        { lot: 'SOON', expiresOn: plusDays(15), quantity: 3, quantityAfter: 0 },
        { lot: 'LATE', expiresOn: plusDays(120), quantity: 2, quantityAfter: 2 },
      ]);
      const adj = await move(item.id, { kind: 'adjust', quantity: -1, lot: 'LATE', reason: 'broken' });
      expect(adj.status).to.equal(201);
      expect(adj.body).to.deep.include({
        quantity: -1,
        lot: 'LATE',
        expiresOn: plusDays(120),
        quantityAfter: 1,
      });
      const ledger = await api.as(nurse.token).get(`/inventory/${item.id}/movements`);
      expect(ledger.status).to.equal(200);
      expect(
        ledger.body.items.map((m: { kind: string; quantityAfter: number }) => [m.kind, m.quantityAfter]),
      ).to.deep.equal([
        ['adjust', 1],
        ['dispense', 2],
        ['receive', 7],
        ['receive', 4],
      ]);
      const receives = await api.as(nurse.token).get(`/inventory/${item.id}/movements?kind=receive&limit=1`);
      expect(receives.body.items).to.have.length(1);
      const more = await api
        .as(nurse.token)
        .get(`/inventory/${item.id}/movements?kind=receive&limit=1&cursor=${receives.body.nextCursor}`);
      expect(more.body.items[0].lot).to.equal('LATE');
      expect(more.body.nextCursor).to.equal(null);
    });

    it('refuses what the nurse may not do (403) and overdrafts of a lot (409)', async () => {
      const item = await newItem();
      await move(item.id, { kind: 'receive', quantity: 2, lot: 'A' });
      for (const body of [
        { kind: 'receive', quantity: 1, lot: 'A' },
        { kind: 'adjust', quantity: 1, lot: 'A', reason: 'count' },
        { kind: 'return', quantity: 1, lot: 'A' },
        { kind: 'expire', quantity: 1, lot: 'A' },
      ]) {
        expect((await move(item.id, body, nurse.token)).status, body.kind).to.equal(403);
      }
      const over = await move(item.id, { kind: 'dispense', quantity: 3, lot: 'A' }, nurse.token);
      expect(over.status).to.equal(409);
      expect(errorOf(over).code).to.equal('insufficient_stock');
    });

    it('answers every bad input with a 4xx and stores nothing', async () => {
      const item = await newItem();
      await move(item.id, { kind: 'receive', quantity: 5, lot: 'A', expiresOn: plusDays(30) });
      const bad: [unknown, number][] = [
        [{}, 400],
        [{ kind: 'teleport', quantity: 1 }, 400],
        [{ kind: 'dispense' }, 400],
        [{ kind: 'dispense', quantity: 0 }, 400],
        [{ kind: 'dispense', quantity: -1 }, 400],
        [{ kind: 'dispense', quantity: 1.5 }, 400],
        [{ kind: 'dispense', quantity: '1' }, 400],
        [{ kind: 'dispense', quantity: 10_000_001 }, 400],
        [{ kind: 'dispense', quantity: 1, quantityAfter: 99 }, 400],
        [{ kind: 'dispense', quantity: 1, prescriptionId: 'nope' }, 400],
        [{ kind: 'dispense', quantity: 1, lot: 'Z' }, 404],
        [{ kind: 'dispense', quantity: 1, prescriptionId: '00000000-0000-4000-8000-000000000000' }, 404],
        [{ kind: 'receive', quantity: 1 }, 400],
        [{ kind: 'receive', quantity: 1, lot: '' }, 400],
        [{ kind: 'receive', quantity: 1, lot: 'A\u0000' }, 400],
        [{ kind: 'receive', quantity: 1, lot: 'B', expiresOn: '2026-02-30' }, 400],
        [{ kind: 'receive', quantity: 1, lot: 'B', expiresOn: '31/12/2026' }, 400],
        [{ kind: 'receive', quantity: 1, lot: 'A', expiresOn: plusDays(31) }, 409],
        [{ kind: 'adjust', quantity: 0, lot: 'A', reason: 'x' }, 400],
        [{ kind: 'adjust', quantity: 1, lot: 'A' }, 400],
        [{ kind: 'adjust', quantity: -6, lot: 'A', reason: 'x' }, 409],
        [{ kind: 'return', quantity: 1 }, 400],
        [{ kind: 'expire', quantity: 1 }, 400],
        [
          { kind: 'receive', quantity: 1, lot: 'A', prescriptionId: '00000000-0000-4000-8000-000000000000' },
          400,
        ],
      ];
      for (const [body, status] of bad) {
        const res = await move(item.id, body as Record<string, unknown>);
        expect(res.status, `${JSON.stringify(body)} → ${res.text}`).to.equal(status);
        errorOf(res);
      }
      expect(
        (
          await api
            .as(manager.token)
            .post('/inventory/not-a-uuid/movements', { kind: 'dispense', quantity: 1 })
        ).status,
      ).to.equal(400);
      expect(
        (await move('00000000-0000-4000-8000-000000000000', { kind: 'dispense', quantity: 1 })).status,
      ).to.equal(404);
      for (const [path, status] of [
        ['/inventory?limit=0', 400],
        ['/inventory?limit=101', 400],
        ['/inventory?lowStock=maybe', 400],
        ['/inventory?expiringBefore=tomorrow', 400],
        ['/inventory?cursor=garbage', 400],
        ['/inventory?color=red', 400],
        ['/inventory/not-a-uuid', 400],
        [`/inventory/${item.id}/movements?kind=teleport`, 400],
        [`/inventory/${item.id}/movements?cursor=garbage`, 400],
        ['/inventory/alerts?limit=1000', 400],
      ] as const) {
        const res = await api.as(manager.token).get(path);
        expect(res.status, `${path} → ${res.text}`).to.equal(status);
      }
      for (const body of [
        {},
        { name: '' },
        { name: 'x', unit: 'u', reorderLevel: -1 },
        { name: 'x', unit: 'u', sku: 'has space' },
        { name: 'x' },
      ]) {
        const res = await api.as(manager.token).post('/inventory', body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
      }
      expect((await api.as(manager.token).patch(`/inventory/${item.id}`, {})).status).to.equal(400);
      expect((await api.as(manager.token).delete(`/inventory/${item.id}?force=perhaps`)).status).to.equal(
        400,
      );
      const ledger = await testContext().knex('inventoryMovements').where({ itemId: item.id });
      expect(ledger).to.have.length(1);
      expect((await api.as(manager.token).get(`/inventory/${item.id}`)).body.quantity).to.equal(5);
    });
  });

  describe('dispensing against prescriptions', () => {
    async function prescription() {
      const doctor = await createUser('doctor');
      const patient = await createUser('patient');
      const { id: appointmentId } = await createAppointment(doctor.id, patient.patientId!, 'completed');
      const res = await api.as(doctor.token).post('/prescriptions', {
        appointmentId,
        medications: [
          {
            name: 'Amoxicillin',
            dosage: '500 mg',
            doseTimes: ['08:00'],
            startDate: plusDays(1),
            durationDays: 5,
          },
        ],
      });
      expect(res.status, res.text).to.equal(201);
      return { id: res.body.id as string, doctor, patient };
    }

    it("records a nurse's dispense for an active prescription (201) and shows it on the prescription's detail", async () => {
      const p = await prescription();
      const item = await newItem({ name: unique('Amoxicillin 500 mg') });
      await move(item.id, { kind: 'receive', quantity: 10, lot: 'AMX1', expiresOn: plusDays(100) });
      const res = await move(item.id, { kind: 'dispense', quantity: 5, prescriptionId: p.id }, nurse.token);
      expect(res.status, res.text).to.equal(201);
      expect(res.body.prescriptionId).to.equal(p.id);
      const detail = await api.as(p.patient.token).get(`/prescriptions/${p.id}`);
      expect(detail.status).to.equal(200);
      expect(detail.body.dispensed).to.have.length(1);
      expect(detail.body.dispensed[0]).to.deep.include({
        movementId: res.body.id,
        itemId: item.id,
        itemName: item.name,
        unit: 'packs',
        quantity: 5,
        dispensedBy: nurse.id,
      });
      expect(detail.body.dispensed[0].lots).to.deep.equal([{ lot: 'AMX1', quantity: 5 }]);
      const audit = await testContext()
        .knex('auditEvents')
        .where({ entity: 'prescription', entityId: p.id, action: 'dispense', actorId: nurse.id });
      expect(audit).to.have.length(1);
    });

    it('refuses a dispense against a deleted prescription (409 prescription_not_active) and a return naming one (400)', async () => {
      const p = await prescription();
      expect((await api.as(p.doctor.token).delete(`/prescriptions/${p.id}`)).status).to.equal(204);
      const item = await newItem();
      await move(item.id, { kind: 'receive', quantity: 10, lot: 'A' });
      const res = await move(item.id, { kind: 'dispense', quantity: 1, prescriptionId: p.id }, nurse.token);
      expect(res.status).to.equal(409);
      expect(errorOf(res).code).to.equal('prescription_not_active');
      expect(
        (await move(item.id, { kind: 'return', quantity: 1, lot: 'A', prescriptionId: p.id })).status,
      ).to.equal(400);
      expect((await api.as(manager.token).get(`/inventory/${item.id}`)).body.quantity).to.equal(10);
    });
  });

  describe('access matrix', () => {
    let w: AccessWorld;
    let itemId: string;
    before(async () => {
      w = await buildAccessWorld();
      itemId = (await newItem()).id;
      await move(itemId, { kind: 'receive', quantity: 1000, lot: 'A' });
    });
    const check = (c: () => MatrixCase) => async () => expect(await runMatrixCase(w, c())).to.deep.equal([]);
    const readers = statuses(403, { nurse: 200, admin: 200, superAdmin: 200 });
    const managers = (ok: number) => statuses(403, { admin: ok, superAdmin: ok });

    it(
      'GET /inventory',
      check(() => ({ route: 'GET /inventory', expect: readers, call: (t) => api.as(t).get('/inventory') })),
    );
    it(
      'GET /inventory/alerts',
      check(() => ({
        route: 'GET /inventory/alerts',
        expect: readers,
        call: (t) => api.as(t).get('/inventory/alerts'),
      })),
    );
    it(
      'GET /inventory/:id',
      check(() => ({
        route: 'GET /inventory/:id',
        expect: readers,
        call: (t) => api.as(t).get(`/inventory/${itemId}`),
      })),
    );
    it(
      'GET /inventory/:id/movements',
      check(() => ({
        route: 'GET /inventory/:id/movements',
        expect: readers,
        call: (t) => api.as(t).get(`/inventory/${itemId}/movements`),
      })),
    );
    it(
      'POST /inventory',
      check(() => ({
        route: 'POST /inventory',
        expect: managers(201),
        call: (t) => api.as(t).post('/inventory', { name: unique('M'), unit: 'u' }),
      })),
    );
    it(
      'PATCH /inventory/:id',
      check(() => ({
        route: 'PATCH /inventory/:id',
        expect: managers(200),
        call: (t) => api.as(t).patch(`/inventory/${itemId}`, { reorderLevel: 2 }),
      })),
    );
    it(
      'DELETE /inventory/:id',
      check(() => ({
        route: 'DELETE /inventory/:id',
        expect: managers(204),
        call: async (t) => api.as(t).delete(`/inventory/${(await newItem()).id}`),
      })),
    );
    it(
      'POST /inventory/:id/movements (dispense)',
      check(() => ({
        route: 'POST /inventory/:id/movements dispense',
        expect: statuses(403, { nurse: 201, admin: 201, superAdmin: 201 }),
        call: (t) => move(itemId, { kind: 'dispense', quantity: 1 }, t),
      })),
    );
    it('POST /inventory/:id/movements (receive, adjust, return, expire)', async () => {
      for (const body of [
        { kind: 'receive', quantity: 1, lot: 'A' },
        { kind: 'adjust', quantity: 1, lot: 'A', reason: 'count' },
        { kind: 'return', quantity: 1, lot: 'A' },
        { kind: 'expire', quantity: 1, lot: 'A' },
      ]) {
        expect(
          await runMatrixCase(w, {
            route: `POST movements ${body.kind}`,
            expect: managers(201),
            call: (t) => move(itemId, body, t),
          }),
        ).to.deep.equal([]);
      }
    });

    it('lets an inventory-manager admin do everything, and an admin with another sub-role too (admins manage inventory)', async () => {
      const billing = await createUser('admin', { adminRoles: ['billing-manager'] });
      for (const u of [manager, billing]) {
        const created = await api.as(u.token).post('/inventory', { name: unique('Mgr'), unit: 'u' });
        expect(created.status).to.equal(201);
        expect(
          (await move(created.body.id, { kind: 'receive', quantity: 2, lot: 'A' }, u.token)).status,
        ).to.equal(201);
        expect(
          (await move(created.body.id, { kind: 'expire', quantity: 2, lot: 'A' }, u.token)).status,
        ).to.equal(201);
        expect((await api.as(u.token).delete(`/inventory/${created.body.id}`)).status).to.equal(204);
      }
    });

    it('answers 401 without a token', async () => {
      expect((await api.as().get('/inventory')).status).to.equal(401);
      expect(
        (await api.as().post(`/inventory/${itemId}/movements`, { kind: 'dispense', quantity: 1 })).status,
      ).to.equal(401);
    });
  });
});
