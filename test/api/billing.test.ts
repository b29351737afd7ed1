import { expect } from 'chai';
import { createRequire } from 'node:module';
import path from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { sendInvoiceReceipt } from '../../domain/billing/send-invoice-receipt.js';
import {
  buildAccessWorld,
  insertAppointment,
  runMatrixCase,
  statuses,
  type AccessWorld,
  type MatrixCase,
} from '../helpers/access-matrix.js';
import { testContext } from '../helpers/context.js';
import { deliverWebhook, useFakeStripe } from '../helpers/fake-stripe.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';
import { drainJobs } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

const fontsDir =
  path.join(
    path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')),
    'standard_fonts',
  ) + path.sep;

/** The text of every page of a PDF, parsed back with pdfjs-dist. */
async function pdfText(data: Buffer): Promise<{ pages: number; text: string }> {
  const doc = await getDocument({
    data: new Uint8Array(data),
    isEvalSupported: false,
    standardFontDataUrl: fontsDir,
    verbosity: 0,
  }).promise;
  let text = '';
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    text += content.items.map((it) => ('str' in it ? it.str : '')).join(' ') + '\n';
  }
  const pages = doc.numPages;
  await doc.destroy();
  return { pages, text };
}

const line = (unitCents = 5000, taxPercent?: number) => ({
  description: 'Consultation',
  quantity: 1,
  unitCents,
  ...(taxPercent !== undefined ? { taxPercent } : {}),
});

