/**
 * Runs the real `bandex serve` as a child process on a free port (`--listen 127.0.0.1:0`) and
 * stops it by PID. The admin key printed on first start is captured; every child is killed at
 * process exit even when a test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/bandex.js');

export interface Served {
  url: string;
  pid: number;
  dataDir: string;
  /** The admin key printed at first start, or the one passed with --admin-token. */
  adminToken: string;
  stdout(): string;
  stderr(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

/** SIGKILLs every server this process spawned that is still running (call it in afterAll). */
export function killAllServed(): void {
  for (const c of children) {
    if (c.pid && c.exitCode === null) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
const tempDirs: string[] = [];
process.on('exit', () => {
  killAllServed();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

export interface SpawnOptions {
  /** Extra arguments after `serve`. */
  args?: string[];
  dataDir?: string;
  /** Omit --data-dir (e.g. when --database is given). */
  noDataDir?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function spawnServe(opts: SpawnOptions = {}): Promise<Served> {
  let dataDir = opts.dataDir;
  if (dataDir === undefined) {
    dataDir = mkdtempSync(join(tmpdir(), 'bandex-serve-'));
    tempDirs.push(dataDir); // removed when the test process exits
  }
  const args = [BIN, 'serve', '--listen', '127.0.0.1:0', ...(opts.noDataDir ? [] : ['--data-dir', dataDir]), ...(opts.args ?? [])];
  const env: Record<string, string | undefined> = { ...process.env, BANDEX_LOG_LEVEL: 'warn', ...(opts.env ?? {}) };
  for (const k of Object.keys(env)) if (k.startsWith('BANDEX_') && !(opts.env && k in opts.env) && k !== 'BANDEX_LOG_LEVEL') delete env[k];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      children.delete(child);
      r(code);
    }),
  );
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => {
      // Do not leave a half-started server behind.
      if (child.exitCode === null) process.kill(child.pid as number, 'SIGKILL');
      rej(new Error(`bandex serve did not start: ${out}\n${err}`));
    }, opts.timeoutMs ?? 90_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1] as string);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`bandex serve exited with ${code}: ${out}\n${err}`));
    });
  });
  const tokenArg = opts.args?.indexOf('--admin-token') ?? -1;
  const adminToken = tokenArg >= 0 ? (opts.args?.[tokenArg + 1] ?? '') : (/admin key[^:]*: (\S+)/.exec(out)?.[1] ?? opts.env?.BANDEX_ADMIN_TOKEN ?? '');
  const pid = child.pid as number;
  return {
    url,
    pid,
    dataDir,
    adminToken,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) process.kill(pid, signal);
      return exited;
    },
    async kill9() {
      if (child.exitCode === null) process.kill(pid, 'SIGKILL');
      await exited;
    },
  };
}
