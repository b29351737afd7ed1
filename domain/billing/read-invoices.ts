import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { ForbiddenError, ValidationError } from '../../lib/errors.js';
import { applyInvoiceScope, billingScopeFor, loadPatientFor } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import {
  invoiceView,
  loadInvoiceFor,
  type InvoiceRow,
  type InvoiceStatus,
  type InvoiceView,
} from './invoice.js';

/** One invoice the actor may read, with lines and payments (404 when missing or not theirs). */
export async function getInvoice(actor: Actor, invoiceId: string): Promise<InvoiceView> {
  const knex = db();
  return invoiceView(knex, await loadInvoiceFor(knex, actor, invoiceId, 'read'));
}

export interface ListInvoicesQuery {
  limit: number;
  cursor?: string;
  status?: InvoiceStatus;
  patientId?: string;
}

/** The invoices the actor may read, newest first (keyset on `createdAt`, `id`). */
export async function listInvoices(
  actor: Actor,
  query: ListInvoicesQuery,
): Promise<{ items: InvoiceView[]; nextCursor: string | null }> {
  if (billingScopeFor(actor, 'read') === 'none') throw new ForbiddenError();
  const knex = db();
  // The cursor carries created_at as PostgreSQL prints it: microseconds survive, unlike a JS Date.
  const qb = applyInvoiceScope(
    knex('invoices').select('invoices.*', knex.raw('invoices.created_at::text as created_at_text')),
    actor,
    'read',
  );
  if (query.status) qb.where('invoices.status', query.status);
  if (query.patientId) qb.where('invoices.patientId', query.patientId);
  const after = decodeCursor(query.cursor, 2);
  if (after) {
    const [createdAt, id] = after;
    if (
      typeof createdAt !== 'string' ||
      typeof id !== 'string' ||
      !/^\d{4}-\d{2}-\d{2} [0-9:.]+[+-]\d{2}(:\d{2})?$/.test(createdAt) ||
      !/^[0-9a-f-]{36}$/i.test(id)
    )
      throw new ValidationError('The cursor is invalid.', [
        { path: '/cursor', message: 'is not a cursor from this API' },
      ]);
    qb.whereRaw('(invoices.created_at, invoices.id) < (?::timestamptz, ?::uuid)', [createdAt, id]);
  }
  const rows = (await qb
    .orderBy([
      { column: 'invoices.createdAt', order: 'desc' },
      { column: 'invoices.id', order: 'desc' },
    ])
    .limit(query.limit + 1)) as (InvoiceRow & { createdAtText: string })[];
  const page = toPage(rows, query.limit, (r) => [r.createdAtText, r.id]);
  return {
    items: await Promise.all(page.items.map((r) => invoiceView(knex, r))),
    nextCursor: page.nextCursor,
  };
}

/** A patient's invoices (`GET /patients/:id/invoices`): 404 when the patient is not visible. */
export async function listPatientInvoices(
  actor: Actor,
  patientId: string,
  query: Omit<ListInvoicesQuery, 'patientId'>,
): Promise<{ items: InvoiceView[]; nextCursor: string | null }> {
  if (billingScopeFor(actor, 'read') === 'none') throw new ForbiddenError();
  await loadPatientFor(actor, patientId, 'demographics', 'read');
  return listInvoices(actor, { ...query, patientId });
}
