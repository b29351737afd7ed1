/**
 * Hooks run when the process drains on SIGTERM, before the HTTP server and the database close:
 * long-lived responses (SSE streams) end themselves here so `server.close()` can finish.
 */
const hooks = new Set<() => void | Promise<void>>();

/** Registers a drain hook; returns a function that unregisters it. */
export function onShutdown(fn: () => void | Promise<void>): () => void {
  hooks.add(fn);
  return () => hooks.delete(fn);
}

/** Runs and clears every registered hook. */
export async function runShutdownHooks(): Promise<void> {
  const all = [...hooks];
  hooks.clear();
  await Promise.allSettled(all.map((fn) => fn()));
}
