/**
 * Invoice arithmetic, in integer minor units only (no floating point touches money).
 *
 * Tax is rounded **per line, half-up (away from zero)**: each line's tax is
 * `round(net × taxPercent / 100)` with .5 rounding up, and the invoice's tax is the sum of the
 * rounded line taxes. Per line, because a printed invoice must add up line by line (the lines'
 * tax column sums to the tax total); half-up, because that is what customers and most tax offices
 * expect from a receipt (banker's rounding surprises people on a single line). Tax percentages
 * have at most two decimals, so the computation is exact in integers (basis points).
 */

export interface InvoiceLineInput {
  description: string;
  quantity: number;
  unitCents: number;
  taxPercent?: number | null;
}

export interface ComputedLine extends InvoiceLineInput {
  netCents: number;
  lineTaxCents: number;
}

export interface InvoiceTotals {
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
}

/** Integer division of a non-negative or negative numerator, rounding .5 away from zero. */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  const sign = numerator < 0n ? -1n : 1n;
  const abs = numerator * sign;
  return sign * ((abs * 2n + denominator) / (denominator * 2n));
}

/** Tax percent → basis points (19.25 % → 1925); the schema allows at most two decimals. */
export function basisPoints(taxPercent: number | null | undefined): bigint {
  if (taxPercent === null || taxPercent === undefined) return 0n;
  return BigInt(Math.round(taxPercent * 100));
}

/** Net amount and tax of one line (tax per line, half-up). */
export function computeLine(line: InvoiceLineInput): ComputedLine {
  const net = BigInt(line.quantity) * BigInt(line.unitCents);
  const tax = divRoundHalfUp(net * basisPoints(line.taxPercent), 10_000n);
  return { ...line, netCents: Number(net), lineTaxCents: Number(tax) };
}

/** Subtotal (sum of nets), tax (sum of rounded line taxes) and total of computed lines. */
export function computeTotals(lines: readonly ComputedLine[]): InvoiceTotals {
  const subtotalCents = lines.reduce((n, l) => n + l.netCents, 0);
  const taxCents = lines.reduce((n, l) => n + l.lineTaxCents, 0);
  return { subtotalCents, taxCents, totalCents: subtotalCents + taxCents };
}
