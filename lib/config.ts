import { isValidTimeZone } from './time-zones.js';

/**
 * The whole runtime configuration, read from the environment once at start-up and passed down.
 * Nothing else in clinicflow reads `process.env`.
 */
export interface Config {
  /** `development`, `test` or `production`. Production refuses to run without `JWT_SECRET`. (Default: development) */
  nodeEnv: 'development' | 'test' | 'production';
  /** HTTP port. (Default: 3000) */
  port: number;
  /** Address to bind. (Default: 0.0.0.0) */
  host: string;
  /**
   * Trust `X-Forwarded-For` from one proxy hop (Heroku router, a load balancer) for the client IP
   * used by rate limits and audit rows. Off, clients could pick their own IP. (Default: false)
   */
  trustProxy: boolean;
  /** Public base URL used in links inside emails. (Default: http://localhost:PORT) */
  appUrl: string;
  /** PostgreSQL connection string; undefined starts an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  /** Size of the web process's connection pool. (Default: 10) */
  databasePoolSize: number;
  /** Folder for local state: embedded database, generated JWT secret, email outbox. (Default: .data) */
  dataDir: string;
  /** HMAC secret for JWTs; undefined outside production means "generate one and keep it in dataDir". */
  jwtSecret: string | undefined;
  /** Token lifetime in seconds (JWT_TTL accepts 3600, 15m, 12h, 7d). (Default: 12h) */
  jwtTtlSeconds: number;
  /** SMTP URL (smtp://user:pass@host:port); undefined writes `.eml` files to `<dataDir>/outbox`. */
  smtpUrl: string | undefined;
  /** From address of every email. (Default: clinicflow <no-reply@clinicflow.local>) */
  mailFrom: string;
  /** Clinic name shown in emails. (Default: clinicflow) */
  clinicName: string;
  /** BCP 47 locale for amounts and dates on invoices (`Intl.NumberFormat`). (Default: en) */
  clinicLocale: string;
  /** Local folder for uploads when S3 is not configured. (Default: <dataDir>/uploads) */
  storageDir: string;
  s3: { bucket: string; region: string; endpoint: string | undefined; forcePathStyle: boolean } | undefined;
  /** Largest accepted upload in bytes. (Default: 10 MB) */
  uploadMaxBytes: number;
  stripe: {
    secretKey: string | undefined;
    webhookSecret: string | undefined;
    apiUrl: string | undefined;
    /** How long one Stripe API request may take before the client gives up (and retries). (Default: 20000) */
    timeoutMs: number;
  };
  superAdmin: { email: string; password: string } | undefined;
  /** IANA zone that defines "today" for the queue and the default zone of patients. (Default: UTC) */
  clinicTimeZone: string;
  /** Jobs one worker process runs at once. (Default: 5) */
  workerConcurrency: number;
  /** Whether the web process also runs the worker. (Default: true for `npm start`, false for `web`) */
  runWorker: boolean;
  /** bcrypt cost factor; tests lower it to keep the suite fast. (Default: 12) */
  bcryptRounds: number;
  /** Failed auth attempts per account per lockout window before 429. (Default: 10) */
  authRateLimitPerAccount: number;
  /**
   * Length of the per-account window of failed sign-in, OTP and password attempts, i.e. how long
   * an account stays locked. (Default: 15 in production and test, 1 in development)
   */
  authLockoutMinutes: number;
  /** Auth requests per IP per 15 minutes before 429. (Default: 300) */
  authRateLimitPerIp: number;
  /** Registrations per IP per hour before 429; each one emails an address the caller chose. (Default: 20) */
  registerRateLimitPerIp: number;
  /** Server-Sent Event streams one user may hold open at once in one web process; the next is 429. (Default: 5) */
  sseMaxStreamsPerUser: number;
  /** Largest image (width × height) the thumbnail and avatar jobs decode; larger ones fail cleanly. (Default: 40000000) */
  imageMaxPixels: number;
  /** Images one process decodes at once (thumbnails, avatars); bounds their memory. (Default: 2) */
  imageConcurrency: number;
  /** Uploads (reports, avatars) per user per hour before 429 `rate_limited`. (Default: 100) */
  uploadRateLimitPerHour: number;
  /** Stored report bytes per patient (a patient user's own quota), in MB, before 413 `quota_exceeded`. (Default: 1024) */
  uploadQuotaMb: number;
  /** Hours before an appointment at which reminders go out. (Default: 24,1) */
  appointmentReminderHours: number[];
  /** A patient may cancel until this many hours before the start; staff any time. (Default: 2) */
  patientCancelCutoffHours: number;
  /** Minutes after an appointment's end at which a still-confirmed one becomes no-show; 0 disables. (Default: 60) */
  autoNoShowMinutes: number;
  /** Minutes a pending appointment that must be paid holds its slot. (Default: 30) */
  paymentHoldMinutes: number;
  /** Refund policy copied onto each appointment at booking. */
  refundPolicy: { fullRefundHours: number; latePercent: number };
  /** Minutes before a medication dose at which the reminder is sent. (Default: 10) */
  medicationReminderMinutes: number;
  /** Heartbeat age after which a worker is presumed dead and its jobs unlocked. (Default: 120) */
  workerStaleSeconds: number;
  /** First delay before a dead worker runner is restarted; doubles per failed start. (Default: 1000 ms) */
  workerRestartMinMs: number;
  /** Longest delay between restarts of a dead worker runner. (Default: 30000 ms) */
  workerRestartMaxMs: number;
  /** Registers the `fault_probe` task (fault-injection suite only). (Default: false) */
  faultProbeTask: boolean;
  /** Bearer token for GET /metrics; undefined leaves /metrics to loopback callers only. */
  metricsToken: string | undefined;
  /** Days of job history kept. (Default: 14) */
  jobHistoryDays: number;
  /** pino log level. (Default: info; silent in tests) */
  logLevel: string;
  /** Lots expiring within this many days are announced by the daily expiry alert. (Default: 30) */
  inventoryExpiryAlertDays: number;
  /** Telehealth messaging and video (docs/telehealth.md). */
  telehealth: {
    /**
     * Minutes a message may stay unread before its recipient gets one email; decimals allowed
     * (0.05 = 3 s, for tests). (Default: 15)
     */
    messageEmailDelayMinutes: number;
    /** Messages one user may send per minute before 429. (Default: 30) */
    messageRateLimitPerMinute: number;
    /** Agora project credentials; undefined answers video routes with 503 `video_not_configured`. */
    agora: { appId: string; appCertificate: string } | undefined;
  };
}

