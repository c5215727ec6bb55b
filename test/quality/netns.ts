/**
 * Network namespaces for the probe tests: `bxq-<pid>-<n>` joined to the root namespace by veth
 * pairs with addresses from 100.64.0.0/10 (RFC 6598 shared space: used by nobody else here, and
 * not the machine's uplink). Everything made is recorded and removed in `cleanup()`, which the
 * tests call from afterAll and which also runs on process exit if a test dies early.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const made: { netns: string[]; links: string[]; rules: string[][]; children: ChildProcess[] } = { netns: [], links: [], rules: [], children: [] };
let hooked = false;

export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A per-process /16-ish slice of 100.64.0.0/10, so parallel runs on one host cannot collide. */
export const octet = (process.pid % 200) + 10;

export function createNetns(tag: string): string {
  if (!hooked) {
    hooked = true;
    process.once('exit', cleanup);
  }
  const name = `bxq-${process.pid}-${tag}`;
  ip('netns', 'add', name);
  made.netns.push(name);
  ip('-n', name, 'link', 'set', 'lo', 'up');
  return name;
}

/** veth from the root namespace into `ns`; returns the two interface names. */
export function veth(ns: string, tag: string, rootAddr: string, nsAddr: string): { root: string; inner: string } {
  const root = `bxq${process.pid % 100000}${tag}r`;
  const inner = `bxq${process.pid % 100000}${tag}n`;
  ip('link', 'add', root, 'type', 'veth', 'peer', 'name', inner, 'netns', ns);
  made.links.push(root);
  ip('addr', 'add', rootAddr, 'dev', root);
  ip('link', 'set', root, 'up');
  ip('-n', ns, 'addr', 'add', nsAddr, 'dev', inner);
  ip('-n', ns, 'link', 'set', inner, 'up');
  return { root, inner };
}

/** An `ip rule` in the root namespace, removed at cleanup. */
export function rule(...args: string[]): void {
  ip('rule', 'add', ...args);
  made.rules.push(args);
}

/** Runs a command in `ns` as a child; resolves when it prints a line matching `ready`. */
export async function spawnIn(ns: string, argv: string[], ready: RegExp, timeoutMs = 15_000): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  made.children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const rl = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${String(ready)}: ${err}`)), timeoutMs);
    rl.on('line', (l) => {
      if (ready.test(l)) {
        clearTimeout(t);
        resolve(l);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`exited ${String(code)}: ${err}`));
    });
  });
  return { child, line };
}

/** Packets sent (tx) on an interface inside `ns`. */
export function txPackets(ns: string, dev: string): number {
  const j = JSON.parse(ip('-n', ns, '-s', '-j', 'link', 'show', dev)) as Array<{ stats64: { tx: { packets: number } } }>;
  return j[0].stats64.tx.packets;
}

export function cleanup(): void {
  for (const c of made.children.splice(0)) {
    if (c.exitCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const r of made.rules.splice(0)) {
    try {
      execFileSync('ip', ['rule', 'del', ...r], { stdio: 'ignore' });
    } catch {
      // removed with its table
    }
  }
  for (const l of made.links.splice(0)) {
    try {
      execFileSync('ip', ['link', 'del', l], { stdio: 'ignore' });
    } catch {
      // went with its namespace
    }
  }
  for (const n of made.netns.splice(0)) {
    try {
      execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    } catch {
      // already deleted
    }
  }
}
