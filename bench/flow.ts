/**
 * npm run bench:flow — flow telemetry figures.
 *
 * 1. Decode rate (records/s, one core) for NetFlow v5, v9, IPFIX and sFlow on datagrams captured
 *    in this run from the real exporters (softflowd v5/v9/IPFIX, pmacct sfprobe) replaying a
 *    generated pcap of many flows. Goal: >= 1M IPFIX records/s.
 * 2. End to end over loopback: a native sender (the addon's sendmmsg loop: Node's dgram sender
 *    was the bottleneck before) sends one IPFIX stream (softflowd -T ether, so flows carry MACs)
 *    to nfcapd (nfdump 1.7.1, the reference) and to the bandex collector (a child process), each
 *    datagram to both at once, with the same SO_RCVBUF for both (net.core.rmem_max is raised to it
 *    for the run when root, and bandex does not force past it). bandex runs as serve runs it:
 *    decodeThreads 1, native receive path (BENCH_FLOW_RECEIVE=dgram for the fallback), measured
 *    twice: with a counting sink (the collector alone: receive + decode, as nfcapd receives and
 *    stores records) and with serve's metering sink in the worker mapping every flow to ports and
 *    bins (work nfcapd does not do); BENCH_FLOW_SINK=count|metering runs one. Per trial: records stored (nfcapd: in its files; bandex: decoded and
 *    aggregated), kernel drops per socket (/proc/net/udp), CPU seconds of each process (all
 *    threads). Phases: top speed (BENCH_FLOW_TRIALS, median reported), top speed with both
 *    collectors pinned to one shared CPU and the sender on the other (BENCH_FLOW_PINNED_TRIALS),
 *    and a ramp of paced rates (BENCH_FLOW_RAMP datagrams/s) for the highest rate each keeps
 *    >= 99.9% of (paced sends go in small chunks about every 0.1 ms, as exporters send; BENCH_FLOW_COALESCE
 *    sets the receiver's flow.receiveCoalesceMicros for A/B runs). Records per CPU-second over all trials. Other work on the host moves these
 *    figures; the load average is printed.
 * Writes bench/results/flow.json.
 */
import { spawn, execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowDecoder, createFlowCollector, flowIoUnavailable, loadFlowIo } from '../src/flow/index.ts';
import { buildFrame, pcapBytes } from '../test/flow/helpers/pcap.ts';
import type { PcapPacket, TestFlow } from '../test/flow/helpers/pcap.ts';
import { runPmacct, runSoftflowd } from '../test/flow/helpers/exporters.ts';
import { createMetering, createMemoryMeteringRepo, TablePortDirectory } from '../src/metering/index.ts';
import type { PortMapping } from '../src/metering/index.ts';
import { createReporter, systemClock } from '../src/lib/index.ts';
import { type Figure, writeFigures } from './figures.ts';

const RECV_BUF = 32 * 1024 * 1024;
/** bandex collector mode: 1 = receive thread + decode worker (flow.decodeThreads), 0 = inline. */
const DECODE_THREADS = Number(process.env.BENCH_FLOW_THREADS ?? 1) === 0 ? 0 : 1;
/** bandex sinks measured: 'count' (the collector: receive + decode, as nfcapd receives + stores
 * records) and 'metering' (what serve runs: ports mapped by MAC, bins, classes, destinations,
 * deltas to the main thread); BENCH_FLOW_SINK picks one. */
type Sink = 'count' | 'metering';
const SINKS: Sink[] = process.env.BENCH_FLOW_SINK === 'count' ? ['count'] : process.env.BENCH_FLOW_SINK === 'metering' ? ['metering'] : ['count', 'metering'];
/** bandex receive path in worker mode: native (recvmmsg addon, default) or dgram (the fallback). */
const RECEIVE = process.env.BENCH_FLOW_RECEIVE === 'dgram' ? 'dgram' : 'native';