async function downloadPdf(token: string, id: string) {
  const res = await fetch(`${testContext().baseUrl}/api/v1/invoices/${id}/pdf`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

const invoiceRow = (id: string) => testContext().knex('invoices').where({ id }).first();
const pdfReady = (id: string, version?: number) =>
  waitUntil(
    async () => {
      const r = await invoiceRow(id);
      return r.pdfStatus === 'ready' && (version === undefined || r.pdfVersion >= version) ? r : undefined;
    },
    20_000,
    `invoice ${id} pdf`,
  );

describe('billing (invoices)', function () {
  this.timeout(60_000);
  let staff: TestUser;
  let billing: TestUser;
  let patient: TestUser;

  before(async () => {
    staff = await createUser('staff');
    billing = await createUser('admin', { adminRoles: ['billing-manager'] });
    patient = await createUser('patient', { name: 'Erika Mustermann' });
  });

  it('creates a draft (201) with server-side totals, edits it, issues it (number, PDF) and takes payment', async () => {
    const created = await api.as(billing.token).post('/invoices', {
      patientId: patient.patientId,
      currency: 'eur',
      lines: [line(5000, 19), { description: 'Blood panel', quantity: 3, unitCents: 1250, taxPercent: 7 }],
      dueDate: '2026-12-31',
      notes: 'Thank you',
    });
    expect(created.status, created.text).to.equal(201);
    // 5000 + 950 tax; 3 × 1250 = 3750 + 262.5 → 263 tax.
    expect(created.body).to.include({
      status: 'draft',
      number: null,
      subtotalCents: 8750,
      taxCents: 1213,
      totalCents: 9963,
      paidCents: 0,
      pdfStatus: 'none',
      currency: 'eur',
      dueDate: '2026-12-31',
    });
    expect(created.body.lines[1]).to.deep.equal({
      description: 'Blood panel',
      quantity: 3,
      unitCents: 1250,
      taxPercent: 7,
      netCents: 3750,
      taxCents: 263,
    });
    const id = created.body.id as string;
    expect(errorOf(await api.as(staff.token).get(`/invoices/${id}/pdf`)).code).to.equal('pdf_pending');

    const patched = await api.as(staff.token).patch(`/invoices/${id}`, { lines: [line(10000, 19)] });
    expect(patched.status).to.equal(200);
    expect(patched.body.totalCents).to.equal(11900);

    const issued = await api.as(staff.token).post(`/invoices/${id}/issue`);
    expect(issued.status).to.equal(200);
    expect(issued.body.number).to.match(/^INV-\d{4}-\d{6}$/);
    expect(issued.body).to.include({ status: 'issued', pdfStatus: 'pending' });
    const late = await api.as(staff.token).patch(`/invoices/${id}`, { notes: 'changed' });
    expect([late.status, errorOf(late).code]).to.deep.equal([409, 'invoice_not_draft']);

    await pdfReady(id);
    const { res, body } = await downloadPdf(patient.token, id);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/pdf');
    expect(body.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    const { pages, text } = await pdfText(body);
    expect(pages).to.equal(1);
    expect(text).to.include(issued.body.number);
    expect(text).to.include('Erika Mustermann');
    expect(text).to.include('€119.00');

    const part = await api
      .as(staff.token)
      .post(`/invoices/${id}/payments`, { amountCents: 5000, method: 'cash' });
    expect(part.status).to.equal(201);
    expect(part.body).to.include({ status: 'issued', paidCents: 5000 });
    const bad = await api
      .as(staff.token)
      .post(`/invoices/${id}/payments`, { amountCents: 0, method: 'cash' });
    expect(bad.status).to.equal(400);
    const wrong = await api
      .as(staff.token)
      .post(`/invoices/${id}/payments`, { amountCents: 10, method: 'bitcoin' });
    expect(wrong.status).to.equal(400);
    const rest = await api
      .as(staff.token)
      .post(`/invoices/${id}/payments`, { amountCents: 6900, method: 'card', reference: 'TERM-77' });
    expect(rest.body).to.include({ status: 'paid', paidCents: 11900 });

    // The receipt: one email with the re-rendered PDF (now a receipt) attached.
    const mail = await testContext().smtp.waitFor(
      patient.email,
      (m) => m.subject.includes(issued.body.number),
      20_000,
    );
    expect(mail.attachments).to.have.length(1);
    const att = mail.attachments[0];
    expect(att.contentType).to.equal('application/pdf');
    expect(att.filename).to.equal(`${issued.body.number}.pdf`);
    const receipt = await pdfText(att.content);
    expect(receipt.text).to.include(issued.body.number).and.include('Receipt').and.include('PAID');
    await drainJobs();
    // Never twice: re-running the receipt job sends nothing more.
    expect(await sendInvoiceReceipt(id)).to.equal('already_sent');
    expect(
      testContext()
        .smtp.to(patient.email)
        .filter((m) => m.subject.includes(issued.body.number)),
    ).to.have.length(1);
  });

  it('answers 409 for every illegal transition, and 404 for unknown ids', async () => {
    const created = await api
      .as(staff.token)
      .post('/invoices', { patientId: patient.patientId, lines: [line(100)] });
    const id = created.body.id as string;
    const conflict = async (p: Promise<{ status: number }>) => expect((await p).status).to.equal(409);
    await conflict(api.as(staff.token).post(`/invoices/${id}/void`));
    await conflict(
      api.as(staff.token).post(`/invoices/${id}/payments`, { amountCents: 100, method: 'cash' }),
    );
    await api.as(staff.token).post(`/invoices/${id}/issue`);
    await conflict(api.as(staff.token).post(`/invoices/${id}/issue`));
    const voided = await api.as(staff.token).post(`/invoices/${id}/void`);
    expect(voided.body.status).to.equal('void');
    expect(voided.body.number).to.match(/^INV-/);
    await conflict(api.as(staff.token).post(`/invoices/${id}/void`));
    await conflict(api.as(staff.token).post(`/invoices/${id}/issue`));
    await conflict(
      api.as(staff.token).post(`/invoices/${id}/payments`, { amountCents: 100, method: 'cash' }),
    );
    await conflict(api.as(staff.token).patch(`/invoices/${id}`, { notes: 'x' }));
    expect((await api.as(staff.token).get('/invoices/00000000-0000-4000-8000-000000000000')).status).to.equal(
      404,
    );
    const mass = await api.as(staff.token).post('/invoices', {
      patientId: patient.patientId,
      lines: [line(100)],
      status: 'paid',
    });
    expect(mass.status).to.equal(400);
    const noLines = await api.as(staff.token).post('/invoices', { patientId: patient.patientId, lines: [] });
    expect(noLines.status).to.equal(400);
  });

  it('issues 20 drafts concurrently over HTTP with 20 distinct consecutive numbers', async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const r = await api
          .as(staff.token)
          .post('/invoices', { patientId: patient.patientId, lines: [line(100)] });
        return r.body.id as string;
      }),
    );
    const issued = await Promise.all(ids.map((id) => api.as(staff.token).post(`/invoices/${id}/issue`)));
    expect(issued.map((r) => r.status)).to.deep.equal(Array(20).fill(200));
    const seqs = issued.map((r) => Number((r.body.number as string).slice(-6))).sort((a, b) => a - b);
    expect(new Set(seqs).size).to.equal(20);
    expect(seqs[19] - seqs[0]).to.equal(19);

    // Cursor pages of the patient's invoices: each exactly once, newest first.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await api
        .as(patient.token)
        .get(`/patients/${patient.patientId}/invoices?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).to.equal(200);
      seen.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = await testContext()
      .knex('invoices')
      .where({ patientId: patient.patientId })
      .count<{ n: string }[]>('* as n');
    expect(new Set(seen).size).to.equal(seen.length);
    expect(seen.length).to.equal(Number(all[0].n));
    expect((await api.as(patient.token).get('/invoices?cursor=bogus')).status).to.equal(400);
  });

  describe('access matrix', () => {
    let w: AccessWorld;
    let invoiceId: string;
    let apptInvoiceId: string;

    before(async () => {
      w = await buildAccessWorld();
      const a = await api.as(staff.token).post('/invoices', { patientId: w.patientId, lines: [line(100)] });
      invoiceId = a.body.id;
      const appt = await insertAppointment(w.users.apptDoctor.id, w.patientId);
      const b = await api
        .as(staff.token)
        .post('/invoices', { patientId: w.patientId, appointmentId: appt, lines: [line(200)] });
      expect(b.status, b.text).to.equal(201);
      apptInvoiceId = b.body.id;
    });

    const check = (c: () => MatrixCase) => async () => expect(await runMatrixCase(w, c())).to.deep.equal([]);
    const writers = statuses(403, { staff: 201, admin: 201, superAdmin: 201 });
    // Read: the patient their own; doctors of the invoice's appointment; staff and admins all; nurses none.
    const readAppt = statuses(200, { otherPatient: 404, mappedDoctor: 404, unmappedDoctor: 404, nurse: 403 });
    const readPlain = statuses(200, {
      otherPatient: 404,
      mappedDoctor: 404,
      unmappedDoctor: 404,
      apptDoctor: 404,
      nurse: 403,
    });
    const fresh = async () =>
      (await api.as(staff.token).post('/invoices', { patientId: w.patientId, lines: [line(100)] })).body
        .id as string;

    it(
      'POST /invoices',
      check(() => ({
        route: 'POST /invoices',
        expect: writers,
        call: (t) => api.as(t).post('/invoices', { patientId: w.patientId, lines: [line(100)] }),
      })),
    );
    it(
      'GET /invoices/:id (no appointment)',
      check(() => ({
        route: 'GET /invoices/:id',
        expect: readPlain,
        call: (t) => api.as(t).get(`/invoices/${invoiceId}`),
      })),
    );
    it(
      "GET /invoices/:id (the appointment's doctor too)",
      check(() => ({
        route: 'GET /invoices/:id (appointment)',
        expect: readAppt,
        call: (t) => api.as(t).get(`/invoices/${apptInvoiceId}`),
      })),
    );
    it(
      'GET /invoices (scoped lists)',
      check(() => ({
        route: 'GET /invoices',
        expect: statuses(200, { nurse: 403 }),
        call: async (t, s) => {
          const res = await api.as(t).get('/invoices?limit=100');
          if (res.status !== 200) return res;
          const ids = (res.body.items as { id: string }[]).map((i) => i.id);
          const sees = ['own', 'staff', 'admin', 'superAdmin'].includes(s)
            ? ids.includes(invoiceId) && ids.includes(apptInvoiceId)
            : s === 'apptDoctor'
              ? !ids.includes(invoiceId) && ids.includes(apptInvoiceId)
              : !ids.includes(invoiceId) && !ids.includes(apptInvoiceId);
          return sees ? res : { ...res, status: 599, text: `wrong items ${ids.length}` };
        },
      })),
    );
    it(
      'GET /patients/:id/invoices',
      check(() => ({
        route: 'GET /patients/:id/invoices',
        expect: statuses(200, { otherPatient: 404, unmappedDoctor: 404, nurse: 403 }),
        call: (t) => api.as(t).get(`/patients/${w.patientId}/invoices`),
      })),
    );
    it(
      'PATCH /invoices/:id',
      check(() => ({
        route: 'PATCH /invoices/:id',
        expect: statuses(403, { staff: 200, admin: 200, superAdmin: 200 }),
        call: async (t) => api.as(t).patch(`/invoices/${await fresh()}`, { notes: 'n' }),
      })),
    );
    it(
      'POST /invoices/:id/issue',
      check(() => ({
        route: 'POST /invoices/:id/issue',
        expect: statuses(403, { staff: 200, admin: 200, superAdmin: 200 }),
        call: async (t) => api.as(t).post(`/invoices/${await fresh()}/issue`),
      })),
    );
    it(
      'POST /invoices/:id/void',
      check(() => ({
        route: 'POST /invoices/:id/void',
        expect: statuses(403, { staff: 200, admin: 200, superAdmin: 200 }),
        call: async (t) => {
          const id = await fresh();
          await api.as(staff.token).post(`/invoices/${id}/issue`);
          return api.as(t).post(`/invoices/${id}/void`);
        },
      })),
    );
    it(
      'POST /invoices/:id/payments',
      check(() => ({
        route: 'POST /invoices/:id/payments',
        expect: writers,
        call: async (t) => {
          const id = await fresh();
          await api.as(staff.token).post(`/invoices/${id}/issue`);
          return api.as(t).post(`/invoices/${id}/payments`, { amountCents: 50, method: 'cash' });
        },
      })),
    );
    it(
      'GET /invoices/:id/pdf',
      check(() => ({
        route: 'GET /invoices/:id/pdf',
        expect: statuses(409, {
          otherPatient: 404,
          mappedDoctor: 404,
          unmappedDoctor: 404,
          apptDoctor: 404,
          nurse: 403,
        }),
        call: (t) => api.as(t).get(`/invoices/${invoiceId}/pdf`),
      })),
    );
    it('lets a billing-manager admin write, like any admin (201)', async () => {
      const res = await api
        .as(billing.token)
        .post('/invoices', { patientId: w.patientId, lines: [line(100)] });
      expect(res.status).to.equal(201);
    });
  });

  describe('Stripe', () => {
    const fake = useFakeStripe();

    async function deliverAndProcess(event: Record<string, unknown>) {
      const res = await deliverWebhook(event);
      expect(res.status, res.text).to.equal(200);
      await waitUntil(
        async () => (await testContext().knex('stripeEvents').where({ id: event.id }).first())?.processedAt,
        15_000,
        'event processed',
      );
    }

    it('settles the appointment invoice by itself when Checkout is paid, shows a refund, and mails one receipt', async () => {
      const doctor = await createUser('doctor', {
        name: 'Dr. Ada',
        doctor: { feeCents: 6000, currency: 'usd' },
      });
      const payer = await createUser('patient');
      const startsAt = new Date(Date.now() + 96 * 3_600_000);
      const [appt] = await testContext()
        .knex('appointments')
        .insert({
          doctorId: doctor.id,
          patientId: payer.patientId,
          startsAt,
          endsAt: new Date(startsAt.getTime() + 1_800_000),
          status: 'pending',
          feeCents: 6000,
          currency: 'usd',
          refundPolicy: JSON.stringify({ fullRefundHours: 24, latePercent: 50, noShowPercent: 0 }),
        })
        .returning('id');
      const co = await api.as(payer.token).post(`/appointments/${appt.id}/checkout`);
      expect(co.status, co.text).to.equal(200);
      const session = fake.pay(co.body.sessionId);
      await deliverAndProcess(fake.event('checkout.session.completed', session));
      await drainJobs();

      const list = await api.as(payer.token).get(`/patients/${payer.patientId}/invoices`);
      expect(list.body.items).to.have.length(1);
      const inv = list.body.items[0];
      expect(inv).to.include({
        status: 'paid',
        appointmentId: appt.id,
        totalCents: 6000,
        paidCents: 6000,
        currency: 'usd',
      });
      expect(inv.payments.map((p: { method: string; kind: string }) => [p.kind, p.method])).to.deep.equal([
        ['payment', 'stripe'],
      ]);
      const mail = await testContext().smtp.waitFor(
        payer.email,
        (m) => m.subject.includes(inv.number),
        20_000,
      );
      expect(mail.attachments[0].contentType).to.equal('application/pdf');

      // Replaying the event changes nothing.
      await deliverAndProcess(fake.event('checkout.session.completed', session));
      const again = await api.as(payer.token).get(`/invoices/${inv.id}`);
      expect(again.body.payments).to.have.length(1);

      // A Dashboard refund of 2000 shows on the invoice (paidCents reduced, refund entry).
      const refund = fake.dashboardRefund(session.payment_intent, 2000);
      await deliverAndProcess(fake.event('refund.created', refund));
      await drainJobs();
      const refunded = await api.as(payer.token).get(`/invoices/${inv.id}`);
      expect(refunded.body).to.include({ status: 'paid', paidCents: 4000, refundedCents: 2000 });
      expect(
        refunded.body.payments.map((p: { kind: string; amountCents: number }) => [p.kind, p.amountCents]),
      ).to.deep.equal([
        ['payment', 6000],
        ['refund', 2000],
      ]);
      const row = await pdfReady(inv.id);
      const { body } = await downloadPdf(payer.token, inv.id);
      expect((await pdfText(body)).text).to.include('Refunded');
      expect(row.pdfStatus).to.equal('ready');
      expect(
        testContext()
          .smtp.to(payer.email)
          .filter((m) => m.subject.includes(inv.number)),
      ).to.have.length(1);
    });
  });
});
