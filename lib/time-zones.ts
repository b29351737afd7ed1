import { IANAZone } from 'luxon';

const known = new Map<string, boolean>();

/**
 * Whether `zone` is an IANA time zone this runtime knows. luxon's `IANAZone.isValidZone` builds a new
 * `Intl.DateTimeFormat` on every call, which dominated the CPU profile of slot listing; the answer
 * for a given name never changes within a process, so it is cached.
 */
export function isValidTimeZone(zone: string): boolean {
  let valid = known.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    if (known.size < 10_000) known.set(zone, valid);
  }
  return valid;
}
