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

/** Creates the process's structured JSON logger. */
export function createLogger(level: string, name = 'clinicflow'): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
