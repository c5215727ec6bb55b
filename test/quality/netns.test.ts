/**
 * Real probes across network namespaces. Topology (O = per-process octet):
 *
 *   root ns                                      bxq-<pid>-p ("the provider side")
 *   100.64.O.1/29  ── veth A ──  100.64.O.2/29   lo: 100.64.O.129/32 (the destination host)
 *   100.64.O.9/30  ── veth B ──  100.64.O.10/30
 *
 * The destination is reachable only by policy routing on the source address (docs/quality.md):
 * `ip rule from 100.64.O.1 lookup TA` → via A, `from 100.64.O.9 lookup TB` → via B. Delay and
 * loss are injected by the bandex responder running inside the namespace (no netem here).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlidingWindow, icmpProbe, tcpConnectProbe, udpProbe } from '../../src/quality/index.ts';
import { cleanup, createNetns, ip, octet, rule, spawnIn, txPackets, veth } from './netns.ts';

const O = octet;
const A_SRC = `100.64.${O}.1`;
const B_SRC = `100.64.${O}.9`;
const DEST = `100.64.${O}.129`;
const BLACKHOLE = `100.64.${O}.5`; // inside link A's /29, nobody has it: ARP fails, packets vanish
let ns = '';
let links: { a: { root: string; inner: string }; b: { root: string; inner: string } };
let udpPort = 0;
let tcpPort = 0;
const responderMain = fileURLToPath(new URL('./fixtures/responder-main.ts', import.meta.url));

beforeAll(async () => {
  cleanup();
  ns = createNetns('p');
  links = {
    a: veth(ns, 'a', `${A_SRC}/29`, `100.64.${O}.2/29`),
    b: veth(ns, 'b', `${B_SRC}/30`, `100.64.${O}.10/30`),
  };
  ip('-n', ns, 'addr', 'add', `${DEST}/32`, 'dev', 'lo');
  const ta = String(30000 + O);
  const tb = String(30500 + O);
  ip('route', 'add', `${DEST}/32`, 'via', `100.64.${O}.2`, 'dev', links.a.root, 'table', ta);
  ip('route', 'add', `${DEST}/32`, 'via', `100.64.${O}.10`, 'dev', links.b.root, 'table', tb);
  rule('from', A_SRC, 'lookup', ta);
  rule('from', B_SRC, 'lookup', tb);
  const resp = await spawnIn(
    ns,
    [process.execPath, '--import', 'tsx', responderMain, JSON.stringify({ host: DEST, port: 0, delayMs: 30, dropRate: 0.2, dropMode: 'spread' })],
    /^listening /,
  );
  udpPort = Number(resp.line.split(' ')[2]);
  const tcp = await spawnIn(
    ns,
    [process.execPath, '-e', `const s=require('net').createServer(c=>c.destroy());s.listen(0,'${DEST}',()=>console.log('up '+s.address().port))`],
    /^up /,
  );
  tcpPort = Number(tcp.line.split(' ')[1]);
}, 60_000);

afterAll(() => cleanup());

describe('probing through a provider chosen by source address (namespaces)', () => {
  it('fping from source A reaches the destination over link A only', async () => {
    const beforeA = txPackets(ns, links.a.inner);
    const beforeB = txPackets(ns, links.b.inner);
    const run = await icmpProbe({ target: DEST, count: 20, intervalMs: 10, timeoutMs: 500, sourceAddress: A_SRC });
    expect(run.sent).toBe(20);
    expect(run.rtts).toHaveLength(20);
    expect(txPackets(ns, links.a.inner) - beforeA).toBeGreaterThanOrEqual(20);
    expect(txPackets(ns, links.b.inner) - beforeB).toBeLessThan(5);
  });

  it('fping counts every packet to an address nobody holds as lost', async () => {
    const run = await icmpProbe({ target: BLACKHOLE, count: 3, intervalMs: 20, timeoutMs: 200, sourceAddress: A_SRC });
    expect(run).toMatchObject({ sent: 3, rtts: [] });
  });

  it('UDP echo through link B measures the 30 ms delay and 20 % loss injected in the namespace', async () => {
    const beforeB = txPackets(ns, links.b.inner);
    const run = await udpProbe({ target: DEST, port: udpPort, count: 50, intervalMs: 5, timeoutMs: 2000, sourceAddress: B_SRC });
    const w = new SlidingWindow({ maxSamples: 1000, maxAgeMs: 1e9 });
    w.addRun(run.at, run.sent, run.rtts);
    const s = w.stats();
    // Spread dropping removes exactly 10 of 50; allow one more lost to a late reply.
    expect(Math.abs(s.lossRatio! - 0.2)).toBeLessThanOrEqual(0.02);
    expect(s.medianMs!).toBeGreaterThanOrEqual(29);
    expect(s.medianMs!).toBeLessThanOrEqual(42);
    expect(s.availability).toBe(1);
    expect(txPackets(ns, links.b.inner) - beforeB).toBeGreaterThanOrEqual(run.rtts.length);
  });

  it('TCP connect through link A to a listener in the namespace, and a lost attempt to the blackhole', async () => {
    const ok = await tcpConnectProbe({ target: DEST, port: tcpPort, count: 5, intervalMs: 1, timeoutMs: 1000, sourceAddress: A_SRC });
    expect(ok.rtts).toHaveLength(5);
    expect([...ok.rtts].sort((a, b) => a - b)[2]).toBeLessThan(20);
    const lost = await tcpConnectProbe({ target: BLACKHOLE, port: 80, count: 2, intervalMs: 1, timeoutMs: 300, sourceAddress: A_SRC });
    expect(lost).toMatchObject({ sent: 2, rtts: [] });
  });
});
