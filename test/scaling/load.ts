/** One HTTP attempt of a logical request. */
export interface Attempt {
  target: string;
  /** HTTP status, or the connection error's code when no response arrived. */
  outcome: number | string;
}

/** What happened to one logical request (index `i`). */
export interface LoadResult {
  i: number;
  attempts: Attempt[];
  /** Final HTTP status; undefined when every attempt failed to connect. */
  status?: number;
  body?: unknown;
}

export interface LoadOptions {
  /** Base URLs of the web processes; request `i` goes to `targets[i % n]` first. */
  targets: string[];
  total: number;
  concurrency: number;
  token: string;
  /** The request for index `i` (path with `/api/v1`, JSON body). */
  request: (i: number) => { method: string; path: string; body: unknown };
  /** Attempts per logical request, counting the first. (Default: 4) */
  maxAttempts?: number;
}

/**
 * A bounded load loop against several web processes, like a load balancer in front of them: a
 * request that could not be delivered (connection refused or reset before any response) is sent
 * again to the next process; a target that refuses connections is skipped from then on. A request
 * that got an HTTP response is never repeated, whatever its status.
 */
export class LoadRun {
  readonly results: LoadResult[] = [];
  /** Requests currently waiting for a response, per target. */
  readonly inFlight = new Map<string, number>();
  completed = 0;
  private readonly down = new Set<string>();

  constructor(private readonly opts: LoadOptions) {
    for (const t of opts.targets) this.inFlight.set(t, 0);
  }

  async run(): Promise<LoadResult[]> {
    let next = 0;
    const lane = async () => {
      while (next < this.opts.total) {
        const i = next++;
        this.results[i] = await this.one(i);
        this.completed += 1;
      }
    };
    await Promise.all(Array.from({ length: this.opts.concurrency }, lane));
    return this.results;
  }

  private pick(i: number, attempt: number): string {
    const { targets } = this.opts;
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(i + attempt + k) % targets.length];
      if (!this.down.has(t)) return t;
    }
    return targets[(i + attempt) % targets.length];
  }

  private async one(i: number): Promise<LoadResult> {
    const { method, path, body } = this.opts.request(i);
    const result: LoadResult = { i, attempts: [] };
    const max = this.opts.maxAttempts ?? 4;
    for (let attempt = 0; attempt < max; attempt++) {
      const target = this.pick(i, attempt);
      this.inFlight.set(target, this.inFlight.get(target)! + 1);
      try {
        const res = await fetch(target + path, {
          method,
          headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        result.attempts.push({ target, outcome: res.status });
        result.status = res.status;
        result.body = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
        return result;
      } catch (err) {
        const code = connectionErrorCode(err);
        result.attempts.push({ target, outcome: code });
        if (code === 'ECONNREFUSED') this.down.add(target);
      } finally {
        this.inFlight.set(target, this.inFlight.get(target)! - 1);
      }
    }
    return result;
  }
}

/** The code of a fetch failure (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`…). */
function connectionErrorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
