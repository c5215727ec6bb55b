// Traffic levels per port from flow records: mapping to ports and providers, spreading over
// bins, bits/s series by provider and class, top destinations, flushing to the repository.
import { describe, expect, it } from 'vitest';
import { ManualClock, createReporter } from '../../src/lib/index.ts';
import { BandexError } from '../../src/lib/index.ts';
import { createMetering, createMemoryMeteringRepo, spreadOverBins, classify, parseListen } from '../../src/metering/index.ts';
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
