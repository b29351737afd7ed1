import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Mailer } from './mailer.js';

/**
 * The process's long-lived collaborators, set once at boot (by bin/ entry points or the test
 * setup) and read by domain code and tasks. Keeps constructors out of every call site.
 */
export interface Services {
  config: Config;
  logger: Logger;
  mailer: Mailer;
  /** JWT signing secret, resolved from JWT_SECRET or generated under DATA_DIR. */
  jwtSecret: string;
  /** The crontab this release's workers run (shown by the console); unset where no one asks. */
  crontab?: string;
}

let current: Services | undefined;

/** Installs the process's services. */
export function setServices(s: Services): void {
  current = s;
}

/** The process's services; throws if boot has not installed them. */
export function services(): Services {
  if (!current) throw new Error('setServices() has not been called');
  return current;
}
