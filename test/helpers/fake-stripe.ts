/**
 * A local fake of the slice of the Stripe API that clinicflow uses, served over real HTTP so the real
 * `stripe` client (pointed here through STRIPE_API_URL) does the requests: form-encoded bodies,
 * Idempotency-Key replay, list pagination with `created[gte]` and `starting_after`. Tests drive the
 * "customer" side (pay, async succeed/fail, expire) and read the counters.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { services, setServices, type Services } from '../../lib/services.js';
import { request, type TestResponse } from './http.js';

type Obj = Record<string, any>;

const rid = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('hex')}`;
const nowSec = () => Math.floor(Date.now() / 1000);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Parses Stripe's bracket form encoding (`a[b][0][c]=1`) into nested objects and arrays. */
export function parseStripeForm(text: string): Obj {
  const root: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.replace(/\]/g, '').split('[');
    let node: Obj = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = node[part] ??= {};
    });
  }
  const arrays = (v: unknown): unknown => {
    if (!v || typeof v !== 'object') return v;
    const o = v as Obj;
    const keys = Object.keys(o);
    if (keys.length && keys.every((k) => /^\d+$/.test(k)))
      return keys.sort((a, b) => +a - +b).map((k) => arrays(o[k]));
    for (const k of keys) o[k] = arrays(o[k]);
    return o;
  };
  return arrays(root) as Obj;
}

/** The body Stripe sends with a 500: an `api_error` (stripe-node raises `StripeAPIError`). */
const API_ERROR = {
  error: { type: 'api_error', message: 'An unknown error occurred on our side (fake Stripe fault).' },
};

export interface RefundCall {
  idempotencyKey: string | undefined;
  paymentIntent: string;
  amount: number | undefined;
  /** Whether this call created a refund (false: replayed from its idempotency key). */
  created: boolean;
  /** Whether the client got an error instead of the result (an `apply-then-500` fault). */
  failed?: boolean;
}

/**
 * How the fake misbehaves while a fault is on:
 * - `500`: answers `500 api_error` without doing anything; nothing is stored under the request's
 *   Idempotency-Key (Stripe saves no result for a request it did not execute), so a retry acts anew;
 * - `hang`: reads the request and never answers (the client's timeout fires); nothing is done;
 * - `apply-then-500`: carries the request out (a refund is created, its result stored under the
 *   key) and answers `500` anyway, as when the response is lost after Stripe committed. A replay of
 *   a stored key is failed the same way while the fault lasts (unless `replays: 'answer'`); once it
 *   is healed (or `times` is used up) the retry gets the stored result back.
 */
export type StripeFaultMode = '500' | 'hang' | 'apply-then-500';

export interface StripeFault {
  mode: StripeFaultMode;
  /**
   * Which requests fail: `"POST /v1/refunds"` (method and path, ids as `:id`) or `"/v1/refunds"`
   * (any method, that path and below). (Default: every request)
   */
  paths?: string[];
  /** Fail only this many matching requests, then behave again. (Default: until {@link FakeStripe.heal}) */
  times?: number;
  /**
   * `apply-then-500` only: whether a replay of a key Stripe already stored fails too (`fail`: the
   * whole answer path is broken) or gets the stored result (`answer`: only the request that did the
   * work lost its answer, so the client's retry with the same key recovers it). (Default: fail)
   */
  replays?: 'fail' | 'answer';
}

