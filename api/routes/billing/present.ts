import type { InvoiceView } from '../../../domain/billing/invoice.js';
import type { Invoice } from './schemas.js';

/** An invoice as the API returns it (SPEC "Invoice"); absent optional fields are left out. */
export function presentInvoice(i: InvoiceView): Invoice {
  return {
    id: i.id,
    number: i.number,
    patientId: i.patientId,
    ...(i.appointmentId ? { appointmentId: i.appointmentId } : {}),
    status: i.status,
    currency: i.currency,
    lines: i.lines.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unitCents: l.unitCents,
      ...(l.taxPercent !== null && l.taxPercent !== undefined ? { taxPercent: l.taxPercent } : {}),
      netCents: l.netCents,
      taxCents: l.lineTaxCents,
    })),
    subtotalCents: i.subtotalCents,
    taxCents: i.taxCents,
    totalCents: i.totalCents,
    paidCents: i.paidCents,
    refundedCents: i.refundedCents,
    payments: i.payments.map((p) => ({
      id: p.id,
      kind: p.kind,
      method: p.method,
      amountCents: p.amountCents,
      ...(p.reference ? { reference: p.reference } : {}),
      createdAt: p.createdAt.toISOString(),
    })),
    ...(i.dueDate ? { dueDate: i.dueDate } : {}),
    ...(i.notes ? { notes: i.notes } : {}),
    ...(i.issuedAt ? { issuedAt: i.issuedAt.toISOString() } : {}),
    ...(i.paidAt ? { paidAt: i.paidAt.toISOString() } : {}),
    pdfStatus: i.pdfStatus,
    createdAt: i.createdAt.toISOString(),
  };
}
