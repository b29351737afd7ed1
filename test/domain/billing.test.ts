import { expect } from 'chai';
import type { Actor } from '../../domain/auth/actor.js';
import { createInvoice } from '../../domain/billing/create-invoice.js';
import { formatMoney } from '../../domain/billing/invoice-document.js';
import { formatInvoiceNumber } from '../../domain/billing/invoice.js';
import { issueInvoice, nextInvoiceSeq } from '../../domain/billing/issue-invoice.js';
import { recordInvoicePayment } from '../../domain/billing/record-payment.js';
import { computeLine, computeTotals, divRoundHalfUp } from '../../domain/billing/totals.js';
import { updateInvoice } from '../../domain/billing/update-invoice.js';
import { voidInvoice } from '../../domain/billing/void-invoice.js';
import { AppError } from '../../lib/errors.js';
import { testContext } from '../helpers/context.js';
import { createUser, createWalkInPatient } from '../helpers/factories.js';

const staffActor = async (): Promise<Actor> => {
  const u = await createUser('staff');
  return { userId: u.id, role: 'staff', adminRoles: [] };
};

async function rejects(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the operation to fail');
}

describe('billing domain', () => {
  describe('totals and tax rounding (per line, half-up away from zero)', () => {
    it('rounds .5 up and below .5 down, per line', () => {
      // 1 × 150 at 19 %: 28.5 → 29; 1 × 149 at 19 %: 28.31 → 28; 1 × 50 at 7 %: 3.5 → 4.
      expect(
        computeLine({ description: 'a', quantity: 1, unitCents: 150, taxPercent: 19 }).lineTaxCents,
      ).to.equal(29);
      expect(
        computeLine({ description: 'b', quantity: 1, unitCents: 149, taxPercent: 19 }).lineTaxCents,
      ).to.equal(28);
      expect(
        computeLine({ description: 'c', quantity: 1, unitCents: 50, taxPercent: 7 }).lineTaxCents,
      ).to.equal(4);
      // Banker's rounding would give 2 for 2.5; half-up gives 3.
      expect(
        computeLine({ description: 'd', quantity: 5, unitCents: 10, taxPercent: 5 }).lineTaxCents,
      ).to.equal(3);
      expect(divRoundHalfUp(-5n, 2n)).to.equal(-3n);
      expect(divRoundHalfUp(5n, 2n)).to.equal(3n);
    });

    it('sums rounded line taxes, not the tax of the sum', () => {
      // Three lines of 1.50 at 19 %: 0.285 each → 29 cents each = 87; on the sum 85.5 → 86.
      const lines = [1, 2, 3].map((i) =>
        computeLine({ description: `l${i}`, quantity: 1, unitCents: 150, taxPercent: 19 }),
      );
      expect(computeTotals(lines)).to.deep.equal({ subtotalCents: 450, taxCents: 87, totalCents: 537 });
    });

    it('handles two-decimal tax rates, zero tax and large quantities exactly', () => {
      expect(computeLine({ description: 'x', quantity: 3, unitCents: 333, taxPercent: 7.25 })).to.include({
        netCents: 999,
        lineTaxCents: 72, // 72.4275
      });
      expect(computeLine({ description: 'y', quantity: 2, unitCents: 1000 }).lineTaxCents).to.equal(0);
      expect(
        computeLine({ description: 'z', quantity: 100000, unitCents: 99_999_999, taxPercent: 19.99 }),
      ).to.include({
        netCents: 9_999_999_900_000,
        lineTaxCents: 1_998_999_980_010,
      });
    });

    it('formats amounts per locale with the currency’s own decimals', () => {
      expect(formatMoney(123450, 'usd', 'en')).to.equal('$1,234.50');
      expect(formatMoney(123450, 'eur', 'de-DE')).to.equal('1.234,50\u00a0€');
      expect(formatMoney(1235, 'jpy', 'en')).to.equal('¥1,235');
      expect(formatInvoiceNumber(2026, 42)).to.equal('INV-2026-000042');
    });
  });

  describe('state machine', () => {
    it('allows draft → issued → paid and refuses every other transition with 409', async () => {
      const actor = await staffActor();
      const patient = await createWalkInPatient();
      const draft = await createInvoice(actor, {
        patientId: patient.id,
        currency: 'eur',
        lines: [{ description: 'Consultation', quantity: 1, unitCents: 5000, taxPercent: 19 }],
      });
      expect(draft).to.include({
        status: 'draft',
        number: null,
        subtotalCents: 5000,
        taxCents: 950,
        totalCents: 5950,
      });
      // draft → void, draft → payment: illegal.
      expect((await rejects(voidInvoice(actor, draft.id))).code).to.equal('invalid_transition');
      expect(
        (await rejects(recordInvoicePayment(actor, draft.id, { amountCents: 1, method: 'cash' }))).status,
      ).to.equal(409);

      const edited = await updateInvoice(actor, draft.id, {
        lines: [
          { description: 'Consultation', quantity: 1, unitCents: 5000, taxPercent: 19 },
          { description: 'Lab', quantity: 2, unitCents: 1250 },
        ],
      });
      expect(edited.totalCents).to.equal(8450);

      const issued = await issueInvoice(actor, draft.id);
      expect(issued.status).to.equal('issued');
      expect(issued.number).to.match(/^INV-\d{4}-\d{6}$/);
      expect(issued.pdfStatus).to.equal('pending');
      // issued → issue again, issued → edit: illegal.
      expect((await rejects(issueInvoice(actor, draft.id))).code).to.equal('invalid_transition');
      const edit = await rejects(updateInvoice(actor, draft.id, { notes: 'late' }));
      expect([edit.status, edit.code]).to.deep.equal([409, 'invoice_not_draft']);

      const partial = await recordInvoicePayment(actor, draft.id, { amountCents: 4000, method: 'cash' });
      expect(partial).to.include({ status: 'issued', paidCents: 4000 });
      // money on it: no void.
      expect((await rejects(voidInvoice(actor, draft.id))).code).to.equal('invalid_transition');
      const paid = await recordInvoicePayment(actor, draft.id, {
        amountCents: 4450,
        method: 'card',
        reference: 'T-1',
      });
      expect(paid).to.include({ status: 'paid', paidCents: 8450 });
      expect(paid.payments.map((p) => p.amountCents)).to.deep.equal([4000, 4450]);
      // paid → anything: illegal.
      for (const op of [
        () => voidInvoice(actor, draft.id),
        () => issueInvoice(actor, draft.id),
        () => recordInvoicePayment(actor, draft.id, { amountCents: 1, method: 'cash' }),
        () => updateInvoice(actor, draft.id, { notes: 'x' }),
      ]) {
        expect((await rejects(op())).status).to.equal(409);
      }
    });

    it('voids an issued, unpaid invoice, which keeps its number and accepts nothing more', async () => {
      const actor = await staffActor();
      const patient = await createWalkInPatient();
      const inv = await createInvoice(actor, {
        patientId: patient.id,
        lines: [{ description: 'x', quantity: 1, unitCents: 100 }],
      });
      const issued = await issueInvoice(actor, inv.id);
      const voided = await voidInvoice(actor, inv.id);
      expect(voided).to.include({ status: 'void', number: issued.number });
      for (const op of [
        () => voidInvoice(actor, inv.id),
        () => issueInvoice(actor, inv.id),
        () => recordInvoicePayment(actor, inv.id, { amountCents: 100, method: 'cash' }),
        () => updateInvoice(actor, inv.id, { notes: 'x' }),
      ]) {
        expect((await rejects(op())).status).to.equal(409);
      }
    });
  });

  describe('numbering', () => {
    it('gives 25 concurrent issues 25 distinct, consecutive numbers; a rolled-back issue gives its number back', async () => {
      const actor = await staffActor();
      const patient = await createWalkInPatient();
      const drafts = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          createInvoice(actor, {
            patientId: patient.id,
            lines: [{ description: `n${i}`, quantity: 1, unitCents: 100 + i }],
          }),
        ),
      );
      const knex = testContext().knex;

      // A transaction that takes a number and rolls back while the others run.
      const year = new Date().getUTCFullYear();
      const rolledBack = knex
        .transaction(async (trx) => {
          await nextInvoiceSeq(trx, year);
          throw new Error('rollback');
        })
        .catch((e: Error) => e.message);

      const issued = await Promise.all(drafts.map((d) => issueInvoice(actor, d.id)));
      expect(await rolledBack).to.equal('rollback');
      const seqs = issued.map((i) => Number(i.number!.slice(-6))).sort((a, b) => a - b);
      expect(new Set(seqs).size).to.equal(25);
      expect(seqs[24] - seqs[0]).to.equal(24);

      // No gaps in the whole year: numbers 1..max are all present and the counter equals max.
      const { rows } = await knex.raw(
        `select count(*)::int as n, max(seq) as max, (select last_number from invoice_counters where year = ?) as counter
           from invoices where year = ?`,
        [year, year],
      );
      expect(rows[0].n).to.equal(rows[0].max);
      expect(rows[0].counter).to.equal(rows[0].max);
    });
  });
});