/** A configuration problem that names the variable at fault; start-up prints it and exits. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function decimal(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, `must be a number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name)?.toLowerCase();
  if (raw === undefined) return def;
  if (['true', '1', 'yes', 'web'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use one of ${protocols.join(', ')}`);
  }
  return raw;
}

/** Parses `3600`, `45s`, `15m`, `12h` or `7d` into seconds. */
export function parseDuration(name: string, raw: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!m) throw new ConfigError(name, `must be seconds or a duration like 15m, 12h, 7d; got "${raw}"`);
  const n =
    Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const)[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (n < 60 || n > 30 * 86400) throw new ConfigError(name, 'must be between 1 minute and 30 days');
  return n;
}

function zone(env: Env, name: string): string {
  const z = str(env, name) ?? 'UTC';
  if (!isValidTimeZone(z)) throw new ConfigError(name, `unknown IANA time zone "${z}"`);
  return z;
}

function locale(env: Env, name: string): string {
  const l = str(env, name) ?? 'en';
  let supported: string[] = [];
  try {
    supported = Intl.NumberFormat.supportedLocalesOf([l]);
  } catch {
    // an invalid tag throws RangeError; reported below
  }
  if (!supported.length) throw new ConfigError(name, `unknown or unsupported locale "${l}"`);
  return l;
}

