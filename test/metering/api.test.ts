// Traffic levels through the API, on SQLite and PostgreSQL: flows into the running app (its
// metering sink, and real softflowd IPFIX datagrams into its UDP collector), series and top
// destinations read back over HTTP, members limited to their own ports and exporters,
// bins surviving a restart.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FlowRecord } from '../../src/flow/index.ts';
import { describeStores } from '../support/harness.ts';
import { TEST_FLOWS, pcapBytes, schedule, totalsOf } from '../flow/helpers/pcap.ts';
import { PCAP_START_MS } from '../flow/helpers/traffic.ts';
import { runSoftflowd } from '../flow/helpers/exporters.ts';

const SW = '192.0.2.250'; // the exchange switch exporting flows

function rec(over: { inputIf: number; outputIf: number; bytes: number; packets: number; startMs: number; endMs: number; dst: number[]; dport: number }): FlowRecord {
  const r = new FlowRecord();
  r.reset();
  r.protocol = 'ipfix';
  r.exporter = SW;
  r.ipVersion = 4;
  r.srcAddr.set([10, 0, 0, 1]);
  r.dstAddr.set(over.dst);
  r.ipProtocol = 6;
  r.srcPort = 40000;
  r.dstPort = over.dport;
  r.inputIf = over.inputIf;
  r.outputIf = over.outputIf;
  r.bytes = r.l3Bytes = over.bytes;
  r.packets = over.packets;
  r.startMs = over.startMs;
  r.endMs = over.endMs;
  return r;
}

