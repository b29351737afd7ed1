import { expect } from 'chai';
import type { Actor } from '../../domain/auth/actor.js';
import { bookMovement } from '../../domain/inventory/book-movement.js';
import { checkInventoryExpiry } from '../../domain/inventory/check-expiry.js';
import { createItem } from '../../domain/inventory/create-item.js';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { testContext } from '../helpers/context.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { drainJobs, jobsFor } from '../helpers/jobs.js';

const plusDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const uniqueName = (prefix: string) => `${prefix} ${Math.random().toString(36).slice(2, 10)}`;

describe('inventory alerts (worker)', function () {
  this.timeout(60_000);
  let managers: TestUser[];
  let plainAdmin: TestUser;
  let manager: Actor;
  let nurse: Actor;

  before(async () => {
    managers = await Promise.all([
      createUser('admin', { adminRoles: ['inventory-manager'] }),
      createUser('admin', { adminRoles: ['inventory-manager', 'billing-manager'] }),
    ]);
    plainAdmin = await createUser('admin');
    const n = await createUser('nurse');
    manager = { userId: managers[0].id, role: 'admin', adminRoles: ['inventory-manager'] };
    nurse = { userId: n.id, role: 'nurse', adminRoles: [] };
  });

  const emailsAbout = (to: string, text: string) =>
    testContext()
      .smtp.to(to)
      .filter((m) => m.text.includes(text));
  const notificationsAbout = async (userId: string, itemId: string) =>
    (await testContext().knex('notifications').where({ userId }).whereRaw(`data->>'itemId' = ?`, [itemId]))
      .length;

  it('sends one low-stock email and notification per manager per crossing, under concurrent dispensing', async () => {
    const name = uniqueName('Saline');
    const item = await createItem(manager, { name, unit: 'bags', reorderLevel: 10 });
    await bookMovement(manager, item.id, { kind: 'receive', quantity: 20, lot: 'L1' });
    // 15 concurrent dispenses: the one that takes 10 → 9 crosses; the others are above or already below.
    const results = await Promise.allSettled(
      Array.from({ length: 15 }, () => bookMovement(nurse, item.id, { kind: 'dispense', quantity: 1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(15);
    for (const m of managers) await testContext().smtp.waitFor(m.email, (e) => e.text.includes(name));
    await drainJobs();
    for (const m of managers) {
      expect(emailsAbout(m.email, name), m.email).to.have.length(1);
      expect(await notificationsAbout(m.id, item.id)).to.equal(1);
    }
    expect(emailsAbout(plainAdmin.email, name)).to.have.length(0);
    const mail = emailsAbout(managers[0].email, name)[0];
    expect(mail.subject).to.match(/Low stock/);
    // The job reports the stock when it runs (some dispenses may still have been in flight).
    expect(mail.text).to.match(/: [5-9] bags in stock \(reorder level 10 bags\)/);

    // Still below: no new alert. Refilled to the level re-arms; the next drop below alerts again.
    await bookMovement(nurse, item.id, { kind: 'dispense', quantity: 1 });
    await bookMovement(manager, item.id, { kind: 'receive', quantity: 6, lot: 'L1' });
    await bookMovement(nurse, item.id, { kind: 'dispense', quantity: 1 });
    await drainJobs();
    for (const m of managers)
      await testContext().smtp.waitFor(m.email, () => emailsAbout(m.email, name).length === 2);
    await drainJobs();
    for (const m of managers) {
      expect(emailsAbout(m.email, name)).to.have.length(2);
      expect(await notificationsAbout(m.id, item.id)).to.equal(2);
    }
    const row = await testContext().knex('inventoryItems').where({ id: item.id }).first('lowStockCrossings');
    expect(row.lowStockCrossings).to.equal(2);
  });

  it('the expiry check run twice sends one email per manager and books one expire movement per expired lot', async () => {
    const name = uniqueName('Vaccine');
    const item = await createItem(manager, { name, unit: 'vials' });
    await bookMovement(manager, item.id, {
      kind: 'receive',
      quantity: 4,
      lot: 'PAST',
      expiresOn: plusDays(-2),
    });
    await bookMovement(manager, item.id, {
      kind: 'receive',
      quantity: 5,
      lot: 'SOON',
      expiresOn: plusDays(10),
    });
    await bookMovement(manager, item.id, {
      kind: 'receive',
      quantity: 6,
      lot: 'LATER',
      expiresOn: plusDays(200),
    });

    const [first, second] = await Promise.all([checkInventoryExpiry(), checkInventoryExpiry()]);
    const third = await checkInventoryExpiry();
    expect(third).to.deep.equal({ announced: 0, expired: 0 });
    expect(first.expired + second.expired).to.be.greaterThanOrEqual(1);

    for (const m of managers) await testContext().smtp.waitFor(m.email, (e) => e.text.includes(name));
    await drainJobs();
    for (const m of managers) {
      const mails = emailsAbout(m.email, name);
      expect(mails, m.email).to.have.length(1);
      expect(mails[0].subject).to.match(/Expiry alert/);
      expect(mails[0].text).to.contain(`${name} (lot PAST): expires on ${plusDays(-2)}`);
      expect(mails[0].text).to.contain(`${name} (lot SOON): expires on ${plusDays(10)}`);
      expect(mails[0].text).not.to.contain('lot LATER');
    }
    const expires = await testContext().knex('inventoryMovements').where({ itemId: item.id, kind: 'expire' });
    expect(expires).to.have.length(1);
    expect(expires[0].quantity).to.equal(-4);
    expect(expires[0].actorId).to.equal(null);
    const stock = await testContext().knex('inventoryItems').where({ id: item.id }).first('quantity');
    expect(stock.quantity).to.equal(11);
    expect(await jobsFor('send_expiry_alert:')).to.deep.equal([]);
  });
});

describe('INVENTORY_EXPIRY_ALERT_DAYS', () => {
  it('defaults to 30 days and refuses values outside 1..365, naming the variable', () => {
    expect(loadConfig({}).inventoryExpiryAlertDays).to.equal(30);
    expect(loadConfig({ INVENTORY_EXPIRY_ALERT_DAYS: '7' }).inventoryExpiryAlertDays).to.equal(7);
    for (const bad of ['0', '366', 'soon']) {
      expect(() => loadConfig({ INVENTORY_EXPIRY_ALERT_DAYS: bad })).to.throw(
        ConfigError,
        /INVENTORY_EXPIRY_ALERT_DAYS/,
      );
    }
  });
});
