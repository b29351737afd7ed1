import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../lib/config.js';

function failureOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to fail');
}

describe('configuration', () => {
  it('starts with no variables at all, using the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).to.equal(3000);
    expect(c.databaseUrl).to.equal(undefined);
    expect(c.clinicTimeZone).to.equal('UTC');
    expect(c.runWorker).to.equal(true);
    expect(c.storageDir).to.equal('.data/uploads');
    expect(c.authRateLimitPerIp).to.equal(300);
    expect(c.appointmentReminderHours).to.deep.equal([24, 1]);
  });

  it('locks an account for 1 minute in development and 15 elsewhere unless AUTH_LOCKOUT_MINUTES says', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).authLockoutMinutes).to.equal(1);
    expect(loadConfig({ NODE_ENV: 'test' }).authLockoutMinutes).to.equal(15);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).authLockoutMinutes).to.equal(
      15,
    );
    expect(loadConfig({ AUTH_LOCKOUT_MINUTES: '5' }).authLockoutMinutes).to.equal(5);
    expect(failureOf({ AUTH_LOCKOUT_MINUTES: '0' }).variable).to.equal('AUTH_LOCKOUT_MINUTES');
  });

  const bad: [Record<string, string>, string][] = [
    [{ PORT: 'eighty' }, 'PORT'],
    [{ MESSAGE_EMAIL_DELAY_MINUTES: 'soon' }, 'MESSAGE_EMAIL_DELAY_MINUTES'],
    [{ MESSAGE_EMAIL_DELAY_MINUTES: '0' }, 'MESSAGE_EMAIL_DELAY_MINUTES'],
    [{ MESSAGE_RATE_LIMIT_PER_MINUTE: '0' }, 'MESSAGE_RATE_LIMIT_PER_MINUTE'],
    [{ AGORA_APP_ID: 'a'.repeat(32) }, 'AGORA_APP_CERTIFICATE'],
    [{ AGORA_APP_ID: 'not-hex', AGORA_APP_CERTIFICATE: 'b'.repeat(32) }, 'AGORA_APP_ID'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ APP_URL: 'not a url' }, 'APP_URL'],
    [{ JWT_TTL: 'forever' }, 'JWT_TTL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ CLINIC_TIME_ZONE: 'Mars/Olympus' }, 'CLINIC_TIME_ZONE'],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY'],
    [{ RUN_WORKER: 'maybe' }, 'RUN_WORKER'],
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL'],
    [{ SUPER_ADMIN_EMAIL: 'root@example.com' }, 'SUPER_ADMIN_PASSWORD'],
    [{ APPOINTMENT_REMINDER_HOURS: '24,soon' }, 'APPOINTMENT_REMINDER_HOURS'],
    [{ S3_BUCKET: 'b', S3_ENDPOINT: 'ftp://x' }, 'S3_ENDPOINT'],
  ];
  for (const [env, variable] of bad) {
    it(`refuses ${JSON.stringify(env)} with a message naming ${variable}`, () => {
      const err = failureOf(env);
      expect(err.variable).to.equal(variable);
      expect(err.message).to.match(new RegExp(`^${variable}: `));
    });
  }

  it('reads the telehealth settings: decimal email delay, rate limit, Agora only with both variables', () => {
    expect(loadConfig({}).telehealth).to.deep.equal({
      messageEmailDelayMinutes: 15,
      messageRateLimitPerMinute: 30,
      agora: undefined,
    });
    const c = loadConfig({
      MESSAGE_EMAIL_DELAY_MINUTES: '0.05',
      MESSAGE_RATE_LIMIT_PER_MINUTE: '5',
      AGORA_APP_ID: 'a'.repeat(32),
      AGORA_APP_CERTIFICATE: 'b'.repeat(32),
    });
    expect(c.telehealth).to.deep.equal({
      messageEmailDelayMinutes: 0.05,
      messageRateLimitPerMinute: 5,
      agora: { appId: 'a'.repeat(32), appCertificate: 'b'.repeat(32) },
    });
  });

  it('reads RUN_WORKER=web as "the web process also runs the worker"', () => {
    expect(loadConfig({ RUN_WORKER: 'web' }).runWorker).to.equal(true);
    expect(loadConfig({ RUN_WORKER: 'false' }).runWorker).to.equal(false);
    expect(loadConfig({}, { runWorker: false }).runWorker).to.equal(false);
  });
});
