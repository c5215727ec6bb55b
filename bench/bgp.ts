/**
 * BGP table-transfer benchmark: BIRD 2 sends a full synthetic IPv4 table (default 1,000,000 /24s,
 * 1,000 distinct AS paths of 2–5 ASNs plus a large community, set by per-protocol import filters on
 * 1,000 static protocols; next hop 203.0.113.2 via `next hop address`) to
 *   1. bandex's speaker, in a child process (so its RSS is its own), then
 *   2. FRR bgpd (alone, -Z), the reference, in the same run,
 * one after the other so each receiver has the machine to itself. For each: time from session
 * Established until it holds every route, and RSS growth per route (VmRSS after − before, / routes;
 * the Node child runs a GC before each reading). Then the codec throughput from bench/bgp-codec.ts.
 * Writes bench/results/bgp.json. `BENCH_ROUTES=N` shrinks the table.
 * Run: npm run bench:bgp
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { BirdDaemon, FrrDaemon, birdProtoName, waitFor, sleep } from '../test/bgp/harness/index.ts';
import { createSpeaker } from '../src/bgp/index.ts';
import { type Figure, writeFigures } from './figures.ts';


const N = Number(process.env.BENCH_ROUTES ?? 1_000_000);
const PATHS = 1000;
const BIRD = { address: '127.0.1.2', port: 11895, asn: 65002 };
const BANDEX = { address: '127.0.1.1', asn: 65001 };
const FRR = { address: '127.0.1.5', port: 11896, asn: 65005 };

const prefixOf = (i: number): string => `${16 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`;

/** 1,000 static protocols `t0..t999`, each holding its share of the table and setting one AS path. */
function tableConfig(n: number): string {
  const out: string[] = [];
  const per = Math.ceil(n / PATHS);
  for (let p = 0; p < PATHS && p * per < n; p++) {
    const path = [4200000000 + p, 64512 + (p % 400), 4200100000 + (p % 37), 4200200000 + (p % 11), 65100 + (p % 7)].slice(0, 2 + (p % 4));
    const prepend = [...path].reverse().map((a) => `bgp_path.prepend(${a});`).join(' ');
    out.push(`protocol static t${p} {`, `  ipv4 { import filter { ${prepend} bgp_large_community.add((65002, ${p}, 1)); accept; }; };`);
    for (let i = p * per; i < Math.min(n, (p + 1) * per); i++) out.push(`  route ${prefixOf(i)} blackhole;`);
    out.push('}');
  }
  return out.join('\n');
}

function vmRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Child process: one speaker dialling BIRD; reports when it holds `n` routes. */
async function bandexChild(n: number): Promise<void> {
  const sp = createSpeaker({}, { asn: BANDEX.asn, routerId: BANDEX.address, listen: false, holdTime: 90 });
  await sp.start();
  globalThis.gc?.();
  process.send!({ ready: true });
  await once(process, 'message');
  let established = 0;
  sp.on('state', (e: { to: string }) => {
    if (e.to === 'Established') established = performance.now();
  });
  sp.addPeer({ address: BIRD.address, port: BIRD.port, asn: BIRD.asn, localAddress: BANDEX.address, families: ['ipv4'], connectRetrySec: 1 });
  const timer = setInterval(() => {
    if (!established || sp.routeCountIn(BIRD.address) < n) return;
    clearInterval(timer);
    const ms = performance.now() - established;
    globalThis.gc?.();
    process.send!({ done: true, ms, interned: sp.internedAttributeSets() });
  }, 20);
  await once(process, 'message');
  await sp.stop();
  process.exit(0);
}