// ---- child roles ---------------------------------------------------------------------------
async function receiverRole(SINK: Sink): Promise<void> {
  const threads = DECODE_THREADS;
  const listen = [{ host: '127.0.0.1', port: 0 }];
  // forceRecvBuffer off: nfcapd gets exactly SO_RCVBUF, so bandex must not pass rmem_max either
  // the two ports of the generated traffic (test/flow/helpers/pcap.ts MACs; softflowd -T ether exports them)
  const table: PortMapping[] = [
    { id: 'port-a', memberId: 'm-a', routerIps: [], macAddresses: ['02:00:00:00:aa:01'], flowSources: [] },
    { id: 'port-b', memberId: 'm-b', routerIps: [], macAddresses: ['02:00:00:00:bb:02'], flowSources: [] },
  ];
  const dir = new TablePortDirectory(table);
  const metering = createMetering({
    clock: systemClock, reporter: createReporter({ destination: false }), repo: createMemoryMeteringRepo(),
    ports: { findPortByMac: (m) => dir.findPortByMac(m), findPortByRouterIp: (ip) => dir.findPortByRouterIp(ip), findPortByFlowSource: (e, i) => dir.findPortByFlowSource(e, i), listPorts: () => table },
  });
  const spec = metering.sink.worker()!;
  // BENCH_FLOW_COALESCE: flow.receiveCoalesceMicros for the native path (default: the collector's)
  const coalesce = process.env.BENCH_FLOW_COALESCE;
  const opts = { listen, recvBufferSize: RECV_BUF, ...(coalesce === undefined ? {} : { coalesceMicros: Number(coalesce) }) };
  const c = threads === 1
    ? SINK === 'metering'
      ? createFlowCollector({ ...opts, decodeThreads: 1, receive: RECEIVE, forceRecvBuffer: false, sinkModule: spec.module, sinkOptions: spec.options }, null, { onSinkMessage: spec.onMessage })
      : createFlowCollector({ ...opts, decodeThreads: 1, receive: RECEIVE, forceRecvBuffer: false }, null)
    : createFlowCollector({ ...opts, decodeThreads: 0 }, SINK === 'metering' ? metering.sink : { flow: () => {} });
  const [a] = await c.start();
  const st0 = c.stats();
  process.stdout.write(JSON.stringify({ port: a.port, recvBuffer: st0.recvBufferSizes[0], path: st0.receivePath, why: st0.nativeUnavailable }) + '\n');
  process.on('SIGTERM', async () => {
    await c.stop(); // worker mode: decodes what was queued, so every received datagram is counted
    const s = c.stats();
    const ms = metering.stats();
    process.stdout.write(JSON.stringify({ records: s.records, datagrams: s.datagrams, errors: s.decodeErrors, queueDrops: s.queueDrops, batches: s.batches, attributed: ms.flows, unattributed: ms.unattributed }) + '\n');
    process.exit(0);
  });
}

/** The sender: the native addon's sendmmsg loop (Node's dgram sender was the bottleneck before). */
async function senderRole(file: string, portList: string, repeats: number, rate: number): Promise<void> {
  const ports = portList.split(',').map(Number);
  const io = loadFlowIo();
  if (!io) throw new Error(`bench:flow needs the native addon for its sender: ${flowIoUnavailable()}`);
  const [sent, seconds] = io.blast('127.0.0.1', ports, readFileSync(file), repeats, rate, 4 << 20);
  process.stdout.write(JSON.stringify({ sent, seconds }) + '\n');
}

// ---- helpers --------------------------------------------------------------------------------
function manyFlows(n: number): PcapPacket[] {
  const out: PcapPacket[] = [];
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    const f: TestFlow = {
      name: `f${i}`, family: 4, proto: i % 5 === 0 ? 17 : 6,
      src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dst: `198.18.${(i >> 8) & 255}.${(i * 7) & 255}`,
      sport: 1024 + (i % 60000), dport: [443, 80, 53, 22, 8080][i % 5], sizes: [60 + (i % 1400), 52],
    };
    out.push({ tsMs: t0 + i, frame: buildFrame(f, f.sizes[0], 0) });
    out.push({ tsMs: t0 + i + 1, frame: buildFrame(f, f.sizes[1], 1) });
  }
  return out;
}

// pmacctd sometimes loses its plugin under load and exits 1 mid-file: capture again
async function capture(exporter: (port: number) => Promise<unknown>, attempt = 1): Promise<Buffer[]> {
  try {
    return await captureOnce(exporter);
  } catch (err) {
    if (attempt >= 3) throw err;
    return capture(exporter, attempt + 1);
  }
}

async function captureOnce(exporter: (port: number) => Promise<unknown>): Promise<Buffer[]> {
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: RECV_BUF });
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(m));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    await exporter(sock.address().port);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    sock.close();
  }
  return got;
}

