import Stripe from 'stripe';
import { AppError, NotConfiguredError } from './errors.js';
import { services } from './services.js';

export { Stripe };

let cached: { key: string; client: Stripe } | undefined;
let override: Stripe | undefined;

/**
 * The process's Stripe client, built lazily from `config.stripe`; throws 503 `payments_not_configured`
 * when STRIPE_SECRET_KEY is not set.
 *
 * STRIPE_API_URL (stripe-mock, a local fake) becomes the client's host/port/protocol. The client is
 * rebuilt when the configuration changes, so tests can swap `services().config`. Two network retries
 * are safe because every POST we make carries an explicit idempotency key. Each attempt gives up
 * after STRIPE_TIMEOUT_MS (default 20 s).
 */
export function stripeClient(): Stripe {
  const secretKey = assertPaymentsConfigured();
  const { apiUrl, timeoutMs } = services().config.stripe;
  if (override) return override;
  const key = `${secretKey}|${apiUrl ?? ''}|${timeoutMs}`;
  if (cached?.key === key) return cached.client;
  const config: ConstructorParameters<typeof Stripe>[1] = {
    maxNetworkRetries: 2,
    // STRIPE_TIMEOUT_MS per attempt: a hanging Stripe costs at most three of these plus back-off.
    timeout: timeoutMs,
    appInfo: { name: 'clinicflow' },
  };
  if (apiUrl) {
    const u = new URL(apiUrl);
    config.host = u.hostname;
    config.protocol = u.protocol === 'http:' ? 'http' : 'https';
    config.port = u.port || (u.protocol === 'http:' ? 80 : 443);
  }
  cached = { key, client: new Stripe(secretKey, config) };
  return cached.client;
}

/**
 * Returns the Stripe secret key, or throws 503 `payments_not_configured`: every payment route
 * answers 503 until STRIPE_SECRET_KEY is set (SPEC "Running it"), reads included.
 */
export function assertPaymentsConfigured(): string {
  const { secretKey } = services().config.stripe;
  if (!secretKey) {
    throw new NotConfiguredError(
      'payments',
      'Online payments are not configured on this server (STRIPE_SECRET_KEY is not set).',
    );
  }
  return secretKey;
}

/** The webhook signing secret; throws 503 `payments_not_configured` when STRIPE_WEBHOOK_SECRET is not set. */
export function stripeWebhookSecret(): string {
  const { secretKey, webhookSecret } = services().config.stripe;
  if (!secretKey || !webhookSecret) {
    throw new NotConfiguredError(
      'payments',
      'Stripe webhooks are not configured on this server (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set).',
    );
  }
  return webhookSecret;
}

/** Replaces the client built from configuration (tests with a sinon stub); `undefined` restores it. */
export function setStripeClientForTests(client: Stripe | undefined): void {
  override = client;
}

/** Seconds a client is told to wait (`Retry-After`) when Stripe is failing. */
const PAYMENTS_RETRY_AFTER_SECONDS = 30;

/**
 * Whether a Stripe error means Stripe is unreachable or failing on its side (a 5xx `api_error`, a
 * timeout or dropped connection, rate limiting) rather than refusing this request: the same request
 * may succeed later, so a route answers 503 and a job fails to be retried with back-off.
 */
export function isStripeUnavailable(err: unknown): boolean {
  return (
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeRateLimitError ||
    (err instanceof Stripe.errors.StripeError && (err.statusCode ?? 0) >= 500)
  );
}

/** 503 `payments_unavailable` with `Retry-After`: Stripe is down or timing out; the client should retry. */
export class PaymentsUnavailableError extends AppError {
  constructor() {
    super(
      503,
      'payments_unavailable',
      'The payment provider is not answering right now; try again shortly.',
      undefined,
      { 'Retry-After': String(PAYMENTS_RETRY_AFTER_SECONDS) },
    );
  }
}