/**
 * Reads and validates the configuration.
 * Throws {@link ConfigError} naming the first bad variable, so start-up stops with a clear message.
 */
export function loadConfig(env: Env = process.env, defaults: { runWorker?: boolean } = {}): Config {
  const nodeEnvRaw = str(env, 'NODE_ENV') ?? 'development';
  if (!['development', 'test', 'production'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', 'must be development, test or production');
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];
  const port = int(env, 'PORT', 3000, 0, 65535);
  const dataDir = str(env, 'DATA_DIR') ?? '.data';
  const jwtSecret = str(env, 'JWT_SECRET');
  if (nodeEnv === 'production' && !jwtSecret)
    throw new ConfigError('JWT_SECRET', 'is required in production');
  if (jwtSecret && jwtSecret.length < 32)
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');

  const s3Bucket = str(env, 'S3_BUCKET');
  const superEmail = str(env, 'SUPER_ADMIN_EMAIL');
  const superPassword = str(env, 'SUPER_ADMIN_PASSWORD');
  if (Boolean(superEmail) !== Boolean(superPassword)) {
    throw new ConfigError(superEmail ? 'SUPER_ADMIN_PASSWORD' : 'SUPER_ADMIN_EMAIL', 'set both or neither');
  }
  if (superEmail && !/^[^@\s]+@[^@\s]+$/.test(superEmail)) {
    throw new ConfigError('SUPER_ADMIN_EMAIL', 'must be an email address');
  }
  if (superPassword && (superPassword.length < 8 || superPassword.length > 128)) {
    throw new ConfigError('SUPER_ADMIN_PASSWORD', 'must be 8 to 128 characters');
  }

  const reminderRaw = str(env, 'APPOINTMENT_REMINDER_HOURS') ?? '24,1';
  const appointmentReminderHours = reminderRaw.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || n > 24 * 14) {
      throw new ConfigError(
        'APPOINTMENT_REMINDER_HOURS',
        'must be a comma-separated list of whole hours (1..336)',
      );
    }
    return n;
  });

  const logLevel = str(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', 'must be one of fatal, error, warn, info, debug, trace, silent');
  }

  const agoraAppId = str(env, 'AGORA_APP_ID');
  const agoraCert = str(env, 'AGORA_APP_CERTIFICATE');
  if (Boolean(agoraAppId) !== Boolean(agoraCert)) {
    throw new ConfigError(agoraAppId ? 'AGORA_APP_CERTIFICATE' : 'AGORA_APP_ID', 'set both or neither');
  }
  if (agoraAppId && !/^[0-9a-f]{32}$/i.test(agoraAppId))
    throw new ConfigError('AGORA_APP_ID', 'must be the 32-character hex App ID of an Agora project');
  if (agoraCert && !/^[0-9a-f]{32}$/i.test(agoraCert))
    throw new ConfigError('AGORA_APP_CERTIFICATE', 'must be the 32-character hex primary certificate');

  return {
    nodeEnv,
    port,
    host: str(env, 'HOST') ?? '0.0.0.0',
    trustProxy: bool(env, 'TRUST_PROXY', false),
    appUrl: (url(env, 'APP_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/$/, ''),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 10, 2, 200),
    dataDir,
    jwtSecret,
    jwtTtlSeconds: parseDuration('JWT_TTL', str(env, 'JWT_TTL') ?? '12h'),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: str(env, 'MAIL_FROM') ?? 'clinicflow <no-reply@clinicflow.local>',
    clinicName: str(env, 'CLINIC_NAME') ?? 'clinicflow',
    clinicLocale: locale(env, 'CLINIC_LOCALE'),
    storageDir: str(env, 'STORAGE_DIR') ?? `${dataDir}/uploads`,
    s3: s3Bucket
      ? {
          bucket: s3Bucket,
          region: str(env, 'S3_REGION') ?? 'us-east-1',
          endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
          forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', false),
        }
      : undefined,
    uploadMaxBytes: int(env, 'UPLOAD_MAX_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    stripe: {
      secretKey: str(env, 'STRIPE_SECRET_KEY'),
      webhookSecret: str(env, 'STRIPE_WEBHOOK_SECRET'),
      apiUrl: url(env, 'STRIPE_API_URL', ['http:', 'https:']),
      timeoutMs: int(env, 'STRIPE_TIMEOUT_MS', 20_000, 100, 120_000),
    },
    superAdmin: superEmail && superPassword ? { email: superEmail, password: superPassword } : undefined,
    clinicTimeZone: zone(env, 'CLINIC_TIME_ZONE'),
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 5, 1, 200),
    runWorker: bool(env, 'RUN_WORKER', defaults.runWorker ?? true),
    bcryptRounds: int(env, 'BCRYPT_ROUNDS', 12, 4, 15),
    authRateLimitPerAccount: int(env, 'AUTH_RATE_LIMIT_PER_ACCOUNT', 10, 1, 100000),
    authRateLimitPerIp: int(env, 'AUTH_RATE_LIMIT_PER_IP', 300, 1, 1000000),
    authLockoutMinutes: int(env, 'AUTH_LOCKOUT_MINUTES', nodeEnv === 'development' ? 1 : 15, 1, 24 * 60),
    registerRateLimitPerIp: int(env, 'REGISTER_RATE_LIMIT_PER_IP', 20, 1, 1000000),
    sseMaxStreamsPerUser: int(env, 'SSE_MAX_STREAMS_PER_USER', 5, 1, 1000),
    imageMaxPixels: int(env, 'IMAGE_MAX_PIXELS', 40_000_000, 1_000_000, 268_402_689),
    imageConcurrency: int(env, 'IMAGE_CONCURRENCY', 2, 1, 64),
    uploadRateLimitPerHour: int(env, 'UPLOAD_RATE_LIMIT_PER_HOUR', 100, 1, 1000000),
    uploadQuotaMb: int(env, 'UPLOAD_QUOTA_MB', 1024, 1, 100 * 1024 * 1024),
    appointmentReminderHours,
    patientCancelCutoffHours: int(env, 'PATIENT_CANCEL_CUTOFF_HOURS', 2, 0, 24 * 14),
    autoNoShowMinutes: int(env, 'AUTO_NO_SHOW_MINUTES', 60, 0, 24 * 60),
    paymentHoldMinutes: int(env, 'PAYMENT_HOLD_MINUTES', 30, 30, 24 * 60),
    refundPolicy: {
      fullRefundHours: int(env, 'REFUND_FULL_HOURS', 24, 0, 24 * 30),
      latePercent: int(env, 'REFUND_LATE_PERCENT', 50, 0, 100),
    },
    medicationReminderMinutes: int(env, 'MEDICATION_REMINDER_MINUTES', 10, 0, 120),
    workerStaleSeconds: int(env, 'WORKER_STALE_SECONDS', 120, 10, 86400),
    workerRestartMinMs: int(env, 'WORKER_RESTART_MIN_MS', 1000, 10, 600_000),
    workerRestartMaxMs: int(env, 'WORKER_RESTART_MAX_MS', 30_000, 10, 600_000),
    faultProbeTask: bool(env, 'FAULT_PROBE_TASK', false),
    metricsToken: str(env, 'METRICS_TOKEN'),
    jobHistoryDays: int(env, 'JOB_HISTORY_DAYS', 14, 1, 3650),
    logLevel,
    inventoryExpiryAlertDays: int(env, 'INVENTORY_EXPIRY_ALERT_DAYS', 30, 1, 365),
    telehealth: {
      messageEmailDelayMinutes: decimal(env, 'MESSAGE_EMAIL_DELAY_MINUTES', 15, 0.01, 7 * 24 * 60),
      messageRateLimitPerMinute: int(env, 'MESSAGE_RATE_LIMIT_PER_MINUTE', 30, 1, 100000),
      agora: agoraAppId && agoraCert ? { appId: agoraAppId, appCertificate: agoraCert } : undefined,
    },
  };
}
