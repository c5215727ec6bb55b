// Process plumbing shared by every daemon launcher: spawn with a PID we remember, stop by that PID
// (SIGTERM, then SIGKILL after a grace period), a process-exit hook that kills whatever is still
// running when the test process dies, temp dirs via mkdtemp, and small polling helpers.
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<number>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = (): void => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    live.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `bandex-bgp-${prefix}-`));
}

export function removeDir(dir: string): void {
  if (process.env.BGP_KEEP_TMP) return;
  rmSync(dir, { recursive: true, force: true });
}

export interface Proc {
  pid: number;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  isRunning(): boolean;
  log(): string;
  stop(graceMs?: number): Promise<void>;
  pause(): void;
  resume(): void;
}

/** Starts `cmd args` with stdout+stderr appended to `logFile`; the PID is tracked for the exit hook. */
export function startProcess(cmd: string, args: string[], opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): Proc {
  hookExit();
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(cmd, args, {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = child.pid;
  live.add(pid);
  let running = true;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running = false;
      live.delete(pid);
      resolve(code);
    });
    child.once('error', () => {
      running = false;
      live.delete(pid);
      resolve(null);
    });
  });
  return {
    pid,
    child,
    logFile: opts.logFile,
    exited,
    isRunning: () => running,
    log: () => (existsSync(opts.logFile) ? readFileSync(opts.logFile, 'utf8') : ''),
    pause: () => {
      if (running) process.kill(pid, 'SIGSTOP');
    },
    resume: () => {
      if (running) process.kill(pid, 'SIGCONT');
    },
    async stop(graceMs = 5000): Promise<void> {
      if (!running) return;
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([exited, timer])) === 'timeout' && running) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        await exited;
      }
    },
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a short command (CLI query) and returns its output; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], timeoutMs = 15_000, input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function runOk(cmd: string, args: string[], timeoutMs = 15_000): Promise<string> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0) {
    const line = `${cmd} ${args.join(' ')}`;
    throw new Error(`${line.length > 300 ? `${line.slice(0, 300)}…` : line} failed (${r.code}): ${(r.stderr || r.stdout).slice(0, 2000)}`);
  }
  return r.stdout;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a non-undefined value; throws with `what` (and the last probe error) on timeout. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (true) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    }
    await sleep(everyMs);
  }
}