/** Records per second of CPU time on one thread (robust to other load on the host), and per wall second. */
function decodeRate(dgs: Buffer[]): { recordsPerSec: number; wallPerSec: number; perDatagram: number } {
  const d = new FlowDecoder();
  let n = 0;
  let bytes = 0;
  const sink = { flow: (r: { bytes: number }) => { n++; bytes += r.bytes; } };
  for (let k = 0; k < 3; k++) for (const g of dgs) d.decode(g, '127.0.0.1', sink); // warm up, learn templates
  const perDatagram = n / (3 * dgs.length);
  let best = 0;
  let bestWall = 0;
  for (let round = 0; round < 5; round++) {
    n = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let el: number;
    do {
      for (const g of dgs) d.decode(g, '127.0.0.1', sink);
      el = Number(process.hrtime.bigint() - t0) / 1e9;
    } while (el < 0.4);
    const c = process.cpuUsage(c0);
    best = Math.max(best, n / ((c.user + c.system) / 1e6));
    bestWall = Math.max(bestWall, n / el);
  }
  if (bytes < 0) throw new Error('unreachable');
  return { recordsPerSec: best, wallPerSec: bestWall, perDatagram };
}

/** Kernel drops per local UDP port (IPv4 sockets), from /proc/net/udp's last column. */
function socketDrops(): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = l.trim().split(/\s+/);
    if (f.length < 13) continue;
    m.set(parseInt(f[1].split(':')[1], 16), Number(f[f.length - 1]));
  }
  return m;
}

/** CPU seconds (user + system) a process has used, from /proc/PID/stat (clock ticks, 100 Hz). */
function cpuSecondsOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

/** `cpu`: pin the process to that CPU (taskset execs, so the pid is the process's own). */
function child(args: string[], cpu?: number): ReturnType<typeof spawn> {
  const argv = [process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), ...args];
  return cpu === undefined
    ? spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn('taskset', ['-c', String(cpu), ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function lines(p: ReturnType<typeof spawn>): AsyncIterator<string> {
  let buf = '';
  const queue: string[] = [];
  const waiters: Array<(s: string) => void> = [];
  p.stdout!.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else queue.push(line);
    }
  });
  return { next: () => new Promise((res) => { const q = queue.shift(); if (q !== undefined) res({ value: q, done: false }); else waiters.push((s) => res({ value: s, done: false })); }) };
}

