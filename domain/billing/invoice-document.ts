/**
 * The printed invoice: an A4 PDF made with pdfkit (a maintained, pure-JS PDF writer with the
 * 14 standard fonts built in, so no font files or system packages are needed).
 */
import type { ComputedLine } from './totals.js';

export interface InvoiceDocument {
  clinicName: string;
  locale: string;
  timeZone: string;
  number: string | null;
  status: string;
  patientName: string;
  issuedAt: Date | null;
  dueDate: string | null;
  currency: string;
  lines: ComputedLine[];
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
  paidCents: number;
  refundedCents: number;
  notes: string | null;
}

/**
 * An amount in minor units formatted for `locale` with `Intl.NumberFormat` ("$1,234.50",
 * "1.234,50 €", "¥1,235"): the currency's own number of decimals decides the divisor. Narrow
 * no-break spaces become plain no-break spaces, which the standard PDF fonts can draw.
 */
export function formatMoney(cents: number, currency: string, locale: string): string {
  const code = currency.toUpperCase();
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency: code });
  } catch {
    return `${(cents / 100).toFixed(2)} ${code}`;
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(cents / 10 ** digits).replace(/\u202f/g, '\u00a0');
}

/**
 * Renders the invoice to a PDF buffer. pdfkit is imported here, at the first invoice: only the
 * worker renders invoices, and the import costs ≈ 30 MB of RSS a web process has no use for.
 */
export async function renderInvoiceDocument(d: InvoiceDocument): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margin: 50,
      info: { Title: d.number ? `Invoice ${d.number}` : 'Draft invoice', Author: d.clinicName },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const money = (c: number) => formatMoney(c, d.currency, d.locale);
    const date = (x: Date | string) =>
      new Intl.DateTimeFormat(d.locale, {
        dateStyle: 'long',
        timeZone: typeof x === 'string' ? 'UTC' : d.timeZone,
      }).format(typeof x === 'string' ? new Date(`${x}T00:00:00Z`) : x);
    const title = d.status === 'paid' ? 'Receipt' : 'Invoice';

    doc.font('Helvetica-Bold').fontSize(20).text(d.clinicName);
    doc
      .moveDown(0.5)
      .fontSize(16)
      .text(`${title} ${d.number ?? '(draft)'}`);
    doc.font('Helvetica').fontSize(10).moveDown(0.5);
    doc.text(`Billed to: ${d.patientName}`);
    if (d.issuedAt) doc.text(`Issued: ${date(d.issuedAt)}`);
    if (d.dueDate) doc.text(`Due: ${date(d.dueDate)}`);
    doc.text(`Status: ${d.status.toUpperCase()}`);
    doc.moveDown();

    const left = doc.page.margins.left;
    const cols = { desc: left, qty: left + 260, unit: left + 300, tax: left + 380, amount: left + 420 };
    const row = (desc: string, qty: string, unit: string, tax: string, amount: string, bold = false) => {
      const y = doc.y;
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
      doc.text(desc, cols.desc, y, { width: 250 });
      const bottom = doc.y;
      doc.text(qty, cols.qty, y, { width: 35, align: 'right' });
      doc.text(unit, cols.unit, y, { width: 75, align: 'right' });
      doc.text(tax, cols.tax, y, { width: 35, align: 'right' });
      doc.text(amount, cols.amount, y, { width: 75, align: 'right' });
      doc.x = left;
      doc.y = Math.max(bottom, doc.y) + 4;
    };
    row('Description', 'Qty', 'Unit price', 'Tax %', 'Amount', true);
    for (const l of d.lines) {
      row(
        l.description,
        String(l.quantity),
        money(l.unitCents),
        l.taxPercent ? `${l.taxPercent}` : '—',
        money(l.netCents),
      );
    }
    doc.moveDown();
    const total = (label: string, cents: number, bold = false) => {
      const y = doc.y;
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
      doc.text(label, cols.unit - 60, y, { width: 170, align: 'right' });
      doc.text(money(cents), cols.amount, y, { width: 75, align: 'right' });
      doc.x = left;
    };
    total('Subtotal', d.subtotalCents);
    total('Tax', d.taxCents);
    total('Total', d.totalCents, true);
    if (d.paidCents || d.refundedCents) total('Paid', d.paidCents + d.refundedCents);
    if (d.refundedCents) total('Refunded', d.refundedCents);
    if (d.status !== 'paid' && d.status !== 'void')
      total('Amount due', Math.max(0, d.totalCents - d.paidCents), true);
    if (d.notes) doc.moveDown().font('Helvetica').text(d.notes, left);
    if (d.status === 'void') doc.moveDown().font('Helvetica-Bold').fontSize(14).text('VOID', left);
    doc.end();
  });
}
