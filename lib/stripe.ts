import Stripe from 'stripe';
import { NotConfiguredError } from './errors.js';
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
 * are safe because every POST we make carries an explicit idempotency key.
 */
export function stripeClient(): Stripe {
  const secretKey = assertPaymentsConfigured();
  const { apiUrl } = services().config.stripe;
  if (override) return override;
  const key = `${secretKey}|${apiUrl ?? ''}`;
  if (cached?.key === key) return cached.client;
  const config: ConstructorParameters<typeof Stripe>[1] = {
    maxNetworkRetries: 2,
    timeout: 20_000,
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
