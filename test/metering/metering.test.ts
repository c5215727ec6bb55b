// Traffic levels per port from flow records: mapping to ports and providers, spreading over
// bins, bits/s series by provider and class, top destinations, flushing to the repository.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, createReporter } from '../../src/lib/index.ts';
import { BandexError } from '../../src/lib/index.ts';
import { createMetering, createMemoryMeteringRepo, spreadOverBins, classify, parseListen, TablePortDirectory, portTableOf } from '../../src/metering/index.ts';
import { createFlowSink } from '../../src/metering/worker-sink.ts';
import { Aggregator } from '../../src/metering/aggregator.ts';
import { PortMapper } from '../../src/metering/port-mapper.ts';
import { directory, flow } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const ports = directory([
  { id: 'p-buyer', memberId: 'm-buyer', flowSources: [{ exporter: '192.0.2.1', ifIndex: 1 }], macAddresses: ['02:00:00:00:aa:01'], routerIps: ['203.0.113.1'] },
  { id: 'p-seller', memberId: 'm-seller', flowSources: [{ exporter: '192.0.2.1', ifIndex: 2 }], macAddresses: ['02:00:00:00:bb:02'], routerIps: ['203.0.113.2'] },
  { id: 'p-other', memberId: 'm-other', flowSources: [{ exporter: '192.0.2.1', ifIndex: 3 }], routerIps: ['203.0.113.3'] },
]);

function setup(config = {}) {
  const clock = new ManualClock(T0);
  const repo = createMemoryMeteringRepo();
  const m = createMetering({ clock, reporter: createReporter({ destination: false }), ports, repo }, config);
  return { clock, repo, m };
}

describe('spreading', () => {
  it('apportions integer bytes over covered bins exactly, in proportion to time', () => {
    const got: Array<[number, number]> = [];
    spreadOverBins(250, 1250, 1001, 500, (b, n) => got.push([b, n]));
    expect(got).toEqual([[0, 250], [500, 501], [1000, 250]]); // cumulative rounding: 250.25, 750.75, 1001
    expect(got.reduce((a, [, n]) => a + n, 0)).toBe(1001);
    const one: Array<[number, number]> = [];
    spreadOverBins(700, 700, 5, 500, (b, n) => one.push([b, n]));
    expect(one).toEqual([[500, 5]]);
  });
});

describe('classes and config', () => {
  it('classifies by protocol and well-known port on either side', () => {
    expect(classify(6, 40000, 443)).toBe('web');
    expect(classify(6, 443, 40000)).toBe('web');
    expect(classify(17, 5353, 53)).toBe('dns');
    expect(classify(1, 0, 0)).toBe('icmp');
    expect(classify(6, 40000, 40001)).toBe('other-tcp');
    expect(classify(47, 0, 0)).toBe('other');
  });
  it('parses listen addresses and refuses bad ones and bins below 10 s', () => {
    expect(parseListen('127.0.0.1:2055,[::1]:6343')).toEqual([{ host: '127.0.0.1', port: 2055 }, { host: '::1', port: 6343 }]);
    expect(() => parseListen('nohost')).toThrow(BandexError);
    expect(() => setup({ binSeconds: 5 })).toThrow(/binSeconds/);
    expect(() => setup({ binSeconds: 10 })).not.toThrow();
  });
});

