// npm run bench:arbiter — the route server at scale, with real BIRD routers on a namespace exchange LAN:
// 49 seller sessions (one BIRD, one LAN address and ASN per session) announcing 200k /24s (~1,000
// distinct origin ASNs) plus one buyer BIRD. Figures:
//  - learn: time until the trade route registry holds all 200k routes (filtered), and RSS per route;
//  - trade → route present in the buyer's BIRD, p50/p99 over 1,000 trades started one after another
//    (goal p99 < 1 s); reference in the same run: the export computation per trade of the incremental
//    engine vs recomputing every export from scratch (the previous approach);
//  - re-export after a session reset: buyer session restarted while 1,000 trade routes are exported,
//    time until all are back in its BIRD; reference: the time the session alone takes to re-establish.
// Writes bench/results/arbiter.json. Needs root (network namespaces) and bird2.
// The route server dials the sellers as in production (BENCH_RS_PASSIVE=1: only they dial it);
// it prints a timeline (when each seller session came up, route-server CPU while learning);
// BENCH_BGP_LOG=FILE writes the speaker's log.
//
// `--loopback` (no daemons, no root): a quick in-process variant for profiling the learning path —
// 49 bandex speakers in a child process (one per 127.0.1.x source address) announce the same 200k
// routes to the route server over loopback TCP; figures: learn time and memory per learned route
// (heap and RSS growth after a full GC, speaker + registry + filter state). Writes
// bench/results/arbiter-loopback.json.
import { execFileSync, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createArbiter, type TradeSource } from '../src/arbiter/arbiter.ts';
import { ExportEngine } from '../src/arbiter/export-policy.ts';
import type { TradeView } from '../src/arbiter/trade-view.ts';
import { createSpeaker } from '../src/bgp/speaker.ts';
import { createReporter, systemClock } from '../src/lib/index.ts';
import { createImportFilter } from '../src/registry/route-filter.ts';
import type { MemberRouting } from '../src/registry/route-model.ts';
import { RouteRegistry } from '../src/registry/route-registry.ts';
import { makeTempDir, removeDir, run, startProcess, waitFor } from '../test/bgp/harness/proc.ts';
import { createLabNet } from '../test/arbiter/lab/netns.ts';
import { startBirdRouter } from '../test/arbiter/lab/routers.ts';
import { type Figure, writeFigures } from './figures.ts';

const SELLERS = 49;
const ROUTES = Number(process.env.BENCH_ROUTES ?? 200_000);
const TRADES = Number(process.env.BENCH_TRADES ?? 1_000);
const RS_ASN = 64999;
const RS_PORT = 12791;

