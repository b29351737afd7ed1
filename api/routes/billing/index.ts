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
import { contentDisposition } from '../../../lib/storage.js';
import { defineRoutes } from '../../route.js';
import { idParams } from '../../schemas.js';
import { presentInvoice } from './present.js';
import { Invoice, InvoiceList, ListInvoicesQuery, PatientInvoicesQuery } from './schemas.js';

const tags = ['billing'];
/** Who writes invoices: admins (incl. the billing-manager sub-role) and staff (domain/access/policy.ts BILLING_POLICY). */
const writers = ['billing-manager', 'staff', 'admin'] as const;
/** Who reads them: writers, patients (their own) and doctors (of their appointments). */
const readers = ['billing-manager', 'staff', 'admin', 'patient', 'doctor'] as const;
const id = (params: Record<string, unknown>) => params.id as string;

export const billingRoutes = defineRoutes([
  {
    method: 'POST',
    path: '/invoices',
    operationId: 'createInvoice',
    summary: 'Create a draft invoice; the server computes totals (tax per line, half-up)',
    tags,
    access: writers,
    status: 201,
    body: CreateInvoiceInput,
    response: Invoice,
    handler: async (ctx) =>
      presentInvoice(await createInvoice(ctx.state.actor!, ctx.state.body as CreateInvoiceInput)),
  },
  {
    method: 'GET',
    path: '/invoices',
    operationId: 'listInvoices',
    summary: 'Invoices the caller may read, newest first (filters: status, patientId)',
    tags,
    access: readers,
    query: ListInvoicesQuery,
    response: InvoiceList,
    handler: async (ctx) => {
      const page = await listInvoices(ctx.state.actor!, ctx.state.query as unknown as ListInvoicesQuery);
      return { items: page.items.map(presentInvoice), nextCursor: page.nextCursor };
    },
  },
  {
    method: 'GET',
    path: '/invoices/:id',
    operationId: 'getInvoice',
    summary: 'One invoice with its lines and payments',
    tags,
    access: readers,
    params: idParams,
    response: Invoice,
    handler: async (ctx) => presentInvoice(await getInvoice(ctx.state.actor!, id(ctx.state.params))),
  },
  {
    method: 'PATCH',
    path: '/invoices/:id',
    operationId: 'updateInvoice',
    summary: "Change a draft's lines, currency, due date or notes (409 invoice_not_draft after issue)",
    tags,
    access: writers,
    params: idParams,
    body: UpdateInvoiceInput,
    response: Invoice,
    handler: async (ctx) =>
      presentInvoice(
        await updateInvoice(ctx.state.actor!, id(ctx.state.params), ctx.state.body as UpdateInvoiceInput),
      ),
  },
  {
    method: 'POST',
    path: '/invoices/:id/issue',
    operationId: 'issueInvoice',
    summary: 'Issue a draft: next gap-free number of the year, totals fixed, PDF queued',
    tags,
    access: writers,
    params: idParams,
    response: Invoice,
    handler: async (ctx) => presentInvoice(await issueInvoice(ctx.state.actor!, id(ctx.state.params))),
  },
  {
    method: 'POST',
    path: '/invoices/:id/void',
    operationId: 'voidInvoice',
    summary: 'Void an issued invoice with nothing paid on it (it keeps its number)',
    tags,
    access: writers,
    params: idParams,
    response: Invoice,
    handler: async (ctx) => presentInvoice(await voidInvoice(ctx.state.actor!, id(ctx.state.params))),
  },
  {
    method: 'POST',
    path: '/invoices/:id/payments',
    operationId: 'recordInvoicePayment',
    summary: 'Record money taken at the desk; paid when paidCents ≥ totalCents (receipt emailed)',
    tags,
    access: writers,
    status: 201,
    params: idParams,
    body: RecordPaymentInput,
    response: Invoice,
    handler: async (ctx) =>
      presentInvoice(
        await recordInvoicePayment(
          ctx.state.actor!,
          id(ctx.state.params),
          ctx.state.body as RecordPaymentInput,
        ),
      ),
  },
  {
    method: 'GET',
    path: '/invoices/:id/pdf',
    operationId: 'getInvoicePdf',
    summary: "Download the invoice's PDF (409 pdf_pending until the render job has made it)",
    tags,
    access: readers,
    params: idParams,
    responseContentType: 'application/pdf',
    handler: async (ctx) => {
      const pdf = await openInvoicePdf(ctx.state.actor!, id(ctx.state.params));
      ctx.status = 200;
      ctx.set('Content-Type', 'application/pdf');
      ctx.set('Content-Disposition', contentDisposition(pdf.filename));
      ctx.set('Cache-Control', 'private, no-store');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.body = pdf.body;
    },
  },
  {
    method: 'GET',
    path: '/patients/:id/invoices',
    operationId: 'listPatientInvoices',
    summary: "A patient's invoices, newest first",
    tags,
    access: readers,
    params: idParams,
    query: PatientInvoicesQuery,
    response: InvoiceList,
    handler: async (ctx) => {
      const page = await listPatientInvoices(
        ctx.state.actor!,
        id(ctx.state.params),
        ctx.state.query as unknown as ListInvoicesQuery,
      );
      return { items: page.items.map(presentInvoice), nextCursor: page.nextCursor };
    },
  },
]);
