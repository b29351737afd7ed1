import { withTransaction } from '../../db/transaction.js';
import { NotFoundError } from '../../lib/errors.js';
import { loadPatientFor } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { invoiceView, loadInvoiceFor, type InvoiceRow, type InvoiceView } from './invoice.js';
import { replaceLines } from './lines.js';
import type { CreateInvoiceInput } from './schemas.js';

/**
 * Creates a draft invoice for a patient (optionally for one of the patient's appointments); the
 * server computes every total from the lines. 404 when the patient or the appointment (of that
 * patient) does not exist.
 */
export async function createInvoice(actor: Actor, input: CreateInvoiceInput): Promise<InvoiceView> {
  await loadPatientFor(actor, input.patientId, 'demographics', 'read');
  return withTransaction(async (trx) => {
    let currency = input.currency?.toLowerCase();
    if (input.appointmentId) {
      const appt = await trx('appointments')
        .where({ id: input.appointmentId, patientId: input.patientId })
        .first('id', 'currency');
      if (!appt) throw new NotFoundError('appointment');
      currency ??= appt.currency as string;
    }
    const [row] = (await trx('invoices')
      .insert({
        patientId: input.patientId,
        appointmentId: input.appointmentId ?? null,
        currency: currency ?? 'usd',
        dueDate: input.dueDate ?? null,
        notes: input.notes ?? null,
        createdBy: actor.userId,
      })
      .returning('*')) as InvoiceRow[];
    await replaceLines(trx, row.id, input.lines);
    return invoiceView(trx, await loadInvoiceFor(trx, actor, row.id, 'write'));
  });
}
