/**
 * BGP codec and loopback benchmarks for src/bgp.
 *
 * `runCodecBench()` (called by bench/bgp.ts) measures UPDATE throughput on a BIRD-like table
 * (IPv4 /24s, ~1,000 distinct attribute sets, UPDATEs packed to 4096 octets):
 * - decode to objects (`decodeUpdate`), the general codec path;
 * - ingest into an Adj-RIB-In (the speaker's fast path: interned attributes, compact tables);
 * - encode (`packUpdates`, the speaker's send path).
 * The reference is FRR bgpd's receive rate measured on this machine (INTEROP.md: 1M routes in 33 s).
 *
 * `runLoopbackBench(n)` runs two of our own speakers in separate processes over loopback: the sender
 * announces n routes, the receiver reports the time until it holds all of them and its RSS per route.
 * Run directly: `npx tsx bench/bgp-codec.ts [routes]` (default 1,000,000) prints both.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { decodeUpdate, createSpeaker, type PathAttributes, type Route } from '../src/bgp/index.ts';
import { packUpdates } from '../src/bgp/update-packer.ts';
import { AdjRibOut } from '../src/bgp/adj-rib-out.ts';
import { AdjRibIn } from '../src/bgp/adj-rib-in.ts';
import { AttrIntern, ingestUpdate } from '../src/bgp/update-ingest.ts';
import { encodeAttributes } from '../src/bgp/attributes.ts';
import { ByteWriter } from '../src/bgp/bytes.ts';
import type { Figure } from './figures.ts';
export type { Figure } from './figures.ts';


const FRR_RATE = 1_000_000 / 33; // prefixes/s, INTEROP.md "BIRD sends 1M routes to FRR in 33 s"

/** ~1,000 distinct attribute sets like the bench table: 32-bit private origin ASNs, communities. */
export function syntheticAttrs(count = 1000): PathAttributes[] {
  const out: PathAttributes[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      origin: 'igp',
      asPath: [{ type: 'sequence', asns: [65002, 4200000000 + (i % 97), 4200001000 + i] }],
      nextHop: '203.0.113.2',
      communities: [65002 * 65536 + (i % 50)],
    });
  }
  return out;
}

/** Route i: 10.0.0.0/8 + i as /24 (i < 2^24 covers 16M /24s). */
export function syntheticRoutes(n: number, attrs: PathAttributes[]): Route[] {
  const routes: Route[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = 16 + (i >>> 16);
    routes[i] = { prefix: `${a}.${(i >>> 8) & 255}.${i & 255}.0/24`, attrs: attrs[i % attrs.length] };
  }
  return routes;
}

function encodeTable(routes: Route[]): Uint8Array[] {
  const out = new AdjRibOut();
  out.announce(routes);
  const ctx = { fourOctet: true };
  const cache = new Map<PathAttributes, Uint8Array>();
  return [
    ...packUpdates((out.markAllDirty(), out.takeChanges()), {
      maxLength: 4096,
      addPathIpv4: false,
      addPathIpv6: false,
      exportAttrs: (a) => {
        let s = cache.get(a);
        if (!s) {
          const w = new ByteWriter(128);
          encodeAttributes(a, ctx, { nextHop: true }, w);
          cache.set(a, (s = w.result()));
        }
        return { section: s, nextHop: a.nextHop };
      },
    }),
  ];
}

function rate(n: number, ms: number): number {
  return Math.round(n / (ms / 1000));
}

export async function runCodecBench(n = 1_000_000): Promise<Figure[]> {
  const attrs = syntheticAttrs();
  const routes = syntheticRoutes(n, attrs);
  // Group routes by attribute set as a real sender would (BIRD packs per attribute set).
  routes.sort((x, y) => attrs.indexOf(x.attrs) - attrs.indexOf(y.attrs));
  // CPU time of this process: other work on a shared machine does not distort the figure.
  const cpuMs = (f: () => void): number => {
    const c = process.cpuUsage();
    f();
    const d = process.cpuUsage(c);
    return (d.user + d.system) / 1000;
  };
  let msgs: Uint8Array[] = [];
  const encodeMs = cpuMs(() => (msgs = encodeTable(routes)));
  let decoded = 0;
  const decodeMs = cpuMs(() => {
    for (const m of msgs) decoded += decodeUpdate(m, { fourOctet: true }).nlri.length;
  });
  const intern = new AttrIntern();
  const rib = new AdjRibIn(intern);
  const ingestMs = cpuMs(() => {
    for (const m of msgs) ingestUpdate(m, { fourOctet: true, families: ['ipv4', 'ipv6'] }, intern, rib, false);
  });
  if (decoded !== n || rib.count() !== n) throw new Error(`codec bench lost routes: decoded ${decoded}, ingested ${rib.count()} of ${n}`);

  const ref = `FRR bgpd receive rate on this machine (INTEROP.md, 1M in 33 s)`;
  const fig = (name: string, value: number, goalFactor: number): Figure => ({
    name,
    value,
    unit: 'prefixes/s',
    reference: ref,
    referenceValue: Math.round(FRR_RATE),
    goal: `≥ ${goalFactor}× reference`,
    met: value >= FRR_RATE * goalFactor,
  });
  return [
    fig('bgp codec: UPDATE decode to objects (decodeUpdate), CPU time', rate(n, decodeMs), 1),
    fig('bgp codec: UPDATE ingest into Adj-RIB-In (interned fast path), CPU time', rate(n, ingestMs), 10),
    fig('bgp codec: UPDATE encode (Adj-RIB-Out + packUpdates, 4096 octets), CPU time', rate(n, encodeMs), 10),
    {
      name: 'bgp codec: /24 prefixes packed per UPDATE',
      value: Math.round(n / msgs.length),
      unit: 'prefixes/message',
      reference: 'routes per attribute set in the table',
      referenceValue: Math.round(n / attrs.length),
      goal: 'one UPDATE per attribute set while it fits in 4096 octets',
      met: msgs.length <= Math.ceil(n / Math.min(n / attrs.length, 1000)) + attrs.length,
    },
  ];
}

