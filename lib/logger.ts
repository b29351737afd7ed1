import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that are never written to the log, whatever object they appear in.
 * Passwords, tokens, OTPs and clinical free text stay out of log files by construction.
 */
export const REDACTED_PATHS = [
  'password',
  'newPassword',
  'oldPassword',
  'token',
  'otp',
  'authorization',
  'cookie',
  'notes',
  '*.password',
  '*.newPassword',
  '*.oldPassword',
  '*.token',
  '*.otp',
  '*.notes',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
];

/**
 * Creates the process's structured logger: JSON lines, or with `pretty` coloured, human-readable
 * lines through the `pino-pretty` transport (for a terminal in development; the same redaction
 * applies). (Default: JSON)
 */
export function createLogger(level: string, name = 'clinicflow', opts: { pretty?: boolean } = {}): Logger {
  return pino({
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(opts.pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' },
          },
        }
      : {}),
  });
}

/** Whether logs should be pretty: a terminal on stdout, outside production. */
export const wantsPrettyLogs = (nodeEnv: string): boolean =>
  Boolean(process.stdout.isTTY) && nodeEnv !== 'production';