async function runBandex(): Promise<{ sec: number; perRoute: number; interned: number }> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--bandex-child', String(N)], { execArgv: ['--import', 'tsx', '--expose-gc'] });
  try {
    await once(child, 'message');
    await sleep(500);
    const before = vmRss(child.pid!);
    child.send({ go: true });
    const [done] = (await once(child, 'message')) as [{ ms: number; interned: number }];
    await sleep(200);
    const after = vmRss(child.pid!);
    child.send({ stop: true });
    await once(child, 'exit');
    return { sec: done.ms / 1000, perRoute: (after - before) / N, interned: done.interned };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function runFrr(bird: BirdDaemon): Promise<{ sec: number; perRoute: number }> {
  const frr = new FrrDaemon({ ...FRR, neighbors: [{ address: BIRD.address, port: BIRD.port, asn: BIRD.asn, families: ['ipv4'] }] });
  try {
    await frr.start();
    await sleep(1000);
    const before = vmRss(frr.pid()!);
    await bird.enableNeighbor(FRR.address);
    await frr.waitEstablished(BIRD.address, 60_000);
    const t0 = performance.now();
    await waitFor('FRR holds the table', async () => ((await frr.receivedCount(BIRD.address, 'ipv4')) >= N ? true : undefined), 600_000, 250);
    const sec = (performance.now() - t0) / 1000;
    const after = vmRss(frr.pid()!);
    return { sec, perRoute: (after - before) / N };
  } finally {
    await frr.stop();
  }
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const bird = new BirdDaemon({
    ...BIRD,
    neighbors: [
      { address: BANDEX.address, port: 11897, asn: BANDEX.asn, passive: true, families: ['ipv4'] },
      { address: FRR.address, port: FRR.port, asn: FRR.asn, passive: true, families: ['ipv4'], disabled: true },
    ],
    exportFilter: { ipv4: 'where proto ~ "t*"' },
    extraConfig: tableConfig(N),
    startTimeoutMs: 300_000,
  });
  try {
    const t0 = performance.now();
    await bird.start();
    await waitFor('BIRD loads the table', async () => {
      const m = /(\d+) of \d+ routes/.exec(await bird.birdc('show', 'route', 'table', 'master4', 'count'));
      return m && Number(m[1]) >= N ? true : undefined;
    }, 600_000, 500);
    console.log(`BIRD loaded ${N} routes in ${((performance.now() - t0) / 1000).toFixed(1)} s (${birdProtoName({ address: BANDEX.address, port: 11897, asn: BANDEX.asn })})`);

    const ours = await runBandex();
    console.log(`bandex: ${N} routes in ${ours.sec.toFixed(2)} s, ${ours.perRoute.toFixed(0)} bytes/route, ${ours.interned} interned attribute sets`);
    const ref = await runFrr(bird);
    console.log(`FRR bgpd: ${N} routes in ${ref.sec.toFixed(2)} s, ${ref.perRoute.toFixed(0)} bytes/route`);

    figures.push(
      {
        name: `BIRD → bandex speaker, ${N} IPv4 routes (${PATHS} AS paths): time until all held`,
        value: round(ours.sec),
        unit: 's',
        reference: 'FRR bgpd 8.4, same table, same run',
        referenceValue: round(ref.sec),
        goal: 'faster than FRR',
        met: ours.sec < ref.sec,
      },
      {
        name: `bandex speaker RSS growth per route (${N} routes)`,
        value: Math.round(ours.perRoute),
        unit: 'bytes/route',
        reference: 'FRR bgpd 8.4, same table, same run',
        referenceValue: Math.round(ref.perRoute),
        goal: '≤ 300 bytes/route',
        met: ours.perRoute <= 300,
      },
    );
  } finally {
    await bird.stop();
  }

  const codecPath = join(dirname(fileURLToPath(import.meta.url)), 'bgp-codec.ts');
  if (existsSync(codecPath)) {
    const mod = (await import('./bgp-codec.ts')) as { runCodecBench?: (n?: number) => Promise<Figure[]> };
    if (mod.runCodecBench) figures.push(...(await mod.runCodecBench(N)));
    else console.log('note: bench/bgp-codec.ts has no runCodecBench(); codec throughput skipped');
  } else {
    console.log('note: bench/bgp-codec.ts absent; codec throughput skipped');
  }

  for (const f of figures) {
    const ratio = f.referenceValue ? (f.value / f.referenceValue).toFixed(2) : '-';
    console.log(`${f.name}: ${f.value} ${f.unit} | ${f.reference}: ${f.referenceValue} ${f.unit} | ratio ${ratio} | goal ${f.goal}: ${f.met ? 'met' : 'NOT met'}`);
  }
  writeFigures('bgp', figures);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (process.argv[2] === '--bandex-child') await bandexChild(Number(process.argv[3]));
else await main();
