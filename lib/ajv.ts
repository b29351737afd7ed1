/**
 * The one place validators are made, for the API and the worker alike: JSON Schema 2020-12 with
 * the standard formats plus clinicflow's own (`currency`, `time-zone`, `date-or-date-time`), and
 * dates limited to years 1900–2100.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { MAX_YEAR, MIN_YEAR } from './schema.js';
import { isValidTimeZone } from './time-zones.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(y: number, m: number, d: number): boolean {
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1 || d > DAYS[m - 1]!) return false;
  return m !== 2 || d <= 28 || (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
}

export function isIsoDate(s: string): boolean {
  const m = DATE.exec(s);
  return !!m && validDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function isIsoDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m || !validDay(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  // Leap seconds (:60) are refused: no clinic books one and Date cannot hold one.
  return Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 59;
}

const currencies = new Set(Intl.supportedValuesOf('currency').map((c) => c.toLowerCase()));
export const isCurrency = (s: string): boolean => currencies.has(s.toLowerCase());

function makeAjv(coerceTypes: boolean, useDefaults = true): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults,
    coerceTypes: coerceTypes ? 'array' : false,
    strict: false,
    verbose: true,
  });
  ajvFormats.default(ajv);
  ajv.addFormat('date', isIsoDate);
  ajv.addFormat('date-time', isIsoDateTime);
  ajv.addFormat('date-or-date-time', (s: string) => isIsoDate(s) || isIsoDateTime(s));
  ajv.addFormat('currency', isCurrency);
  ajv.addFormat('time-zone', isValidTimeZone);
  ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
  return ajv;
}

/** JSON bodies and task payloads are typed: never coerce. */
export const exactAjv = makeAjv(false);
/** Checks what the API answers against its response schemas: no coercion, no defaults filled in. */
export const responseAjv = makeAjv(false, false);
/** Query strings and path parameters are text: coerce them ("5" → 5, "a" → ["a"]). */
export const coercingAjv = makeAjv(true);

/** One problem of an input: where (a JSON pointer) and what is wrong there. */
export interface SchemaProblem {
  path: string;
  message: string;
}

/**
 * Turns ajv errors into problems a person can act on: enum failures list the allowed values,
 * format and pattern failures give the schema's `x-message` (with an example), unknown fields say so.
 */
export function describeErrors(prefix: string, errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    let path = e.instancePath;
    let message: string;
    const taught = (e.parentSchema as { 'x-message'?: string } | undefined)?.['x-message'];
    switch (e.keyword) {
      case 'required':
        path += `/${(e.params as { missingProperty: string }).missingProperty}`;
        message = 'is required';
        break;
      case 'additionalProperties':
        path += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
        message = 'is not an accepted field';
        break;
      case 'enum':
        message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')}`;
        break;
      case 'format':
      case 'pattern':
        message = taught ?? e.message ?? 'is invalid';
        break;
      // A union reports every branch; `anyOf`/`oneOf` itself says nothing new.
      case 'anyOf':
      case 'oneOf':
        message = taught ?? 'does not match any accepted shape';
        break;
      default:
        message = e.message ?? 'is invalid';
    }
    const key = `${path} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: prefix + path, message });
  }
  return out;
}
