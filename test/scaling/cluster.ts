import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root; the production build lives in `<root>/dist`. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** How a child process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Environment variables every child gets besides its own; nothing else leaks in from the test run. */
const PASSTHROUGH = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'];

/**
 * One `node dist/bin/<entry>.js` process of the production build, with its output kept (last
 * 400 lines) so a failing proof can show what the process said.
 */
export class BuiltProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  readonly lines: string[] = [];
  exit: ExitInfo | undefined;

  constructor(
    readonly name: string,
    entry: 'web' | 'worker' | 'migrate',
    env: Record<string, string>,
  ) {
    const script = path.join(projectRoot, 'dist', 'bin', `${entry}.js`);
    if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
    const base = Object.fromEntries(
      PASSTHROUGH.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]),
    );
    this.child = spawn(process.execPath, [script], {
      cwd: projectRoot,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        this.lines.push(line);
        if (this.lines.length > 400) this.lines.shift();
      }
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** pino lines at level error (50) or fatal (60). */
  errorLines(): string[] {
    return this.lines.filter((l) => {
      try {
        return (JSON.parse(l) as { level?: number }).level! >= 50;
      } catch {
        return false;
      }
    });
  }

  /** Sends SIGTERM and waits for the exit; rejects if the process is still alive after `timeoutMs`. */
  async terminate(timeoutMs = 15_000): Promise<ExitInfo & { ms: number }> {
    const t0 = Date.now();
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`${this.name} did not exit within ${timeoutMs} ms of SIGTERM\n${this.tail()}`)),
        timeoutMs,
      );
    });
    try {
      const info = await Promise.race([this.exited, timeout]);
      return { ...info, ms: Date.now() - t0 };
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL if still running (teardown: never leave an orphan behind). */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  tail(n = 40): string {
    return `--- last output of ${this.name} (pid ${this.child.pid}) ---\n${this.lines.slice(-n).join('\n')}`;
  }
}

/** Runs a build entry point to completion (the Procfile `release` step) and returns its exit. */
export async function runToCompletion(
  name: string,
  entry: 'migrate',
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<BuiltProcess> {
  const p = new BuiltProcess(name, entry, env);
  const timer = setTimeout(() => void p.kill(), timeoutMs);
  await p.exited;
  clearTimeout(timer);
  return p;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `GET <baseUrl>/readyz` until it answers 200; fails early if the process exits. */
export async function waitReady(proc: BuiltProcess, baseUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.running) throw new Error(`${proc.name} exited (${JSON.stringify(proc.exit)})\n${proc.tail()}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${proc.name} not ready after ${timeoutMs} ms\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
