import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createUser, type TestUser } from '../helpers/factories.js';
import { api, errorOf } from '../helpers/http.js';

const DAY_MS = 86_400_000;
const EVERY_DAY = (start: string, end: string) =>
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end }));

interface Item {
  doctorId: string;
  startsAt: string;
  endsAt: string;
}

describe('GET /slots (next available across doctors)', () => {
  const specialization = `cardiology-${randomUUID().slice(0, 8)}`;
  let newYork: TestUser;
  let tokyo: TestUser;
  let berlin: TestUser;
  let patient: TestUser;
  /** 00:00Z ten days ahead: a whole UTC day, clear of every doctor's notice. */
  let day: Date;

  const doctor = async (timeZone: string, availability: Record<string, unknown>) => {
    const d = await createUser('doctor', { timeZone, doctor: { specialization } });
    const res = await api.as(d.token).put(`/doctors/${d.id}/availability`, { timeZone, ...availability });
    expect(res.status).to.equal(200);
    return d;
  };

  /** What the single-doctor listings answer for the window, merged and ordered like /slots. */
  async function merged(from: Date, to: Date): Promise<Item[]> {
    const items: Item[] = [];
    for (const d of [newYork, tokyo, berlin]) {
      const res = await api
        .as(patient.token)
        .get(`/doctors/${d.id}/slots?from=${from.toISOString()}&to=${to.toISOString()}`);
      expect(res.status).to.equal(200);
      for (const s of res.body.items as { startsAt: string; endsAt: string }[])
        items.push({ doctorId: d.id, ...s });
    }
    return items.sort((x, y) =>
      x.startsAt !== y.startsAt ? (x.startsAt < y.startsAt ? -1 : 1) : x.doctorId < y.doctorId ? -1 : 1,
    );
  }

  const search = (q: string) => api.as(patient.token).get(`/slots?specialization=${specialization}&${q}`);

  before(async () => {
    newYork = await doctor('America/New_York', { slotMinutes: 30, weekly: EVERY_DAY('09:00', '12:00') });
    tokyo = await doctor('Asia/Tokyo', {
      slotMinutes: 20,
      bufferMinutes: 10,
      weekly: EVERY_DAY('09:00', '12:00'),
    });
    berlin = await doctor('Europe/Berlin', {
      slotMinutes: 30,
      minNoticeMinutes: 3 * 24 * 60,
      weekly: EVERY_DAY('00:00', '24:00'),
    });
    // A doctor of another specialization never shows up.
    const other = await createUser('doctor', { doctor: { specialization: 'dermatology' } });
    await api.as(other.token).put(`/doctors/${other.id}/availability`, {
      timeZone: 'UTC',
      slotMinutes: 30,
      weekly: EVERY_DAY('00:00', '24:00'),
    });
    patient = await createUser('patient');
    day = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS + 10 * DAY_MS);
  });

  it('orders the free slots of doctors in three time zones by time, as their own listings give them (200)', async () => {
    const to = new Date(day.getTime() + DAY_MS);
    const res = await search(`from=${day.toISOString()}&to=${to.toISOString()}&limit=100`);
    expect(res.status).to.equal(200);
    const expected = await merged(day, to);
    expect(res.body.items).to.deep.equal(expected);
    expect(res.body.nextCursor).to.equal(null);
    // 09:00 in Tokyo is 00:00Z (01:00 in Berlin): the day opens with both, and every zone appears.
    expect(res.body.items.filter((s: Item) => s.startsAt === day.toISOString())).to.deep.include({
      doctorId: tokyo.id,
      startsAt: day.toISOString(),
      endsAt: new Date(day.getTime() + 20 * 60_000).toISOString(),
    });
    expect(new Set(res.body.items.map((s: Item) => s.doctorId))).to.deep.equal(
      new Set([newYork.id, tokyo.id, berlin.id]),
    );
  });

  it('respects each doctor’s minimum notice and buffers, also around a booked slot', async () => {
    const now = Date.now();
    const res = await search(`limit=100&to=${new Date(now + 4 * DAY_MS).toISOString()}`);
    expect(res.status).to.equal(200);
    const berlinSlots = res.body.items.filter((s: Item) => s.doctorId === berlin.id);
    for (const s of berlinSlots) expect(new Date(s.startsAt).getTime()).to.be.at.least(now + 3 * DAY_MS);
    // Tokyo: 20-minute slots on a 30-minute grid (10 minutes of buffer).
    const tokyoSlots: Item[] = res.body.items.filter((s: Item) => s.doctorId === tokyo.id);
    expect(tokyoSlots.length).to.be.greaterThan(1);
    expect(
      new Date(tokyoSlots[1]!.startsAt).getTime() - new Date(tokyoSlots[0]!.startsAt).getTime(),
    ).to.equal(30 * 60_000);

    const from = new Date(day.getTime() + DAY_MS);
    const to = new Date(from.getTime() + DAY_MS);
    const target = (await merged(from, to)).find((s) => s.doctorId === tokyo.id)!;
    const booked = await api
      .as(patient.token)
      .post('/appointments', { doctorId: tokyo.id, startsAt: target.startsAt });
    expect(booked.status).to.equal(201);
    const after = await search(`from=${from.toISOString()}&to=${to.toISOString()}&limit=100`);
    expect(after.body.items).to.not.deep.include(target);
    expect(after.body.items).to.deep.equal(await merged(from, to));
  });

  it('pages with the cursor through the same list, ties between doctors included', async () => {
    const from = new Date(day.getTime() + 2 * DAY_MS);
    const to = new Date(from.getTime() + DAY_MS);
    const whole = (await search(`from=${from.toISOString()}&to=${to.toISOString()}&limit=100`)).body
      .items as Item[];
    // New York and Berlin both offer the :00 and :30 starts of New York's morning.
    expect(whole.filter((s, i) => i > 0 && whole[i - 1]!.startsAt === s.startsAt).length).to.be.greaterThan(
      0,
    );
    const pages: Item[] = [];
    let cursor: string | null = null;
    let n = 0;
    do {
      const res = await search(
        `from=${from.toISOString()}&to=${to.toISOString()}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).to.equal(200);
      expect(res.body.items.length).to.be.at.most(7);
      pages.push(...res.body.items);
      cursor = res.body.nextCursor;
      n += 1;
    } while (cursor && n < 50);
    expect(pages).to.deep.equal(whole);
    expect(n).to.equal(Math.ceil(whole.length / 7));
  });

  it('gives slots that POST /appointments books as they stand (201), after which they are gone', async () => {
    // An hour ahead, so the first slot cannot begin between the search and the booking.
    const q = `from=${new Date(Date.now() + 3600_000).toISOString()}&limit=3`;
    const res = await search(q);
    expect(res.status).to.equal(200);
    expect(res.body.items).to.have.length(3);
    const first: Item = res.body.items[0];
    const booked = await api
      .as(patient.token)
      .post('/appointments', { doctorId: first.doctorId, startsAt: first.startsAt });
    expect(booked.status).to.equal(201);
    expect(booked.body.endsAt).to.equal(first.endsAt);
    const again = await search(q);
    expect(again.body.items).to.not.deep.include(first);
  });

  it('answers an unknown specialization with an empty page (200)', async () => {
    const res = await api.as(patient.token).get('/slots?specialization=no-such-specialty');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ items: [], nextCursor: null });
  });

  it('refuses bad windows, limits, cursors and parameters with 400, and no token with 401', async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    for (const q of [
      `from=${iso(now + DAY_MS)}&to=${iso(now)}`,
      `from=${iso(now)}&to=${iso(now + 32 * DAY_MS)}`,
      'from=tomorrow',
      'limit=0',
      'limit=101',
      'cursor=bm90LWEtY3Vyc29y',
      `cursor=${Buffer.from(JSON.stringify(['x', 1])).toString('base64url')}`,
      'doctor=1',
    ]) {
      const res = await search(q);
      expect(res.status, q).to.equal(400);
      expect(errorOf(res).code, q).to.equal('validation_failed');
    }
    expect((await api.as().get('/slots')).status).to.equal(401);
  });
});
