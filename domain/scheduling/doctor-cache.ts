import { NOTIFY_CHANNELS, processListener } from '../../db/listener.js';
import type { PgListener } from '../../lib/pg-listener.js';
import { onShutdown } from '../../lib/shutdown.js';
import type { SlotPlan } from './slots.js';

/** What a slot listing needs to know about a bookable doctor, besides their appointments. */
export interface CachedDoctor {
  /** The doctor id as PostgreSQL writes it (lower case), as the notifications name it. */
  id: string;
  timeZone: string;
  /** The availability (the defaults when the doctor has none), validated and parsed. */
  plan: SlotPlan;
}

export interface DoctorScheduleCacheOptions {
  /** The LISTEN connection to hear {@link NOTIFY_CHANNELS.doctorSchedules} on. */
  listener: PgListener;
  /** Doctors kept; the whole cache is dropped when full. (Default: 10000) */
  maxDoctors?: number;
  /** Lists of doctors per specialization kept; dropped when full. (Default: 100) */
  maxDirectories?: number;
  /**
   * Longest time an entry is trusted, the bound when a LISTEN connection dies without the process
   * noticing (no TCP reset). (Default: 60000 ms)
   */
  maxAgeMs?: number;
}

interface Stored<T> {
  value: T;
  loadedAt: number;
}

/**
 * Each bookable doctor's slot rules (zone, availability already validated and parsed), and the
 * list of bookable doctors per specialization, kept in memory so that a slot listing reads only
 * the appointments of its window: no availability rows to ship, parse and validate per request.
 *
 * Correctness rests on LISTEN/NOTIFY, as for the actor cache (domain/auth/actor-cache.ts): the
 * triggers of migration 20261130190000 publish the doctor id whenever the availability, the zone or
 * specialization, or the doctor's role or status changes, or the doctor is removed, and every process
 * drops that doctor and every list of doctors when the message arrives (milliseconds after the
 * commit). While this process is not listening (start-up, a lost connection) the cache is bypassed,
 * and it is emptied when listening resumes, because notifications sent in between are lost. A read
 * that overlapped an invalidation is not stored, so a row read just before a change committed can
 * never outlive the notification. Entries are never negative: an unknown or unbookable doctor is
 * read from the database every time.
 *
 * Bookings do not use it: they read the doctor in their own transaction (loadDoctorSchedule), so a
 * listing a few milliseconds stale can at worst offer a slot that the booking then refuses.
 */
export class DoctorScheduleCache {
  private readonly doctors = new Map<string, Stored<CachedDoctor>>();
  private readonly directories = new Map<string, Stored<readonly CachedDoctor[]>>();
  private readonly listener: PgListener;
  private readonly unsubscribe: () => void;
  private readonly maxDoctors: number;
  private readonly maxDirectories: number;
  private readonly maxAgeMs: number;
  private readonly invalidationHooks = new Set<(doctorId: string | null) => void>();
  /** Bumped on every invalidation; a read that started under an older value is not stored. */
  private epochValue = 0;

  constructor(opts: DoctorScheduleCacheOptions) {
    this.listener = opts.listener;
    this.maxDoctors = opts.maxDoctors ?? 10_000;
    this.maxDirectories = opts.maxDirectories ?? 100;
    this.maxAgeMs = opts.maxAgeMs ?? 60_000;
    this.unsubscribe = this.listener.subscribe({
      channel: NOTIFY_CHANNELS.doctorSchedules,
      onMessage: (payload) => this.invalidate(payload === '*' ? null : payload),
      onResync: () => this.invalidate(null),
    });
  }

  /** Resolves once notifications are being received (before that every read goes to the database). */
  ready(timeoutMs?: number): Promise<void> {
    return this.listener.listening(timeoutMs);
  }

  /** The current invalidation count: read it before a database read, pass it to the store call. */
  get epoch(): number {
    return this.epochValue;
  }

  /** Number of doctors held. */
  get size(): number {
    return this.doctors.size;
  }

  /** The cached doctor with this id, if current; never while not listening. */
  doctor(id: string): CachedDoctor | undefined {
    return this.fresh(this.doctors, id.toLowerCase());
  }

  /** Keeps a bookable doctor read when {@link epoch} was `epoch`. */
  storeDoctor(doctor: CachedDoctor, epoch: number): void {
    if (!this.storable(epoch)) return;
    if (this.doctors.size >= this.maxDoctors) this.doctors.clear();
    this.doctors.set(doctor.id, { value: doctor, loadedAt: Date.now() });
  }

  /** The cached list of bookable doctors (with hours) under `key`, if current. */
  directory(key: string): readonly CachedDoctor[] | undefined {
    return this.fresh(this.directories, key);
  }

  /** Keeps a list of bookable doctors read when {@link epoch} was `epoch`, and each doctor in it. */
  storeDirectory(key: string, doctors: readonly CachedDoctor[], epoch: number): void {
    if (!this.storable(epoch)) return;
    if (this.directories.size >= this.maxDirectories) this.directories.clear();
    this.directories.set(key, { value: doctors, loadedAt: Date.now() });
    for (const d of doctors) if (!this.doctors.has(d.id)) this.storeDoctor(d, epoch);
  }

  /** Drops one doctor and every list of doctors, or everything when `doctorId` is null. */
  invalidate(doctorId: string | null): void {
    this.epochValue += 1;
    if (doctorId === null) this.doctors.clear();
    else this.doctors.delete(doctorId.toLowerCase());
    // Any change can move a doctor into or out of a list (specialization, status, hours).
    this.directories.clear();
    for (const hook of this.invalidationHooks) hook(doctorId);
  }

  /** Calls `fn` after every invalidation (doctor id, or null for all); returns the unsubscribe function. */
  onInvalidate(fn: (doctorId: string | null) => void): () => void {
    this.invalidationHooks.add(fn);
    return () => this.invalidationHooks.delete(fn);
  }

  /** Stops listening and empties the cache (the listener itself is its owner's to close). */
  close(): void {
    this.unsubscribe();
    this.doctors.clear();
    this.directories.clear();
  }

  private fresh<T>(map: Map<string, Stored<T>>, key: string): T | undefined {
    if (!this.listener.isListening) return undefined;
    const hit = map.get(key);
    if (!hit) return undefined;
    if (Date.now() - hit.loadedAt < this.maxAgeMs) return hit.value;
    map.delete(key);
    return undefined;
  }

  private storable(epoch: number): boolean {
    return this.listener.isListening && epoch === this.epochValue;
  }
}

let processCache: DoctorScheduleCache | undefined;

/**
 * The process's doctor schedule cache, on the process's one LISTEN connection (db/listener.ts),
 * created on first use.
 */
export function doctorScheduleCache(): DoctorScheduleCache {
  if (!processCache) {
    const created = new DoctorScheduleCache({ listener: processListener() });
    processCache = created;
    onShutdown(() => {
      if (processCache === created) processCache = undefined;
      created.close();
    });
  }
  return processCache;
}

/**
 * Drops a doctor in this process at once, for the domain functions that change what the cache holds
 * (availability, profile, status): the NOTIFY reaches this process too, but only a few milliseconds
 * after the commit, and the caller's next listing must already see the change.
 */
export function doctorScheduleChanged(doctorId: string): void {
  processCache?.invalidate(doctorId);
}