describe('metering', () => {
  it('switch-exported flow: buyer out and seller in, by provider and class, bits/s per bin', async () => {
    const { m } = setup();
    // 600 s flow across two 5-minute bins, 3,000,000 bytes
    m.ingest(flow({ inputIf: 1, outputIf: 2, bytes: 3_000_000, packets: 3000, startMs: T0, endMs: T0 + 600_000 }));
    const s = await m.traffic('p-buyer', T0, T0 + 600_000);
    expect(s.points.map((p) => p.outBps)).toEqual([1_500_000 * 8 / 300, 1_500_000 * 8 / 300]);
    expect(s.points[0].providers['p-seller']).toEqual({ in: 0, out: 40_000 });
    expect(s.points[0].classes.web).toEqual({ in: 0, out: 40_000 });
    expect(s.totals).toMatchObject({ outBytes: 3_000_000, outPackets: 3000, inBytes: 0 });
    const seller = await m.traffic('p-seller', T0, T0 + 600_000, 600_000);
    expect(seller.points).toHaveLength(1);
    expect(seller.points[0]).toMatchObject({ inBps: 40_000, outBps: 0, providers: { 'p-buyer': { in: 40_000, out: 0 } } });
  });

  it('maps by MAC (sFlow) and by router/next hop; unknown counterpart is "unknown"; unmapped flows are counted', async () => {
    const { m } = setup({ binSeconds: 10 });
    m.ingest(flow({ srcMac: 0x02000000aa01, dstMac: 0x02000000bb02, bytes: 1000, startMs: T0 }));
    m.ingest(flow({ exporter: '203.0.113.1', nextHop: [203, 0, 113, 3], bytes: 500, startMs: T0 }));
    m.ingest(flow({ inputIf: 1, outputIf: 99, bytes: 70, startMs: T0 }));
    m.ingest(flow({ exporter: '198.51.100.9', bytes: 1, startMs: T0 }));
    const s = await m.traffic('p-buyer', T0, T0 + 10_000);
    expect(s.totals.outBytes).toBe(1570);
    expect(s.points[0].providers).toEqual({
      'p-seller': { in: 0, out: 800 }, 'p-other': { in: 0, out: 400 }, unknown: { in: 0, out: 56 },
    });
    expect(m.stats()).toMatchObject({ flows: 3, unattributed: 1 });
  });

  it('sFlow bytes are normalised to layer 3 by default, or kept as exported', async () => {
    for (const [layer, want] of [['l3', 1000], ['exported', 1180]] as const) {
      const { m } = setup({ byteLayer: layer });
      m.ingest(flow({ inputIf: 1, bytes: 1180, l3Bytes: 1000, startMs: T0 }));
      const s = await m.traffic('p-buyer', T0, T0 + 300_000);
      expect(s.totals.outBytes).toBe(want);
      expect(s.byteLayer).toBe(layer);
    }
  });

  it('flushes closed bins to the repository, merges late flows, and keeps answering the same series', async () => {
    const { m, clock, repo } = setup({ binSeconds: 60, flushDelaySeconds: 30 });
    m.ingest(flow({ inputIf: 1, outputIf: 2, bytes: 600, startMs: T0, endMs: T0 + 120_000 }));
    clock.advance(60_000 + 29_000);
    expect(await m.flush()).toBe(0);
    clock.advance(1_000);
    expect(await m.flush()).toBeGreaterThan(0); // first bin (both ports) written
    expect(repo.rows().filter((r) => r.dimension === 'total').map((r) => [r.portId, r.binStart])).toEqual([['p-buyer', T0], ['p-seller', T0]]);
    m.ingest(flow({ inputIf: 1, outputIf: 2, bytes: 100, startMs: T0 + 1000 })); // late flow for a flushed bin
    await m.flush(true);
    const s = await m.traffic('p-buyer', T0, T0 + 120_000);
    expect(s.points.map((p) => p.outBps)).toEqual([400 * 8 / 60, 300 * 8 / 60]);
    expect(m.stats().openBins).toBe(0);
  });

  it('top destinations of a port: prefixes by bytes sent', async () => {
    const { m } = setup();
    m.ingest(flow({ inputIf: 1, dst: [198, 51, 100, 7], bytes: 300, startMs: T0 }));
    m.ingest(flow({ inputIf: 1, dst: [198, 51, 100, 200], bytes: 300, startMs: T0 }));
    m.ingest(flow({ inputIf: 1, dst: [192, 0, 2, 1], bytes: 500, startMs: T0 }));
    await m.flush(true);
    m.ingest(flow({ inputIf: 1, dst: [192, 0, 2, 9], bytes: 50, startMs: T0 }));
    expect(await m.topDestinations('p-buyer', T0, T0 + 300_000)).toEqual([
      { prefix: '198.51.100.0/24', bytes: 600, bits: 4800 },
      { prefix: '192.0.2.0/24', bytes: 550, bits: 4400 },
    ]);
  });

  it('IPv6 destinations are grouped by the configured prefix length', async () => {
    const { m } = setup({ v6PrefixLength: 36 });
    const r = flow({ inputIf: 1, bytes: 10, startMs: T0 });
    r.ipVersion = 6;
    r.dstAddr.set([0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    m.ingest(r);
    expect(await m.topDestinations('p-buyer', T0, T0 + 300_000)).toEqual([{ prefix: '2001:db8:a000::/36', bytes: 10, bits: 80 }]);
  });

  it('refuses a step that is not a multiple of the bin, a reversed range and too many points', async () => {
    const { m } = setup();
    await expect(m.traffic('p-buyer', T0, T0 + 600_000, 100_000)).rejects.toMatchObject({ code: 'METERING_BAD_STEP', field: 'step' });
    await expect(m.traffic('p-buyer', T0, T0 - 1)).rejects.toMatchObject({ code: 'METERING_BAD_RANGE', field: 'to' });
    await expect(m.traffic('p-buyer', T0, T0 + 300_000 * 20_000)).rejects.toMatchObject({ code: 'METERING_BAD_STEP' });
  });
});

describe('aggregator keys', () => {
  const o = { binMs: 300_000, byteLayer: 'l3' as const, maxFlowMs: 3_600_000, topDestinations: 10, v4PrefixLength: 24, v6PrefixLength: 48 };

  it('rows added back (deltas, checkpoints) and flows of the same prefix and class add into one entry', () => {
    const agg = new Aggregator(new PortMapper(ports), o);
    const row = { portId: 'p-buyer', binMs: 300_000, binStart: T0 };
    agg.addRows(
      [{ ...row, dimension: 'class', key: 'web', inBytes: 0, outBytes: 5, inPackets: 0, outPackets: 1 }],
      [
        { ...row, prefix: '198.51.100.0/24', bytes: 5 },
        { ...row, prefix: '198.51.100.0/23', bytes: 7 }, // another length (an older config): its own entry
        { ...row, prefix: '2001:db8::/48', bytes: 9 },
      ],
    );
    agg.ingest(flow({ inputIf: 1, dst: [198, 51, 100, 77], bytes: 10, packets: 2, startMs: T0 + 1 }));
    agg.ingest(flow({ inputIf: 1, dst: [0, 0, 0, 1], bytes: 3, packets: 1, startMs: T0 + 2 }));
    const { bins, destinations } = agg.snapshot();
    expect(destinations.map((d) => [d.prefix, d.bytes])).toEqual([
      ['198.51.100.0/24', 15], ['198.51.100.0/23', 7], ['2001:db8::/48', 9], ['0.0.0.0/24', 3],
    ]);
    expect(bins.filter((b) => b.portId === 'p-buyer' && b.dimension === 'class').map((b) => [b.key, b.outBytes, b.outPackets])).toEqual([['web', 18, 4]]);
  });

  it('consecutive flows in different bins each land in their own bin (the last-bin shortcut)', () => {
    const agg = new Aggregator(new PortMapper(ports), o);
    for (const t of [T0 + 299_999, T0 + 300_000, T0 - 1, T0, T0 + 299_999]) agg.ingest(flow({ inputIf: 1, bytes: 1, packets: 1, startMs: t }));
    const totals = agg.snapshot().bins.filter((b) => b.portId === 'p-buyer' && b.dimension === 'total').map((b) => [b.binStart - T0, b.outBytes]);
    expect(totals.sort((a, b) => a[0] - b[0])).toEqual([[-300_000, 1], [0, 3], [300_000, 1]]);
  });
});

describe('route cache', () => {
  const o = { binMs: 300_000, byteLayer: 'l3' as const, maxFlowMs: 3_600_000, topDestinations: 1000, v4PrefixLength: 24, v6PrefixLength: 48 };
  type Rows = ReturnType<Aggregator['snapshot']>;
  const sum = (into: Map<string, number>, rows: Rows) => {
    for (const b of rows.bins) {
      for (const f of ['inBytes', 'outBytes', 'inPackets', 'outPackets'] as const) {
        const k = `${b.portId} ${b.binStart} ${b.dimension} ${b.key} ${f}`;
        into.set(k, (into.get(k) ?? 0) + b[f]);
      }
    }
    for (const d of rows.destinations) {
      const k = `${d.portId} ${d.binStart} dest ${d.prefix}`;
      into.set(k, (into.get(k) ?? 0) + d.bytes);
    }
    return into;
  };

  it('flows through cached routes (hits, evictions, drains between) add exactly what uncached flows add', () => {
    fc.assert(fc.property(
      fc.array(fc.record({
        inputIf: fc.integer({ min: 0, max: 4 }), outputIf: fc.integer({ min: 0, max: 4 }),
        dport: fc.constantFrom(443, 80, 53, 22, 8080, 25), proto: fc.constantFrom(6, 17),
        bytes: fc.integer({ min: 0, max: 5000 }), packets: fc.integer({ min: 0, max: 9 }),
        start: fc.integer({ min: 0, max: 900_000 }), dur: fc.constantFrom(0, 0, 10, 1000, 400_000),
        dst: fc.integer({ min: 0, max: 3 }), drain: fc.boolean(),
      }), { maxLength: 120 }),
      (flows) => {
        const cached = new Aggregator(new PortMapper(ports), o);
        const uncached = new Aggregator(new PortMapper(ports), o);
        const a = new Map<string, number>();
        const b = new Map<string, number>();
        for (const f of flows) {
          const rec = () => flow({
            inputIf: f.inputIf, outputIf: f.outputIf, dport: f.dport, proto: f.proto, bytes: f.bytes, packets: f.packets,
            startMs: T0 + f.start, endMs: T0 + f.start + f.dur, dst: [198, 51, f.dst, 9],
          });
          cached.ingest(rec());
          if (f.drain && f.start % 7 === 0) sum(a, cached.drain(Infinity, Infinity));
          uncached.ingest(rec());
          sum(b, uncached.drain(Infinity, Infinity)); // every flow through a fresh route
        }
        sum(a, cached.drain(Infinity, Infinity));
        expect(a).toEqual(b);
        expect(cached.flows).toBe(uncached.flows);
      },
    ), { numRuns: 200 });
  });
});

describe('port mapping cache', () => {
  it('a long-lived mapper (last mappings reused) maps every flow as a fresh mapper does', () => {
    const macs = [0, 0x020000_00aa01, 0x020000_00bb02, 0x020000_00cc03];
    fc.assert(fc.property(
      fc.array(fc.record({
        exporter: fc.constantFrom('192.0.2.1', '203.0.113.1', '192.0.2.9'), inputIf: fc.integer({ min: 0, max: 4 }), outputIf: fc.integer({ min: 0, max: 4 }),
        srcMac: fc.constantFrom(...macs), dstMac: fc.constantFrom(...macs),
        nextHop: fc.option(fc.constantFrom<[number, number, number, number]>([203, 0, 113, 2], [203, 0, 113, 3], [10, 0, 0, 1]), { nil: undefined }),
      }), { maxLength: 80 }),
      (recs) => {
        const kept = new PortMapper(ports, () => 0);
        // each flow again with every next hop: only the router evidence differs
        const hops = [undefined, [203, 0, 113, 2], [203, 0, 113, 3]] as Array<[number, number, number, number] | undefined>;
        for (const f of recs.flatMap((r) => [r, ...hops.map((nextHop) => ({ ...r, nextHop }))])) {
          const rec = flow(f);
          const got = kept.map(rec);
          const pair = [got.from?.id, got.to?.id];
          const fresh = new PortMapper(ports, () => 0).map(rec);
          expect(pair).toEqual([fresh.from?.id, fresh.to?.id]);
        }
      },
    ), { numRuns: 300 });
  });
});

describe('threaded aggregation and checkpoints', () => {
  const table = [
    { id: 'p-buyer', memberId: 'm-buyer', flowSources: [{ exporter: '192.0.2.1', ifIndex: 1 }], macAddresses: ['02:00:00:00:aa:01'], routerIps: ['203.0.113.1'] },
    { id: 'p-seller', memberId: 'm-seller', flowSources: [{ exporter: '192.0.2.1', ifIndex: 2 }], macAddresses: ['02:00:00:00:bb:02'], routerIps: ['203.0.113.2'] },
    { id: 'p-other', memberId: 'm-other', flowSources: [{ exporter: '192.0.2.1', ifIndex: 3 }], macAddresses: [], routerIps: ['203.0.113.3'] },
  ];
  const listed = { ...ports, listPorts: () => table };
  const flows = () => [
    flow({ inputIf: 1, outputIf: 2, bytes: 3_000_001, packets: 3001, startMs: T0 + 1, endMs: T0 + 600_000 }),
    flow({ srcMac: 0x02000000aa01, dstMac: 0x02000000bb02, bytes: 1234, startMs: T0 + 5, dst: [198, 51, 100, 9] }),
    flow({ exporter: '203.0.113.1', nextHop: [203, 0, 113, 3], bytes: 500, startMs: T0 + 7, dport: 53, proto: 17 }),
    flow({ inputIf: 9, outputIf: 9, bytes: 77, startMs: T0 }),
    ...Array.from({ length: 80 }, (_, i) => flow({ inputIf: 1, outputIf: 3, bytes: 100 + i, startMs: T0 + 1000 * i, dst: [198, 18, i, 1] })),
  ];

  it('the worker sink (port table copy, deltas) gives exactly what inline aggregation gives', async () => {
    const inline = setup();
    for (const f of flows()) inline.m.ingest(f);
    const clock = new ManualClock(T0);
    const threaded = createMetering({ clock, reporter: createReporter({ destination: false }), ports: listed, repo: createMemoryMeteringRepo() });
    const spec = threaded.sink.worker()!;
    expect(spec).not.toBeNull();
    const sink = createFlowSink({ ...spec.options, postEveryMs: 60_000 }, { post: (d) => spec.onMessage(d) });
    const some = flows();
    for (const f of some.slice(0, 40)) sink.flow(f);
    sink.close!(); // posts the deltas so far; the rest arrive in a second batch
    const sink2 = createFlowSink({ ...spec.options, postEveryMs: 60_000 }, { post: (d) => spec.onMessage(d) });
    for (const f of some.slice(40)) sink2.flow(f);
    sink2.close!();
    expect((await inline.m.traffic('p-buyer', T0, T0 + 900_000)).totals.outBytes).toBe(3_000_001 + 1234 + 500 + 80 * 100 + (79 * 80) / 2);
    for (const p of ['p-buyer', 'p-seller', 'p-other']) {
      expect(await threaded.traffic(p, T0, T0 + 900_000)).toEqual(await inline.m.traffic(p, T0, T0 + 900_000));
      expect(await threaded.topDestinations(p, T0, T0 + 900_000, 100)).toEqual(await inline.m.topDestinations(p, T0, T0 + 900_000, 100));
    }
    expect(threaded.stats()).toEqual(inline.m.stats());
    await threaded.flush(true);
    await inline.m.flush(true);
  });

  it('a port added to the registry reaches the worker copy of the table', () => {
    const t = new TablePortDirectory(portTableOf(listed)!);
    expect(t.findPortByFlowSource('192.0.2.1', 4)).toBeUndefined();
    expect(t.findPortByMac('02-00-00-00-AA-01')?.id).toBe('p-buyer'); // canonicalised like the registry
    expect(t.findPortByRouterIp('203.0.113.002')).toBeUndefined();
    t.replace([...table, { id: 'p-new', memberId: 'm-new', flowSources: [{ exporter: '192.0.2.1', ifIndex: 4 }], macAddresses: [], routerIps: [] }]);
    expect(t.findPortByFlowSource('192.0.2.1', 4)?.id).toBe('p-new');
  });

  it('checkpoints open bins to a file and restores them at start; a clean stop stores them and removes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxf-cp-'));
    try {
      const file = join(dir, 'open.json');
      const repo = createMemoryMeteringRepo();
      const clock = new ManualClock(T0);
      const mk = () => createMetering({ clock, reporter: createReporter({ destination: false }), ports, repo, checkpointFile: file });
      const a = mk();
      await a.start();
      for (const f of flows()) a.ingest(f);
      const want = await a.traffic('p-buyer', T0, T0 + 900_000);
      const wantTop = await a.topDestinations('p-buyer', T0, T0 + 900_000, 100);
      await a.checkpoint();
      expect(existsSync(file)).toBe(true);
      // "crash": a is dropped without stop; a new instance over the same repo and file
      const b = mk();
      await b.start();
      expect(repo.rows()).toHaveLength(0);
      expect(await b.traffic('p-buyer', T0, T0 + 900_000)).toEqual(want);
      expect(await b.topDestinations('p-buyer', T0, T0 + 900_000, 100)).toEqual(wantTop);
      await b.stop();
      expect(existsSync(file)).toBe(false);
      const c = mk();
      await c.start();
      expect(await c.traffic('p-buyer', T0, T0 + 900_000)).toEqual(want); // from the repository now, once
      await c.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
