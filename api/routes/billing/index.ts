import { createInvoice } from '../../../domain/billing/create-invoice.js';
import { issueInvoice } from '../../../domain/billing/issue-invoice.js';
import { openInvoicePdf } from '../../../domain/billing/open-invoice-pdf.js';
import { getInvoice, listInvoices, listPatientInvoices } from '../../../domain/billing/read-invoices.js';
import { recordInvoicePayment } from '../../../domain/billing/record-payment.js';
import {
  CreateInvoiceInput,
  RecordPaymentInput,
  UpdateInvoiceInput,
} from '../../../domain/billing/schemas.js';
import { updateInvoice } from '../../../domain/billing/update-invoice.js';
import { voidInvoice } from '../../../domain/billing/void-invoice.js';
import {
  duplicate,
  errorSpec,
  invalidTransition,
  notFound,
  storageUnavailable,
} from '../../../lib/errors.js';
import { IdParams } from '../../../lib/schema.js';
import { contentDisposition } from '../../../lib/storage.js';
import { defineRoutes, route } from '../../route.js';
import { presentInvoice } from './present.js';
import { Invoice, InvoiceList, ListInvoicesQuery, PatientInvoicesQuery } from './schemas.js';

const tags = ['billing'];
/** Who writes invoices: admins (incl. the billing-manager sub-role) and staff (BILLING_POLICY in domain/access/policy.ts). */
const writers = ['billing-manager', 'staff', 'admin'] as const;
/** Who reads them: writers, patients (their own) and doctors (invoices of their appointments). */
const readers = ['billing-manager', 'staff', 'admin', 'patient', 'doctor'] as const;

const notDraft = errorSpec(
  409,
  'invoice_not_draft',
  'The invoice is issued, paid or void; only drafts change',
);
const empty = errorSpec(409, 'invoice_empty', 'An invoice needs at least one line to be issued');
const pdfPending = errorSpec(409, 'pdf_pending', 'The PDF is not rendered yet (pdfStatus pending or none)');
const pdfFailed = errorSpec(409, 'pdf_failed', 'Rendering the PDF failed for good (pdfStatus failed)');

export const billingRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/invoices',
    operationId: 'createInvoice',
    summary: 'Create a draft invoice; the server computes the totals',
    description:
      'Totals are integer minor units; tax is rounded per line, half-up (away from zero). ' +
      'With `appointmentId`, the appointment must be the patient’s and may have one live invoice.',
    tags,
    access: writers,
    status: 201,
    body: CreateInvoiceInput,
    response: Invoice,
    errors: [notFound('patient'), notFound('appointment'), duplicate('live invoice for the appointment')],
    handler: async ({ state }) => presentInvoice(await createInvoice(state.actor, state.body)),
  }),
  route({
    method: 'GET',
    path: '/invoices',
    operationId: 'listInvoices',
    summary: 'Invoices the caller may read, newest first (filters: status, patientId)',
    tags,
    access: readers,
    query: ListInvoicesQuery,
    response: InvoiceList,
    handler: async ({ state }) => {
      const page = await listInvoices(state.actor, { ...state.query, limit: state.query.limit ?? 20 });
      return { items: page.items.map(presentInvoice), nextCursor: page.nextCursor };
    },
  }),
  route({
    method: 'GET',
    path: '/invoices/:id',
    operationId: 'getInvoice',
    summary: 'One invoice with its lines and payments',
    tags,
    access: readers,
    params: IdParams,
    response: Invoice,
    handler: async ({ state }) => presentInvoice(await getInvoice(state.actor, state.params.id)),
  }),
  route({
    method: 'PATCH',
    path: '/invoices/:id',
    operationId: 'updateInvoice',
    summary: "Change a draft's lines, currency, due date or notes",
    tags,
    access: writers,
    params: IdParams,
    body: UpdateInvoiceInput,
    response: Invoice,
    errors: [notDraft],
    handler: async ({ state }) =>
      presentInvoice(await updateInvoice(state.actor, state.params.id, state.body)),
  }),
  route({
    method: 'POST',
    path: '/invoices/:id/issue',
    operationId: 'issueInvoice',
    summary: 'Issue a draft: the next gap-free number of the year, totals fixed, PDF queued',
    tags,
    access: writers,
    params: IdParams,
    response: Invoice,
    errors: [invalidTransition('invoice'), empty],
    handler: async ({ state }) => presentInvoice(await issueInvoice(state.actor, state.params.id)),
  }),
  route({
    method: 'POST',
    path: '/invoices/:id/void',
    operationId: 'voidInvoice',
    summary: 'Void an issued invoice with nothing paid on it (it keeps its number)',
    tags,
    access: writers,
    params: IdParams,
    response: Invoice,
    errors: [invalidTransition('invoice')],
    handler: async ({ state }) => presentInvoice(await voidInvoice(state.actor, state.params.id)),
  }),
  route({
    method: 'POST',
    path: '/invoices/:id/payments',
    operationId: 'recordInvoicePayment',
    summary: 'Record money taken at the desk; the invoice is paid when paidCents ≥ totalCents',
    description: 'When the invoice becomes paid, the patient is emailed a receipt with the PDF attached.',
    tags,
    access: writers,
    status: 201,
    params: IdParams,
    body: RecordPaymentInput,
    response: Invoice,
    errors: [invalidTransition('invoice')],
    handler: async ({ state }) =>
      presentInvoice(await recordInvoicePayment(state.actor, state.params.id, state.body)),
  }),
  route({
    method: 'GET',
    path: '/invoices/:id/pdf',
    operationId: 'getInvoicePdf',
    summary: "Download the invoice's PDF once the render job has made it",
    tags,
    access: readers,
    params: IdParams,
    responseContentType: 'application/pdf',
    errors: [pdfPending, pdfFailed, storageUnavailable],
    handler: async (ctx) => {
      const pdf = await openInvoicePdf(ctx.state.actor, ctx.state.params.id);
      ctx.status = 200;
      ctx.set('Content-Type', 'application/pdf');
      ctx.set('Content-Disposition', contentDisposition(pdf.filename));
      ctx.set('Cache-Control', 'private, no-store');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.body = pdf.body;
      return undefined;
    },
  }),
  route({
    method: 'GET',
    path: '/patients/:id/invoices',
    operationId: 'listPatientInvoices',
    summary: "A patient's invoices, newest first",
    tags,
    access: readers,
    params: IdParams,
    query: PatientInvoicesQuery,
    response: InvoiceList,
    errors: [notFound('patient')],
    handler: async ({ state }) => {
      const page = await listPatientInvoices(state.actor, state.params.id, {
        ...state.query,
        limit: state.query.limit ?? 20,
      });
      return { items: page.items.map(presentInvoice), nextCursor: page.nextCursor };
    },
  }),
]);