/** Receiver process: holds routes from one peer, reports when it has `expect` of them. */
async function receiver(expect: number): Promise<void> {
  const sp = createSpeaker({}, { asn: 65010, routerId: '10.255.0.10', listen: { host: '127.0.0.1', port: 0 } });
  sp.addPeer({ address: '127.0.0.1', asn: 65011, passive: true, holdTime: 90 });
  await sp.start();
  const rssBase = process.memoryUsage().rss;
  process.send!({ port: sp.address()!.port, rssBase });
  let started = 0;
  let cpu0 = process.cpuUsage();
  sp.on('state', (e: { to: string }) => {
    if (e.to === 'Established') {
      started = performance.now();
      cpu0 = process.cpuUsage();
    }
  });
  const timer = setInterval(() => {
    const c = sp.routeCountIn('127.0.0.1');
    if (c >= expect && started) {
      clearInterval(timer);
      const ms = performance.now() - started;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      globalThis.gc?.();
      const mem = process.memoryUsage();
      process.send!({ done: true, ms, cpuMs, rss: mem.rss, heap: mem.heapUsed, rssBase, interned: sp.internedAttributeSets() });
    }
  }, 20);
  process.on('message', async (m: { stop?: boolean }) => {
    if (m.stop) {
      await sp.stop();
      process.exit(0);
    }
  });
}

export async function runLoopbackBench(n = 1_000_000): Promise<Figure[]> {
  const child = fork(fileURLToPath(import.meta.url), ['--receiver', String(n)], { execArgv: ['--import', 'tsx', '--expose-gc'] });
  const [ready] = (await once(child, 'message')) as [{ port: number; rssBase: number }];
  const attrs = syntheticAttrs();
  const routes = syntheticRoutes(n, attrs);
  const sp = createSpeaker({}, { asn: 65011, routerId: '10.255.0.11', listen: false });
  sp.addPeer({ address: '127.0.0.1', port: ready.port, asn: 65010, holdTime: 90, connectRetrySec: 1 });
  sp.announce('127.0.0.1', routes);
  await sp.start();
  const cpuSender = process.cpuUsage();
  const [done] = (await once(child, 'message')) as [{ ms: number; cpuMs: number; rss: number; heap: number; rssBase: number; interned: number }];
  const senderCpu = process.cpuUsage(cpuSender);
  child.send({ stop: true });
  await sp.stop();
  await once(child, 'exit');
  const sec = done.ms / 1000;
  const perRoute = Math.round(done.rss / n);
  const frrSec = 33;
  return [
    {
      name: `bgp loopback: ${n} IPv4 routes from our speaker, time until all held`,
      value: Math.round(sec * 100) / 100,
      unit: 's',
      reference: 'FRR bgpd receiving 1M routes from BIRD (INTEROP.md)',
      referenceValue: frrSec,
      goal: 'faster than FRR',
      met: sec < frrSec * (n / 1_000_000),
    },
    {
      name: `bgp loopback: receiver CPU time for ${n} routes (sender used ${Math.round((senderCpu.user + senderCpu.system) / 1e4) / 100} s)`,
      value: Math.round(done.cpuMs / 10) / 100,
      unit: 's',
      reference: 'FRR bgpd wall time for 1M routes (INTEROP.md)',
      referenceValue: frrSec,
      goal: 'informational: CPU seconds are independent of other load on the machine',
      met: true,
    },
    {
      name: `bgp loopback: receiver RSS per route (${n} routes, ${done.interned} interned attribute sets)`,
      value: perRoute,
      unit: 'bytes/route',
      reference: 'FRR bgpd RSS holding 1M routes (INTEROP.md, 676 MB)',
      referenceValue: 676,
      goal: '≤ 300 bytes/route',
      met: perRoute <= 300,
    },
    {
      name: 'bgp loopback: receiver RSS increase per route',
      value: Math.round((done.rss - done.rssBase) / n),
      unit: 'bytes/route',
      reference: 'receiver RSS before the session',
      referenceValue: Math.round(done.rssBase / 1e6),
      goal: 'informational (reference in MB)',
      met: true,
    },
  ];
}

function print(figs: Figure[]): void {
  for (const f of figs) {
    const ratio = f.referenceValue ? (f.value / f.referenceValue).toFixed(2) : '-';
    console.log(`${f.name}: ${f.value} ${f.unit} | ${f.reference}: ${f.referenceValue} | ratio ${ratio} | goal ${f.goal}: ${f.met ? 'met' : 'NOT met'}`);
  }
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (process.argv[2] === '--receiver') {
  void receiver(Number(process.argv[3]));
} else if (isMain) {
  const n = Number(process.argv[2] ?? 1_000_000);
  print(await runCodecBench());
  print(await runLoopbackBench(n));
}
