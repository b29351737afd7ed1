import type { Readable } from 'node:stream';
import { db } from '../../db/knex.js';
import { ConflictError } from '../../lib/errors.js';
import { storage, StorageNotFoundError } from '../../lib/storage.js';
import { loadInvoiceFor } from './invoice.js';
import type { Actor } from '../auth/actor.js';

/**
 * Opens an invoice's PDF for someone who may read the invoice. 409 `pdf_pending` until the render
 * job has stored it (also while a newer version renders after a payment), `pdf_failed` when the
 * render gave up.
 */
export async function openInvoicePdf(
  actor: Actor,
  invoiceId: string,
): Promise<{ body: Readable; filename: string }> {
  const invoice = await loadInvoiceFor(db(), actor, invoiceId, 'read');
  if (invoice.pdfStatus === 'failed')
    throw new ConflictError('pdf_failed', 'The PDF could not be produced; an operator can retry its job.');
  if (invoice.pdfStatus !== 'ready' || !invoice.pdfKey)
    throw new ConflictError('pdf_pending', 'The PDF is not ready yet; try again shortly.');
  try {
    return { body: await storage().get(invoice.pdfKey), filename: `${invoice.number ?? invoice.id}.pdf` };
  } catch (err) {
    if (err instanceof StorageNotFoundError)
      throw new ConflictError('pdf_pending', 'The PDF is not ready yet; try again shortly.');
    throw err;
  }
}