async function send(file: string, port: string, repeats: number, rate: number, cpu?: number): Promise<{ sent: number; seconds: number }> {
  const s = child(['--role', 'sender', file, String(port), String(repeats), String(rate)], cpu);
  const it = lines(s);
  return JSON.parse((await it.next()).value as string);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- main -----------------------------------------------------------------------------------
async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bxf-bench-'));
  const figures: Figure[] = [];
  let restoreRmem: (() => void) | null = null;
  try {
    const pcap = join(dir, 'many.pcap');
    const FLOWS = 30_000;
    writeFileSync(pcap, pcapBytes(manyFlows(FLOWS)));
    const t = (port: number) => ({ host: '127.0.0.1', port });
    console.log(`capturing datagrams from the real exporters (${FLOWS} flows, ${FLOWS * 2} packets)…`);
    const captured: Record<string, Buffer[]> = {};
    const [v5, v9, ipfix, sflow] = await Promise.all([
      capture((p) => runSoftflowd(pcap, t(p), 5, dir)),
      capture((p) => runSoftflowd(pcap, t(p), 9, dir)),
      capture((p) => runSoftflowd(pcap, t(p), 10, dir)),
      capture((p) => runPmacct(pcap, t(p), 'sflow', dir)),
    ]);
    // the end-to-end stream carries MAC addresses (softflowd -T ether) so the metering sink maps every flow to ports
    const ipfixEther = await capture((p) => runSoftflowd(pcap, t(p), 10, dir, undefined, ['-T', 'ether']));
    Object.assign(captured, { 'NetFlow v5 (softflowd)': v5, 'NetFlow v9 (softflowd)': v9, 'IPFIX (softflowd)': ipfix, 'sFlow v5 (pmacct sfprobe)': sflow });

    console.log('\n== decode rate, one core ==');
    for (const [name, dgs] of Object.entries(captured)) {
      const r = decodeRate(dgs);
      const isIpfix = name.startsWith('IPFIX');
      console.log(`${name.padEnd(28)} ${(r.recordsPerSec / 1e6).toFixed(2)} M records per CPU-second (${(r.wallPerSec / 1e6).toFixed(2)} M per wall second)  (${dgs.length} datagrams, ${r.perDatagram.toFixed(1)} records each)` +
        (isIpfix ? `  goal 1.00 M  ratio ${(r.recordsPerSec / 1e6).toFixed(2)}` : ''));
      figures.push({ name: `decode ${name}`, value: Math.round(r.recordsPerSec), unit: 'records/CPU-s (one core)', reference: 'goal (issue 4)', referenceValue: 1_000_000, goal: isIpfix ? '>= 1M records/s (IPFIX)' : 'reported', met: isIpfix ? r.recordsPerSec >= 1_000_000 : true });
    }

    // end to end
    const stream = join(dir, 'ipfix.bin');
    // u16le length + datagram, as the native sender reads it
    const e2e = ipfixEther;
    writeFileSync(stream, Buffer.concat(e2e.flatMap((b) => { const h = Buffer.alloc(2); h.writeUInt16LE(b.length); return [h, b]; })));
    const perStream = (() => { let n = 0; const d = new FlowDecoder(); for (const g of e2e) n += d.decode(g, 'x', { flow: () => {} }); return n; })();
    const perDatagram = perStream / e2e.length;
    // both collectors get the same SO_RCVBUF: raise net.core.rmem_max to it for the run (root), else both are capped alike
    const rmemFile = '/proc/sys/net/core/rmem_max';
    const rmem0 = Number(readFileSync(rmemFile, 'utf8'));
    let rmemRaised = false;
    if (rmem0 < RECV_BUF) {
      try {
        writeFileSync(rmemFile, String(RECV_BUF));
        rmemRaised = true;
        restoreRmem = () => writeFileSync(rmemFile, String(rmem0));
      } catch { /* not root: both sides capped at rmem_max */ }
    }
    console.log(`\n== end to end over loopback: IPFIX (softflowd -T ether) stream of ${e2e.length} datagrams (${perDatagram.toFixed(1)} records each), native sendmmsg sender, each datagram to both collectors; SO_RCVBUF ${RECV_BUF >> 20} MiB asked by both (net.core.rmem_max ${readFileSync(rmemFile, 'utf8').trim()}${rmemRaised ? `, raised from ${rmem0} for the run` : ''}); bandex decodeThreads ${DECODE_THREADS}, receive ${RECEIVE} ==`);
    for (const SINK of SINKS) {
      const tag = SINK === 'count' ? 'collector (receive + decode)' : 'serve path (receive + decode + metering aggregation)';
      console.log(`\n-- bandex sink: ${SINK} — ${tag} --`);

      interface Trial { rate: number; offered: number; seconds: number; nf: number; bx: number; nfKernel: number; bxKernel: number; nfCpu: number; bxCpu: number; bxQueueDrops: number; path: string }
      // pinned: sender on CPU 0, both collectors share CPU 1, so neither can borrow the other core
      // and what each stores of the identical stream shows its capacity per CPU
      async function trial(rate: number, repeats: number, k: number, pinned = false): Promise<Trial> {
        const nfdir = join(dir, `nfcapd-${k}`);
        mkdirSync(nfdir);
        const probe = dgram.createSocket('udp4');
        await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
        const nfPort = probe.address().port;
        probe.close();
        const nfArgs = ['nfcapd', '-w', nfdir, '-b', '127.0.0.1', '-p', String(nfPort), '-t', '3600', '-B', String(RECV_BUF), '-P', join(dir, `nfcapd-${k}.pid`)];
        const nf = pinned ? spawn('taskset', ['-c', '1', ...nfArgs], { stdio: 'ignore' }) : spawn(nfArgs[0], nfArgs.slice(1), { stdio: 'ignore' });
        const rx = child(['--role', 'receiver', SINK], pinned ? 1 : undefined);
        const rxLines = lines(rx);
        const ready = JSON.parse((await rxLines.next()).value as string) as { port: number; recvBuffer: number; path: string; why: string };
        if (k === 0) console.log(`bandex receive path: ${ready.path}${ready.why ? ` (${ready.why})` : ''}; receive buffer granted ${ready.recvBuffer} B`);
        await sleep(800);
        const d0 = socketDrops();
        const nfCpu0 = cpuSecondsOf(nf.pid!);
        const bxCpu0 = cpuSecondsOf(rx.pid!);
        const sent = await send(stream, `${nfPort},${ready.port}`, repeats, rate, pinned ? 0 : undefined);
        await sleep(1000); // let both finish what their socket buffers hold
        const d1 = socketDrops();
        const nfCpu = cpuSecondsOf(nf.pid!) - nfCpu0;
        const bxCpu = cpuSecondsOf(rx.pid!) - bxCpu0;
        rx.kill('SIGTERM');
        const bx = JSON.parse((await rxLines.next()).value as string) as { records: number; datagrams: number; errors: number; queueDrops: number; batches: number; attributed: number; unattributed: number };
        if (k === 0 && SINK === 'metering') console.log(`bandex metering sink: ${bx.attributed} of ${bx.records} records attributed to ports`);
        nf.kill('SIGTERM');
        await new Promise((r) => nf.once('exit', r));
        let nfRecords = 0;
        for (const f of readdirSync(nfdir).filter((x) => x.startsWith('nfcapd.'))) {
          const out = execFileSync('nfdump', ['-r', join(nfdir, f), '-I'], { encoding: 'utf8' });
          nfRecords += Number(/^Flows:\s*(\d+)/m.exec(out)?.[1] ?? 0);
        }
        rmSync(nfdir, { recursive: true, force: true });
        const drops = (port: number) => (d1.get(port) ?? 0) - (d0.get(port) ?? 0);
        return {
          rate, offered: sent.sent * perDatagram, seconds: sent.seconds, nf: nfRecords, bx: bx.records,
          nfKernel: drops(nfPort), bxKernel: drops(ready.port), nfCpu, bxCpu, bxQueueDrops: bx.queueDrops, path: ready.path,
        };
      }
      const pct = (stored: number, offered: number) => `${(100 * (1 - stored / offered)).toFixed(2)}%`;
      const show = (t: Trial) => `${t.rate ? `${(t.rate / 1000).toFixed(0)}k dg/s` : 'top speed'} for ${t.seconds.toFixed(2)} s (${(t.offered / t.seconds / 1e6).toFixed(2)} M records/s offered): ` +
        `nfcapd stored ${t.nf} (lost ${pct(t.nf, t.offered)}, kernel drops ${t.nfKernel} dg, ${t.nfCpu.toFixed(2)} CPU-s) | bandex ${t.bx} (lost ${pct(t.bx, t.offered)}, kernel drops ${t.bxKernel} dg, app drops ${t.bxQueueDrops} dg, ${t.bxCpu.toFixed(2)} CPU-s)`;

      // 1) top speed: the sender as fast as sendmmsg goes; what each keeps of the identical stream
      const TRIALS = Number(process.env.BENCH_FLOW_TRIALS ?? 3);
      const REPEATS = Number(process.env.BENCH_FLOW_REPEATS ?? 240);
      const top: Trial[] = [];
      let k = 0;
      for (let i = 0; i < TRIALS; i++) {
        const t = await trial(0, REPEATS, k++);
        top.push(t);
        console.log(`trial ${i + 1}: ${show(t)}`);
      }
      top.sort((a, b) => a.bx / a.nf - b.bx / b.nf);
      const med = top[Math.floor(top.length / 2)];
      const nfRate = med.nf / med.seconds;
      const bxRate = med.bx / med.seconds;
      console.log(`median trial: nfcapd ${(nfRate / 1e6).toFixed(2)} M records/s stored, bandex ${(bxRate / 1e6).toFixed(2)} M; ratio bandex/nfcapd ${(bxRate / nfRate).toFixed(2)}; all trials: ${top.map((x) => (x.bx / x.nf).toFixed(3)).join(' ')}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
      figures.push({ name: `end-to-end IPFIX records stored at top offered rate (loopback), bandex ${tag}`, value: Math.round(bxRate), unit: 'records/s', reference: 'nfcapd 1.7.1, identical stream, same run', referenceValue: Math.round(nfRate), goal: 'ahead of nfcapd', met: bxRate > nfRate });
      figures.push({ name: `end-to-end records lost at top offered rate (bandex), bandex ${tag}`, value: Math.round(med.offered - med.bx), unit: 'records', reference: 'nfcapd lost', referenceValue: Math.round(med.offered - med.nf), goal: 'fewer than nfcapd', met: med.offered - med.bx < med.offered - med.nf });
      figures.push({ name: `kernel receive-buffer drops at top offered rate (bandex socket), bandex ${tag}`, value: med.bxKernel, unit: 'datagrams', reference: 'nfcapd socket', referenceValue: med.nfKernel, goal: 'reported', met: null });

      // 1b) top speed with both collectors pinned to one shared CPU (needs 2 CPUs and taskset)
      const PINNED = Number(process.env.BENCH_FLOW_PINNED_TRIALS ?? 1);
      const pinned: Trial[] = [];
      for (let i = 0; i < PINNED; i++) {
        const t = await trial(0, REPEATS, k++, true);
        pinned.push(t);
        console.log(`pinned trial ${i + 1}: ${show(t)}`);
      }
      if (pinned.length > 0) {
        const nfP = pinned.reduce((a, x) => a + x.nf, 0);
        const bxP = pinned.reduce((a, x) => a + x.bx, 0);
        const offP = pinned.reduce((a, x) => a + x.offered, 0);
        console.log(`pinned (collectors share one CPU): nfcapd stored ${(100 * nfP / offP).toFixed(1)}% of the stream, bandex ${(100 * bxP / offP).toFixed(1)}%; ratio ${(bxP / nfP).toFixed(2)}`);
        figures.push({ name: `records stored at top offered rate, both collectors sharing one CPU, bandex ${tag}`, value: Math.round(bxP), unit: 'records', reference: 'nfcapd 1.7.1, same trials', referenceValue: Math.round(nfP), goal: 'ahead of nfcapd', met: bxP > nfP });
      }

      // 2) a ramp of paced offered rates: the highest each keeps (nearly) everything of
      const RAMP = (process.env.BENCH_FLOW_RAMP ?? '20000,60000,100000,140000').split(',').map(Number);
      const ramp: Trial[] = [];
      for (const rate of RAMP) {
        const t = await trial(rate, Math.max(1, Math.ceil((rate * 2) / e2e.length)), k++);
        ramp.push(t);
        console.log(`ramp ${show(t)}`);
      }
      const lossFree = (stored: (t: Trial) => number) => Math.max(0, ...ramp.filter((t) => stored(t) >= t.offered * 0.999).map((t) => t.offered / t.seconds));
      const nfMax = lossFree((t) => t.nf);
      const bxMax = lossFree((t) => t.bx);
      console.log(`highest offered rate kept >= 99.9%: nfcapd ${(nfMax / 1e6).toFixed(2)} M records/s, bandex ${(bxMax / 1e6).toFixed(2)} M (ramp ${RAMP.join(', ')} datagrams/s)`);
      figures.push({ name: `highest loss-free (>= 99.9% kept) offered rate in the ramp, bandex ${tag}`, value: Math.round(bxMax), unit: 'records/s', reference: 'nfcapd 1.7.1, same ramp', referenceValue: Math.round(nfMax), goal: 'at least nfcapd', met: bxMax >= nfMax });

      // CPU efficiency over every trial: records stored per CPU-second (what one core could take)
      const all = [...top, ...pinned, ...ramp];
      const nfPerCpu = all.reduce((a, x) => a + x.nf, 0) / Math.max(0.01, all.reduce((a, x) => a + x.nfCpu, 0));
      const bxPerCpu = all.reduce((a, x) => a + x.bx, 0) / Math.max(0.01, all.reduce((a, x) => a + x.bxCpu, 0));
      console.log(`CPU efficiency (all trials): nfcapd ${(nfPerCpu / 1e6).toFixed(2)} M records per CPU-second, bandex ${(bxPerCpu / 1e6).toFixed(2)} M; ratio ${(bxPerCpu / nfPerCpu).toFixed(2)}`);
      figures.push({ name: `collector records per CPU-second (one-core capacity), bandex ${tag}`, value: Math.round(bxPerCpu), unit: 'records/CPU-s', reference: 'nfcapd 1.7.1, same trials', referenceValue: Math.round(nfPerCpu), goal: 'ahead of nfcapd', met: bxPerCpu > nfPerCpu });
    }

  } finally {
    restoreRmem?.();
    rmSync(dir, { recursive: true, force: true });
  }
  writeFigures('flow', figures, { loadAverage: loadavg(), receive: RECEIVE, decodeThreads: DECODE_THREADS });
}

const role = process.argv.indexOf('--role');
if (role >= 0 && process.argv[role + 1] === 'receiver') await receiverRole(process.argv[role + 2] === 'count' ? 'count' : 'metering');
else if (role >= 0 && process.argv[role + 1] === 'sender') await senderRole(process.argv[role + 2], process.argv[role + 3], Number(process.argv[role + 4]), Number(process.argv[role + 5]));
else await main();