export class FakeStripe {
  readonly sessions = new Map<string, Obj>();
  readonly paymentIntents = new Map<string, Obj>();
  readonly charges = new Map<string, Obj>();
  readonly refunds = new Map<string, Obj>();
  /** Every POST /v1/refunds, in order. */
  readonly refundCalls: RefundCall[] = [];
  /** Every POST /v1/checkout/sessions with its Idempotency-Key. */
  readonly sessionCalls: { idempotencyKey: string | undefined; created: boolean }[] = [];
  /** Requests per "METHOD /path-template". */
  readonly counts = new Map<string, number>();
  /** Requests a fault answered (or left hanging), per mode. */
  readonly faultCounts: Record<StripeFaultMode, number> = { '500': 0, hang: 0, 'apply-then-500': 0 };
  private idempotent = new Map<string, { status: number; body: Obj; params: string }>();
  private dropRefundResponses = 0;
  private fault: (StripeFault & { left: number }) | undefined;
  /** Responses of hanging requests, ended by {@link heal} or {@link stop}. */
  private hanging = new Set<ServerResponse>();
  /** Responses whose request is carried out but whose answer becomes a 500 (`apply-then-500`). */
  private failingResponses = new WeakSet<ServerResponse>();
  private clock = 0;
  private server: Server = createServer((req, res) => void this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.heal();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `n` refund requests are carried out but their responses are lost (connection reset). */
  loseNextRefundResponses(n: number): void {
    this.dropRefundResponses = n;
  }

  /** Turns a fault on (replacing any other); requests already hanging keep hanging until {@link heal}. */
  fail(fault: StripeFault): void {
    this.fault = { ...fault, left: fault.times ?? Infinity };
  }

  /**
   * Ends the fault. Requests still hanging are cut off (connection reset), as when a stuck load
   * balancer is restarted: the client sees a network error and retries; nothing was done for them.
   */
  heal(): void {
    this.fault = undefined;
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }

  /** The fault that applies to this request, if any; counts it against `times`. */
  private faultFor(route: string, template: string, replay: boolean): StripeFaultMode | undefined {
    const f = this.fault;
    if (!f || f.left <= 0) return undefined;
    if (replay && f.mode === 'apply-then-500' && f.replays === 'answer') return undefined;
    const matches =
      !f.paths ||
      f.paths.some((p) => (p.includes(' ') ? p === route : template === p || template.startsWith(`${p}/`)));
    if (!matches) return undefined;
    f.left -= 1;
    this.faultCounts[f.mode] += 1;
    return f.mode;
  }

  /** Stripe prunes idempotency keys after about 24 hours: later requests with an old key act anew. */
  forgetIdempotencyKeys(): void {
    this.idempotent.clear();
  }

  count(route: string): number {
    return this.counts.get(route) ?? 0;
  }

  /** Distinct, monotonically increasing creation times, so list order is deterministic. */
  private created(): number {
    this.clock = Math.max(this.clock + 1, nowSec());
    return this.clock;
  }

  // ---- the customer's side ------------------------------------------------------------------

  /** The customer pays: a PaymentIntent and a charge appear; `async` leaves the payment processing. */
  pay(sessionId: string, opts: { async?: boolean } = {}): Obj {
    const s = this.mustSession(sessionId);
    const pi = {
      id: rid('pi'),
      object: 'payment_intent',
      amount: s.amount_total,
      amount_received: opts.async ? 0 : s.amount_total,
      currency: s.currency,
      status: opts.async ? 'processing' : 'succeeded',
      latest_charge: null as string | null,
      metadata: clone(s.payment_intent_data?.metadata ?? {}),
      created: this.created(),
      livemode: false,
    };
    const charge = {
      id: rid('ch'),
      object: 'charge',
      amount: s.amount_total,
      amount_refunded: 0,
      refunded: false,
      currency: s.currency,
      payment_intent: pi.id,
      status: opts.async ? 'pending' : 'succeeded',
      metadata: clone(pi.metadata),
      created: pi.created,
      livemode: false,
    };
    pi.latest_charge = charge.id;
    this.paymentIntents.set(pi.id, pi);
    this.charges.set(charge.id, charge);
    Object.assign(s, {
      status: 'complete',
      payment_status: opts.async ? 'unpaid' : 'paid',
      payment_intent: pi.id,
    });
    return clone(s);
  }

  asyncSucceed(sessionId: string): Obj {
    const s = this.mustSession(sessionId);
    const pi = this.paymentIntents.get(s.payment_intent)!;
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount });
    this.charges.get(pi.latest_charge)!.status = 'succeeded';
    s.payment_status = 'paid';
    return clone(s);
  }

  asyncFail(sessionId: string): Obj {
    const s = this.mustSession(sessionId);
    const pi = this.paymentIntents.get(s.payment_intent)!;
    pi.status = 'requires_payment_method';
    this.charges.get(pi.latest_charge)!.status = 'failed';
    return clone(s);
  }

  expire(sessionId: string): Obj {
    const s = this.mustSession(sessionId);
    s.status = 'expired';
    return clone(s);
  }

  /** A refund made outside clinicflow (the Stripe Dashboard). */
  dashboardRefund(paymentIntentId: string, amount: number): Obj {
    return this.createRefund({ payment_intent: paymentIntentId, amount: String(amount) });
  }

  mustSession(id: string): Obj {
    const s = this.sessions.get(id);
    if (!s) throw new Error(`fake Stripe has no session ${id}`);
    return s;
  }

  /** A Stripe event wrapping a snapshot of `object`, as Stripe would deliver it. */
  event(type: string, object: Obj): Obj {
    return {
      id: rid('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: nowSec(),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object: clone(object) },
    };
  }

  // ---- the HTTP API -------------------------------------------------------------------------

  private send(res: ServerResponse, status: number, body: Obj): void {
    // apply-then-500: whatever the request did, the client gets Stripe's "something broke" answer.
    const failing = this.failingResponses.has(res);
    res.writeHead(failing ? 500 : status, { 'content-type': 'application/json', 'request-id': rid('req') });
    res.end(JSON.stringify(failing ? API_ERROR : body));
  }

  private notFound(res: ServerResponse, what: string, id: string): void {
    this.send(res, 404, {
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such ${what}: '${id}'`,
        param: 'id',
      },
    });
  }

  private invalid(res: ServerResponse, message: string, param?: string): void {
    this.send(res, 400, { error: { type: 'invalid_request_error', message, param } });
  }

  private list(res: ServerResponse, url: string, items: Obj[], query: Obj): void {
    let data = [...items].sort((a, b) => b.created - a.created);
    const gte = query.created?.gte;
    if (gte !== undefined) data = data.filter((o) => o.created >= Number(gte));
    if (query.starting_after) {
      const i = data.findIndex((o) => o.id === query.starting_after);
      data = i >= 0 ? data.slice(i + 1) : [];
    }
    const limit = Math.min(100, Number(query.limit ?? 10));
    this.send(res, 200, {
      object: 'list',
      url,
      has_more: data.length > limit,
      data: clone(data.slice(0, limit)),
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const u = new URL(req.url ?? '/', 'http://fake');
    const raw = Buffer.concat(chunks).toString();
    const params = req.method === 'GET' ? parseStripeForm(u.search.slice(1)) : parseStripeForm(raw);
    const key = req.headers['idempotency-key'] as string | undefined;
    const path = u.pathname;
    const template = path.replace(/\/(cs|pi|ch|re)_test_[0-9a-f]+$/, '/:id');
    const route = `${req.method} ${template}`;
    this.counts.set(route, this.count(route) + 1);
    if (!String(req.headers.authorization ?? '').startsWith('Bearer sk_')) {
      return this.send(res, 401, {
        error: { type: 'invalid_request_error', message: 'Invalid API Key provided' },
      });
    }

    const replayable = req.method === 'POST' && !!key && this.idempotent.has(`${path}|${key}`);
    const fault = this.faultFor(route, template, replayable);
    if (fault === '500') return this.send(res, 500, API_ERROR);
    if (fault === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    // apply-then-500: the request is carried out below and `res` answers 500 whatever it was to say.
    if (fault === 'apply-then-500') this.failingResponses.add(res);

    if (req.method === 'POST' && key) {
      const replay = this.idempotent.get(`${path}|${key}`);
      if (replay && replay.params !== raw) {
        // Stripe's rule: a key belongs to one set of parameters; reusing it for others is refused.
        return this.send(res, 400, {
          error: {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          },
        });
      }
      if (replay) {
        if (path === '/v1/refunds') {
          this.refundCalls.push({
            idempotencyKey: key,
            paymentIntent: params.payment_intent,
            amount: Number(params.amount),
            created: false,
            failed: fault === 'apply-then-500',
          });
          if (this.dropRefundResponses > 0) {
            this.dropRefundResponses -= 1;
            req.socket.destroy();
            return;
          }
        }
        if (path === '/v1/checkout/sessions') this.sessionCalls.push({ idempotencyKey: key, created: false });
        res.setHeader('idempotent-replayed', 'true');
        return this.send(res, replay.status, replay.body);
      }
    }

    const m = /^\/v1\/(checkout\/sessions|payment_intents|charges|refunds)(?:\/([^/]+))?$/.exec(path);
    if (!m)
      return this.send(res, 404, {
        error: { type: 'invalid_request_error', message: `Unrecognized request URL (${path})` },
      });
    const [, kind, id] = m;

    if (req.method === 'GET' && id) {
      const store = {
        'checkout/sessions': this.sessions,
        payment_intents: this.paymentIntents,
        charges: this.charges,
        refunds: this.refunds,
      }[kind]!;
      const obj = store.get(id);
      return obj ? this.send(res, 200, clone(obj)) : this.notFound(res, kind, id);
    }
    if (req.method === 'GET' && kind === 'checkout/sessions') {
      const items = [...this.sessions.values()].filter(
        (s) => !params.payment_intent || s.payment_intent === params.payment_intent,
      );
      return this.list(res, '/v1/checkout/sessions', items, params);
    }
    if (req.method === 'GET' && kind === 'refunds') {
      const items = [...this.refunds.values()].filter(
        (r) => !params.payment_intent || r.payment_intent === params.payment_intent,
      );
      return this.list(res, '/v1/refunds', items, params);
    }
    if (req.method === 'POST' && kind === 'checkout/sessions' && !id) {
      const result = this.createSession(params);
      if ('error' in result) return this.invalid(res, result.error);
      if (key) this.idempotent.set(`${path}|${key}`, { status: 200, body: clone(result), params: raw });
      this.sessionCalls.push({ idempotencyKey: key, created: true });
      return this.send(res, 200, result);
    }
    if (req.method === 'POST' && kind === 'refunds' && !id) {
      const pi = this.paymentIntents.get(params.payment_intent);
      if (!pi) return this.notFound(res, 'payment_intent', String(params.payment_intent));
      const charge = this.charges.get(pi.latest_charge)!;
      const amount =
        params.amount === undefined ? charge.amount - charge.amount_refunded : Number(params.amount);
      if (amount > charge.amount - charge.amount_refunded) {
        return this.invalid(
          res,
          `Refund amount (${amount}) is greater than unrefunded amount on charge`,
          'amount',
        );
      }
      const refund = this.createRefund(params);
      this.refundCalls.push({
        idempotencyKey: key,
        paymentIntent: pi.id,
        amount,
        created: true,
        failed: fault === 'apply-then-500',
      });
      if (key) this.idempotent.set(`${path}|${key}`, { status: 200, body: clone(refund), params: raw });
      if (this.dropRefundResponses > 0) {
        this.dropRefundResponses -= 1;
        req.socket.destroy();
        return;
      }
      return this.send(res, 200, refund);
    }
    return this.send(res, 404, {
      error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method} ${path})` },
    });
  }

  private createSession(p: Obj): Obj {
    const created = this.created();
    const expiresAt = p.expires_at === undefined ? created + 24 * 3600 : Number(p.expires_at);
    // Stripe's rule, enforced here so a wrong expiry fails the tests as it would fail in production.
    if (expiresAt < nowSec() + 30 * 60 || expiresAt > nowSec() + 24 * 3600) {
      return {
        error:
          'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
      };
    }
    const items = (p.line_items ?? []) as Obj[];
    if (p.mode !== 'payment' || items.length === 0)
      return { error: 'mode payment with line_items is required' };
    const amount = items.reduce(
      (n, li) => n + Number(li.price_data.unit_amount) * Number(li.quantity ?? 1),
      0,
    );
    const id = rid('cs');
    const session = {
      id,
      object: 'checkout.session',
      mode: 'payment',
      amount_total: amount,
      currency: items[0].price_data.currency,
      client_reference_id: p.client_reference_id ?? null,
      customer_email: p.customer_email ?? null,
      metadata: p.metadata ?? {},
      payment_intent_data: p.payment_intent_data ?? {},
      line_items_names: items.map((li) => li.price_data.product_data?.name),
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null as string | null,
      url: `https://checkout.stripe.test/c/pay/${id}`,
      success_url: p.success_url,
      cancel_url: p.cancel_url,
      expires_at: expiresAt,
      created,
      livemode: false,
    };
    this.sessions.set(id, session);
    return clone(session);
  }

  private createRefund(p: Obj): Obj {
    const pi = this.paymentIntents.get(p.payment_intent)!;
    const charge = this.charges.get(pi.latest_charge)!;
    const amount = p.amount === undefined ? charge.amount - charge.amount_refunded : Number(p.amount);
    const refund = {
      id: rid('re'),
      object: 'refund',
      amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: pi.id,
      reason: p.reason ?? null,
      metadata: p.metadata ?? {},
      status: 'succeeded',
      created: this.created(),
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    return clone(refund);
  }
}

