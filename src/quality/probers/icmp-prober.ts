/**
 * ICMP echo through the system's `fping` (one process, `-C` per-packet RTTs, `-S` source
 * address), falling back to iputils `ping` (`-I` source) when fping is not installed. Both need
 * raw-socket privileges (root or the binaries' file capabilities). `wrap` prefixes the command,
 * e.g. `['ip', 'netns', 'exec', 'ns1']` or `['ip', 'vrf', 'exec', 'blue']`, to probe from another
 * network namespace or VRF.
 */
import { spawn } from 'node:child_process';
import { qualityErrors } from '../errors.ts';
import type { ProbeOptions, ProbeRun } from './probe-result.ts';

export interface IcmpOptions extends ProbeOptions {
  command?: 'fping' | 'ping';
  wrap?: string[];
}

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(argv: string[], timeoutMs: number): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * fping -C output (on stderr, one line per target): `192.0.2.1 : 0.05 - 0.06`, a dash for each
 * lost packet. Returns the RTTs of the replies in send order and the count sent.
 */
export function parseFpingOutput(text: string, target: string): { sent: number; rtts: number[] } | undefined {
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m || m[1] !== target) continue;
    const fields = m[2].trim().split(/\s+/);
    if (!fields.every((f) => f === '-' || /^\d+(\.\d+)?$/.test(f))) continue;
    return { sent: fields.length, rtts: fields.filter((f) => f !== '-').map(Number) };
  }
  return undefined;
}

/** iputils ping output: `... icmp_seq=N ttl=64 time=0.05 ms` per reply, then the summary line. */
export function parsePingOutput(text: string): { sent: number; rtts: number[] } | undefined {
  const bySeq = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (line.includes('(DUP!)')) continue;
    const m = /icmp_seq=(\d+).*?time[=<]([\d.]+) ms/.exec(line);
    if (m && !bySeq.has(Number(m[1]))) bySeq.set(Number(m[1]), Number(m[2]));
  }
  const s = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(text);
  if (!s) return undefined;
  const rtts = [...bySeq.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  return { sent: Number(s[1]), rtts: rtts.slice(0, Number(s[2])) };
}

export async function icmpProbe(o: IcmpOptions, now: () => number = Date.now): Promise<ProbeRun> {
  const at = now();
  const wrap = o.wrap ?? [];
  const limit = o.count * o.intervalMs + o.timeoutMs + 5000;
  const fail = (why: string, cause?: unknown): never => {
    throw qualityErrors.make('QUALITY_PROBE_FAILED', `icmp probe of ${o.target}: ${why}`, { field: 'target', cause });
  };
  if (o.command !== 'ping') {
    const argv = [...wrap, 'fping', '-C', String(o.count), '-q', '-p', String(Math.max(1, Math.round(o.intervalMs))), '-t', String(Math.round(o.timeoutMs))];
    if (o.sourceAddress) argv.push('-S', o.sourceAddress);
    argv.push(o.target);
    let r: Exec | undefined;
    try {
      r = await run(argv, limit);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || o.command === 'fping') fail('fping could not be started', e);
    }
    if (r) {
      // Exit 0: all replied, 1: some lost; 2+: bad address, bad arguments or a system error.
      const parsed = r.code !== null && r.code <= 1 ? parseFpingOutput(r.stderr + r.stdout, o.target) : undefined;
      if (!parsed) return fail(`fping exited ${String(r.code)}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
      return { ...parsed, at };
    }
  }
  const argv = [...wrap, 'ping', '-n', '-c', String(o.count), '-i', (o.intervalMs / 1000).toFixed(3), '-W', (o.timeoutMs / 1000).toFixed(3)];
  if (o.sourceAddress) argv.push('-I', o.sourceAddress);
  argv.push(o.target);
  let r: Exec;
  try {
    r = await run(argv, limit);
  } catch (e) {
    return fail('neither fping nor ping could be started', e);
  }
  const parsed = parsePingOutput(r.stdout);
  // ping exits 1 when replies were missing (still a result), 2 on errors.
  if (!parsed || (r.code !== 0 && r.code !== 1)) return fail(`ping exited ${String(r.code)}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return { ...parsed, at };
}