const figures: Figure[] = [];
function figure(f: Figure): void {
  figures.push(f);
  const ratio = f.referenceValue ? ` (ratio ${(f.value / f.referenceValue).toFixed(3)})` : '';
  const ref = f.reference ? `  | ${f.reference}: ${f.referenceValue} ${f.unit}${ratio}` : '';
  console.log(`${f.name}: ${f.value} ${f.unit}${ref}${f.goal ? `  | goal ${f.goal}: ${f.met ? 'met' : 'NOT met'}` : ''}`);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** The j-th synthetic /24 from four public /8s (11, 21, 22, 26). */
function routePrefix(j: number): string {
  const eights = [11, 21, 22, 26];
  return `${eights[j >> 16]}.${(j >> 8) & 255}.${j & 255}.0/24`;
}

async function main(): Promise<void> {
  const lab = createLabNet('b', '192.0.2', 192, '2001:db8:4a:b');
  const cleanup: Array<() => Promise<void> | void> = [() => lab.destroy()];
  try {
    const buyerRtr = lab.addRouter(1);
    const sellerRtr = lab.addRouter(2);
    const sellerAddrs = [sellerRtr.v4];
    for (let k = 1; k < SELLERS; k++) {
      const a = `192.0.2.${195 + k}`;
      execFileSync('ip', ['-n', sellerRtr.ns, 'addr', 'add', `${a}/26`, 'dev', 'eth0']);
      sellerAddrs.push(a);
    }
    const members: MemberRouting[] = [
      { memberId: 'buyer', asns: [65100], routers: [buyerRtr.v4] },
      ...sellerAddrs.map((a, k) => ({ memberId: `s${k}`, asns: [65101 + k], routers: [a] })),
    ];
    const sellerRoutes: string[][] = sellerAddrs.map(() => []);
    for (let j = 0; j < ROUTES; j++) sellerRoutes[j % SELLERS].push(routePrefix(j));

    // --- the route server ---
    const reporter = createReporter({ destination: false });
    const registry = new RouteRegistry({ clock: systemClock, filter: createImportFilter({ bogons: { allowPrivateAsns: true } }) });
    const bgpLog = process.env.BENCH_BGP_LOG;
    const speakerDeps = bgpLog ? { log: (level: string, msg: string) => appendFileSync(bgpLog, `${Date.now()} ${level} ${msg}\n`) } : {};
    const speaker = createSpeaker(speakerDeps, { asn: RS_ASN, routerId: lab.rs4, listen: { host: lab.rs4, port: RS_PORT }, routeServer: true, holdTime: 90 });
    const trades = new Map<string, TradeView>();
    const subs: Array<(t: TradeView) => void> = [];
    const tradeSource: TradeSource = { list: () => [...trades.values()], subscribe: (fn) => (subs.push(fn), () => undefined) };
    const arbiter = createArbiter(
      { clock: systemClock, reporter, speaker, registry, members: { list: () => members, subscribe: () => () => undefined }, trades: tradeSource },
      // the same connect retry as the sellers' BIRDs use towards it and the buyer
      { asn: RS_ASN, passive: process.env.BENCH_RS_PASSIVE === '1', connectRetrySec: 2 },
    );
    await arbiter.start();
    cleanup.unshift(() => arbiter.stop());
    const heapBefore = gcMem();
    const rssBefore = process.memoryUsage().rss;

    const t0 = Date.now();
    // timeline of the learning, to tell session set-up from route transfer
    const sellerSet = new Set(sellerAddrs);
    const upAtMs: number[] = [];
    const onUp = (e: { peer: string; to: string }) => {
      if (e.to === 'Established' && sellerSet.has(e.peer)) upAtMs.push(Date.now() - t0);
    };
    speaker.on('state', onUp);
    const cpuAtStart = process.cpuUsage();
    let firstRouteMs = 0;
    const firstRoute = setInterval(() => {
      if (!firstRouteMs && registry.size > 0) firstRouteMs = Date.now() - t0;
    }, 20);
    // --- the buyer (started first), with direct sessions to every seller as the reference ---
    const direct = sellerAddrs
      .map((a, k) => [`protocol bgp d${k} {`, `  local ${buyerRtr.v4} as 65100;`, `  neighbor ${a} as ${65101 + k};`, '  ipv4 { import all; export none; };', '}'].join('\n'))
      .join('\n');
    const buyer = await startBirdRouter(buyerRtr, { asn: 65100, rsAsn: RS_ASN, rs4: lab.rs4, rs6: lab.rs6, rsPort: RS_PORT, routes: [], extraConfig: direct });
    cleanup.unshift(() => buyer.stop());
    const buyerCount = async () => Number(/(\d+) of \d+ routes/.exec((await run('birdc', ['-s', buyer.socket, 'show', 'route', 'count'], 10_000)).stdout)?.[1] ?? 0);
    let birdLearnMs = 0;
    const birdDone = (async () => {
      await waitFor('buyer BIRD learns all routes directly', async () => ((await buyerCount()) >= ROUTES ? true : undefined), 600_000, 100);
      birdLearnMs = Date.now() - t0;
    })();

    // --- the sellers: one BIRD per member router (BIRD locks one session per neighbor address and
    // port, so one process cannot hold 49 sessions to the route server) ---
    const dir = makeTempDir('bxa-bench');
    cleanup.unshift(() => removeDir(dir));
    const procs: Array<{ stop(ms?: number): Promise<void> }> = [];
    cleanup.unshift(async () => {
      await Promise.all(procs.map((p) => p.stop(10_000)));
    });
    for (let k = 0; k < SELLERS; k++) {
      const a = sellerAddrs[k];
      const conf: string[] = [`router id ${a};`, 'log stderr { warning, error, fatal };', 'protocol device {}'];
      conf.push(`protocol static st {`, '  ipv4;');
      sellerRoutes[k].forEach((p, i) => conf.push(`  route ${p} blackhole { bgp_path.prepend(${4200000000 + ((i * SELLERS + k) % 1000)}); };`));
      conf.push('}');
      conf.push(
        `protocol bgp tors {`,
        `  local ${a} as ${65101 + k}; strict bind yes;`,
        `  neighbor ${lab.rs4} port ${RS_PORT} as ${RS_ASN};`,
        '  connect delay time 1; connect retry time 2;',
        `  ipv4 { import none; export where proto = "st"; };`,
        '}',
        // the reference: the same routes straight to the buyer's BIRD, in the same run
        `protocol bgp tobuyer {`,
        `  local ${a} as ${65101 + k}; strict bind yes;`,
        `  neighbor ${buyerRtr.v4} as 65100;`,
        '  connect delay time 1; connect retry time 2;',
        `  ipv4 { import none; export where proto = "st"; };`,
        '}',
      );
      writeFileSync(join(dir, `bird${k}.conf`), conf.join('\n') + '\n');
      procs.push(
        startProcess('ip', ['netns', 'exec', sellerRtr.ns, 'bird', '-f', '-c', join(dir, `bird${k}.conf`), '-s', join(dir, `bird${k}.ctl`), '-P', join(dir, `bird${k}.pid`)], {
          logFile: join(dir, `bird${k}.log`),
        }),
      );
    }
    await waitFor('all routes learned', () => (registry.size >= ROUTES ? true : undefined), 600_000, 100);
    const learnMs = Date.now() - t0;
    clearInterval(firstRoute);
    speaker.off('state', onUp);
    const cpuLearn = process.cpuUsage(cpuAtStart);
    console.log(`timeline: seller sessions up at ${upAtMs.join(' ')} ms; first route filed ${firstRouteMs} ms, all filed ${learnMs} ms; route-server CPU ${Math.round((cpuLearn.user + cpuLearn.system) / 1000)} ms`);
    const rssPerRoute = Math.round((process.memoryUsage().rss - rssBefore) / ROUTES);
    const heapAfter = gcMem();
    const accepted = registry.routes({ status: 'accepted' }).length;
    if (accepted !== ROUTES) throw new Error(`expected ${ROUTES} accepted routes, got ${accepted}`);
    await birdDone;
    figure({
      name: `learn: ${ROUTES} routes over 49 sessions, filed and filtered (from seller start)`,
      value: learnMs,
      unit: 'ms',
      reference: 'BIRD learning the same routes from the same sellers directly',
      referenceValue: birdLearnMs,
      goal: null,
      met: null,
    });
    figure({ name: 'learn: throughput', value: Math.round(ROUTES / (learnMs / 1000)), unit: 'routes/s', reference: 'BIRD', referenceValue: Math.round(ROUTES / (birdLearnMs / 1000)), goal: null, met: null });
    figure({ name: 'memory: RSS growth per learned route (speaker RIB + registry, garbage included)', value: rssPerRoute, unit: 'bytes', reference: null, referenceValue: null, goal: null, met: null });
    const live = Math.round((heapAfter.heap - heapBefore.heap) / ROUTES);
    figure({ name: 'memory: live heap growth per learned route after a full GC (speaker + registry + filter state)', value: live, unit: 'bytes', reference: null, referenceValue: null, goal: '<= 600', met: live <= 600 });
    const rssGc = Math.round((heapAfter.rss - heapBefore.rss) / ROUTES);
    figure({ name: 'memory: RSS growth per learned route after a full GC', value: rssGc, unit: 'bytes', reference: null, referenceValue: null, goal: '<= 600', met: rssGc <= 600 });
    await waitFor('buyer session', async () => ((await buyer.established(4)) ? true : undefined), 60_000, 200);

    // --- trade → route in the buyer's BIRD ---
    const buyerSock = (buyer as unknown as { birdc(...a: string[]): Promise<string> }).birdc;
    const buyerCtl = buyer.socket;
    // birdc exits 1 with "Network not found" until the route is there
    const present = async (p: string) => (await run('birdc', ['-s', buyerCtl, 'show', 'route', p, 'protocol', 'bandex_rs_v4_lab'], 10_000)).stdout.includes(`${p} `);
    const lat: number[] = [];
    const now = Date.now();
    for (let i = 0; i < TRADES; i++) {
      const k = i % SELLERS;
      const prefix = sellerRoutes[k][Math.floor(i / SELLERS)];
      const t: TradeView = { id: `trd_${i}`, buyerId: 'buyer', sellerId: `s${k}`, destination: prefix, protocol: 'ipv4', start: now - 1000, end: now + 86_400_000, status: 'active' };
      const start = performance.now();
      trades.set(t.id, t);
      for (const f of subs) f(t);
      while (!(await present(prefix))) {
        if (performance.now() - start > 30_000) throw new Error(`trade ${t.id}: ${prefix} never reached the buyer`);
      }
      lat.push(performance.now() - start);
    }
    // the polling resolution: one birdc round trip
    const probe: number[] = [];
    for (let i = 0; i < 50; i++) {
      const s = performance.now();
      await present(sellerRoutes[0][0]);
      probe.push(performance.now() - s);
    }
    const p50 = Math.round(pct(lat, 50) * 10) / 10;
    const p99 = Math.round(pct(lat, 99) * 10) / 10;
    figure({ name: `trade → route in buyer BIRD, p50 (${TRADES} trades)`, value: p50, unit: 'ms', reference: 'one birdc query (polling resolution)', referenceValue: Math.round(pct(probe, 50) * 10) / 10, goal: null, met: null });
    figure({ name: `trade → route in buyer BIRD, p99 (${TRADES} trades)`, value: p99, unit: 'ms', reference: null, referenceValue: null, goal: '< 1000 ms', met: p99 < 1000 });

    // --- reference: incremental export computation vs recomputing everything per trade ---
    const inc = new ExportEngine(registry, { rsAsn: RS_ASN });
    const all = [...trades.values()];
    let s = performance.now();
    for (const t of all) {
      inc.upsertTrade(t, now);
      inc.drain();
    }
    const incPerTrade = (performance.now() - s) / all.length;
    const naiveN = Math.min(100, all.length);
    s = performance.now();
    for (let i = all.length - naiveN; i < all.length; i++) {
      const e = new ExportEngine(registry, { rsAsn: RS_ASN });
      for (let j = 0; j <= i; j++) e.upsertTrade(all[j], now);
      e.drain();
    }
    const naivePerTrade = (performance.now() - s) / naiveN;
    figure({
      name: `export computation per trade (incremental engine, ${TRADES} live trades, ${ROUTES} routes)`,
      value: Math.round(incPerTrade * 1000) / 1000,
      unit: 'ms',
      reference: 'full recompute of every export per trade',
      referenceValue: Math.round(naivePerTrade * 1000) / 1000,
      goal: null,
      met: null,
    });

    // --- session reset: everything re-sent ---
    const count = async () => Number(/(\d+) of \d+ routes/.exec(await buyerSock('show', 'route', 'protocol', 'bandex_rs_v4_lab', 'count'))?.[1] ?? 0);
    if ((await count()) !== TRADES) throw new Error(`buyer holds ${await count()} routes, expected ${TRADES}`);
    const r0 = performance.now();
    let upAt = 0;
    const onState = (e: { peer: string; to: string }) => {
      if (e.peer === buyerRtr.v4 && e.to === 'Established') upAt = performance.now();
    };
    speaker.on('state', onState);
    await buyerSock('restart', 'bandex_rs_v4_lab');
    await waitFor('routes back', async () => (upAt && (await count()) === TRADES ? true : undefined), 120_000, 5);
    const resetMs = performance.now() - r0;
    speaker.off('state', onState);
    figure({
      name: `re-export after buyer session reset (${TRADES} routes back in its BIRD)`,
      value: Math.round(resetMs),
      unit: 'ms',
      reference: 'session re-established (no routes yet)',
      referenceValue: Math.round(upAt - r0),
      goal: null,
      met: null,
    });
  } finally {
    for (const c of cleanup) {
      try {
        await c();
      } catch (e) {
        console.error('cleanup:', (e as Error).message);
      }
    }
  }
  writeFigures('arbiter', figures);
}

const LOOPBACK_PORT = 12792;
const sellerAddr = (k: number) => `127.0.1.${k + 1}`;

/** Child process of --loopback: the 49 sellers, each a bandex speaker with its share of the routes. */
async function loopbackSellers(): Promise<void> {
  const speakers: Array<ReturnType<typeof createSpeaker>> = [];
  for (let k = 0; k < SELLERS; k++) {
    const a = sellerAddr(k);
    const sp = createSpeaker({}, { asn: 65101 + k, routerId: a, listen: false, holdTime: 90 });
    sp.addPeer({ address: '127.0.0.1', port: LOOPBACK_PORT, asn: RS_ASN, localAddress: a, families: ['ipv4'], connectRetrySec: 1 });
    const routes = [];
    for (let j = k, i = 0; j < ROUTES; j += SELLERS, i++) {
      routes.push({ prefix: routePrefix(j), attrs: { origin: 'igp' as const, asPath: [{ type: 'sequence' as const, asns: [65101 + k, 4200000000 + ((i * SELLERS + k) % 1000)] }], nextHop: a } });
    }
    sp.announce('127.0.0.1', routes);
    speakers.push(sp);
  }
  process.send?.('ready');
  process.on('message', (m) => {
    if (m === 'go') for (const sp of speakers) void sp.start();
    if (m === 'stop') void Promise.all(speakers.map((sp) => sp.stop())).then(() => process.exit(0));
  });
}

/** Heap in use (JS heap + typed-array buffers) and RSS after a full GC. */
function gcMem(): { heap: number; rss: number } {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const u = process.memoryUsage();
  return { heap: u.heapUsed + u.arrayBuffers, rss: u.rss };
}

async function loopback(): Promise<void> {
  const mem = gcMem;
  const members: MemberRouting[] = Array.from({ length: SELLERS }, (_, k) => ({ memberId: `s${k}`, asns: [65101 + k], routers: [sellerAddr(k)] }));
  const reporter = createReporter({ destination: false });
  const registry = new RouteRegistry({ clock: systemClock, filter: createImportFilter({ bogons: { allowPrivateAsns: true } }) });
  const speaker = createSpeaker({}, { asn: RS_ASN, routerId: '127.0.0.1', listen: { host: '127.0.0.1', port: LOOPBACK_PORT }, routeServer: true, holdTime: 90 });
  const arbiter = createArbiter(
    { clock: systemClock, reporter, speaker, registry, members: { list: () => members, subscribe: () => () => undefined }, trades: { list: () => [], subscribe: () => () => undefined } },
    { asn: RS_ASN, passive: true },
  );
  const speakerOnly = process.argv.includes('--speaker-only');
  if (speakerOnly) {
    for (const mr of members) speaker.addPeer({ address: mr.routers[0], asn: mr.asns[0], passive: true, routeServerClient: true });
    await speaker.start();
  } else await arbiter.start();
  const learnedCount = () => (speakerOnly ? members.reduce((n, mr) => n + speaker.routeCountIn(mr.routers[0]), 0) : registry.size);
  const child = fork(fileURLToPath(import.meta.url), ['--loopback-sellers'], { execArgv: process.execArgv, env: { ...process.env } });
  try {
    await new Promise<void>((res) => child.once('message', () => res()));
    const before = mem();
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    child.send('go');
    await waitFor('all routes learned', () => (learnedCount() >= ROUTES ? true : undefined), 600_000, 20);
    const learnMs = Date.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const rssPeak = process.memoryUsage().rss;
    const after = mem();
    if (process.env.BENCH_HEAP_SNAPSHOT) console.log('heap snapshot:', writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT));
    const accepted = speakerOnly ? ROUTES : registry.routes({ status: 'accepted' }).length;
    if (accepted !== ROUTES) throw new Error(`expected ${ROUTES} accepted routes, got ${accepted}`);
    figure({ name: `loopback learn: ${ROUTES} routes over ${SELLERS} bandex-speaker sessions, filed and filtered`, value: learnMs, unit: 'ms', reference: null, referenceValue: null, goal: null, met: null });
    figure({ name: 'loopback learn: route-server process CPU time while learning', value: Math.round((cpu.user + cpu.system) / 1000), unit: 'ms', reference: null, referenceValue: null, goal: null, met: null });
    figure({ name: 'loopback memory: heap growth per learned route after GC (speaker + registry + filter)', value: Math.round((after.heap - before.heap) / ROUTES), unit: 'bytes', reference: null, referenceValue: null, goal: '<= 600', met: (after.heap - before.heap) / ROUTES <= 600 });
    figure({ name: 'loopback memory: RSS growth per learned route (peak during learning)', value: Math.round((rssPeak - before.rss) / ROUTES), unit: 'bytes', reference: null, referenceValue: null, goal: null, met: null });
    figure({ name: 'loopback memory: RSS growth per learned route after GC', value: Math.round((after.rss - before.rss) / ROUTES), unit: 'bytes', reference: null, referenceValue: null, goal: '<= 600', met: (after.rss - before.rss) / ROUTES <= 600 });
  } finally {
    child.send('stop');
    if (speakerOnly) await speaker.stop();
    else await arbiter.stop();
  }
  writeFigures('arbiter-loopback', figures);
}

(process.argv.includes('--loopback-sellers') ? loopbackSellers() : process.argv.includes('--loopback') ? loopback() : main()).then(
  () => {
    if (!process.argv.includes('--loopback-sellers')) process.exit(0);
  },
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
