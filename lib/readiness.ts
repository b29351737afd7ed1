/**
 * What `/readyz` checks besides the database: parts of this process that must be running for it to
 * do its job (the in-process worker, when this process is meant to run one). Registered at boot.
 */
const checks = new Map<string, () => boolean>();

/** Registers (or replaces) a named check; returns a function that removes it. */
export function setReadinessCheck(name: string, isReady: () => boolean): () => void {
  checks.set(name, isReady);
  return () => {
    if (checks.get(name) === isReady) checks.delete(name);
  };
}

/** Names of the registered checks that fail now. */
export function failingReadinessChecks(): string[] {
  return [...checks].filter(([, ok]) => !ok()).map(([name]) => name);
}