export const WEBHOOK_SECRET = 'whsec_clinicflow_test';

/** Signs `event` as Stripe would (or with another secret / an old timestamp) and posts it to the webhook. */
export function deliverWebhook(
  event: Obj,
  opts: { secret?: string; timestamp?: number; signature?: string | null; rawBody?: string } = {},
): Promise<TestResponse> {
  const payload = opts.rawBody ?? JSON.stringify(event);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.signature !== null) {
    headers['stripe-signature'] =
      opts.signature ??
      Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: opts.secret ?? WEBHOOK_SECRET,
        timestamp: opts.timestamp,
      });
  }
  return request('POST', '/webhooks/stripe', { rawBody: payload, headers });
}

/**
 * Starts a {@link FakeStripe} before the tests of the enclosing `describe` and points the process's
 * Stripe client at it (with `stripe` merged into the configuration); restores the configuration and
 * stops the fake after them. Call it inside a `describe`: the fake is usable once its hook has run.
 */
export function useFakeStripe(stripe: Partial<Services['config']['stripe']> = {}): FakeStripe {
  const fake = new FakeStripe();
  let original: Services | undefined;
  before(async () => {
    await fake.start();
    original = services();
    setServices({
      ...original,
      config: { ...original.config, stripe: { ...original.config.stripe, apiUrl: fake.url, ...stripe } },
    });
  });
  after(async () => {
    if (original) setServices(original);
    await fake.stop();
  });
  return fake;
}