describeStores('traffic levels API', (env) => {
  let alicePort = '';
  let bobPort = '';
  const T = Date.parse('2026-11-01T00:00:00Z');

  it('creates ports mapped by flow source and MAC', async () => {
    const a = await env.call('POST', '/v1/ports', { body: { memberId: env.alice.id, name: env.unique('a'), capacityMbps: 1000, routerIps: ['203.0.113.1'], macAddresses: ['02:00:00:00:aa:01'], flowSources: [{ exporter: SW, ifIndex: 1 }, { exporter: '127.0.0.1', ifIndex: 77 }] } });
    const b = await env.call('POST', '/v1/ports', { body: { memberId: env.bob.id, name: env.unique('b'), capacityMbps: 1000, routerIps: ['203.0.113.2'], macAddresses: ['02:00:00:00:bb:02'], flowSources: [{ exporter: SW, ifIndex: 2 }] } });
    expect([a.status, b.status]).toEqual([201, 201]);
    alicePort = a.body.id;
    bobPort = b.body.id;
  });

  it('serves bits/s in and out, by provider and class; members see only their own ports', async () => {
    const m = env.app.services.metering;
    // 120 s flow over two 60 s bins: 1.2 MB alice → bob (HTTPS); 60 kB DNS in the first bin
    m.ingest(rec({ inputIf: 1, outputIf: 2, bytes: 1_200_000, packets: 1000, startMs: T, endMs: T + 120_000, dst: [198, 51, 100, 7], dport: 443 }));
    m.ingest(rec({ inputIf: 1, outputIf: 2, bytes: 60_000, packets: 100, startMs: T + 1000, endMs: T + 1000, dst: [192, 0, 2, 53], dport: 53 }));
    const q = { from: '2026-11-01T00:00:00Z', to: '2026-11-01T00:02:00Z', step: 60 };
    const r = await env.call('GET', `/v1/ports/${alicePort}/traffic`, { token: env.alice.token, query: q });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ portId: alicePort, stepSeconds: 60, binSeconds: 60, byteLayer: 'l3', totals: { outBytes: 1_260_000, outPackets: 1100, inBytes: 0 } });
    expect(r.body.points.map((p: { outBps: number }) => p.outBps)).toEqual([(600_000 + 60_000) * 8 / 60, 600_000 * 8 / 60]);
    expect(r.body.points[0].providers[bobPort]).toEqual({ in: 0, out: 88_000 });
    expect(r.body.points[0].classes).toEqual({ web: { in: 0, out: 80_000 }, dns: { in: 0, out: 8_000 } });
    const seller = await env.call('GET', `/v1/ports/${bobPort}/traffic`, { token: env.bob.token, query: { ...q, step: 120 } });
    expect(seller.body.points).toEqual([expect.objectContaining({ inBps: 1_260_000 * 8 / 120, outBps: 0 })]);
    expect((await env.call('GET', `/v1/ports/${alicePort}/traffic`, { token: env.bob.token, query: q })).status).toBe(404);
    expect((await env.call('GET', `/v1/ports/${alicePort}/traffic`, { query: q })).status).toBe(200);
    const bad = await env.call('GET', `/v1/ports/${alicePort}/traffic`, { query: { ...q, step: 90 } });
    expect([bad.status, bad.body.error.code, bad.body.error.field]).toEqual([400, 'METERING_BAD_STEP', 'step']);
    const badFrom = await env.call('GET', `/v1/ports/${alicePort}/traffic`, { query: { from: 'yesterday' } });
    expect([badFrom.status, badFrom.body.error.code]).toEqual([400, 'METERING_BAD_RANGE']);
    const top = await env.call('GET', `/v1/ports/${alicePort}/top-destinations`, { token: env.alice.token, query: { from: q.from, to: q.to } });
    expect(top.body.items).toEqual([{ prefix: '198.51.100.0/24', bytes: 1_200_000, bits: 9_600_000 }, { prefix: '192.0.2.0/24', bytes: 60_000, bits: 480_000 }]);
  });

  it('real softflowd IPFIX into the running collector shows up in /traffic, exact to the byte', async () => {
    const [addr] = env.app.services.flow.addresses();
    expect(addr).toBeDefined();
    // serve aggregates in the collector's decode worker, which gets the port table within 50 ms
    // of a change (metering PORT_TABLE_POLL_MS); the ports were created just before this test
    await new Promise((res) => setTimeout(res, 200));
    const dir = mkdtempSync(join(tmpdir(), 'bxf-api-'));
    try {
      const pcap = join(dir, 'traffic.pcap');
      writeFileSync(pcap, pcapBytes(schedule(TEST_FLOWS, PCAP_START_MS)));
      await runSoftflowd(pcap, { host: addr.host, port: addr.port }, 10, dir, undefined, ['-T', 'ether']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const bytes = TEST_FLOWS.reduce((a, f) => a + totalsOf(f).l3Bytes, 0);
    const packets = TEST_FLOWS.reduce((a, f) => a + totalsOf(f).packets, 0);
    const range = { from: new Date(PCAP_START_MS - 3_600_000).toISOString(), to: new Date(PCAP_START_MS + 3_600_000).toISOString(), step: 7200 };
    let r = await env.call('GET', `/v1/ports/${alicePort}/traffic`, { token: env.alice.token, query: range });
    for (let i = 0; i < 50 && r.body.totals.outBytes < bytes; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = await env.call('GET', `/v1/ports/${alicePort}/traffic`, { token: env.alice.token, query: range });
    }
    expect(r.body.totals).toEqual({ outBytes: bytes, outPackets: packets, inBytes: 0, inPackets: 0 });
    const busy = r.body.points.filter((p: { outBps: number }) => p.outBps > 0);
    expect(busy).toHaveLength(1);
    expect(busy[0].providers[bobPort].out).toBeCloseTo((bytes * 8) / 7200, 2);
    const b = await env.call('GET', `/v1/ports/${bobPort}/traffic`, { token: env.bob.token, query: range });
    expect(b.body.totals).toMatchObject({ inBytes: bytes, inPackets: packets });
  });

  it('exporter counters: admin sees all and the collector, a member only exporters mapped to its ports', async () => {
    const admin = await env.call('GET', '/v1/flow/exporters');
    expect(admin.status).toBe(200);
    expect(admin.body.collector).toMatchObject({ listening: true, decodeErrors: 0 });
    expect(admin.body.items).toEqual([expect.objectContaining({ exporter: '127.0.0.1', protocol: 'ipfix', records: 5, decodeErrors: 0, lost: 0, lostUnit: 'records' })]);
    expect((await env.call('GET', '/v1/flow/exporters', { token: env.alice.token })).body).toEqual({ items: [expect.objectContaining({ exporter: '127.0.0.1' })] });
    expect((await env.call('GET', '/v1/flow/exporters', { token: env.bob.token })).body).toEqual({ items: [] });
    const metrics = await env.call('GET', '/metrics');
    expect(String(metrics.body)).toMatch(/bandex_flow_records_total\{exporter="127.0.0.1",protocol="ipfix"\} 5/);
  });

  it('bins are stored and survive a restart', async () => {
    await env.restart();
    const r = await env.call('GET', `/v1/ports/${alicePort}/traffic`, { query: { from: '2026-11-01T00:00:00Z', to: '2026-11-01T00:02:00Z', step: 60 } });
    expect(r.body.totals).toMatchObject({ outBytes: 1_260_000, outPackets: 1100 });
    expect(r.body.points[1].providers[bobPort]).toEqual({ in: 0, out: 80_000 });
    const top = await env.call('GET', `/v1/ports/${alicePort}/top-destinations`, { query: { from: '2026-11-01T00:00:00Z', to: '2026-11-01T00:02:00Z', limit: 1 } });
    expect(top.body.items).toEqual([{ prefix: '198.51.100.0/24', bytes: 1_200_000, bits: 9_600_000 }]);
  });
}, { config: { metering: { binSeconds: 60, flushDelaySeconds: 0 }, flow: { listen: '127.0.0.1:0' } } });
