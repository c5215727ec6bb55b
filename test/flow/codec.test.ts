// Decoder behaviour on datagrams built with the encoders: every protocol's sampling source,
// sequence semantics, template lifecycle (refresh, withdrawal, expiry), variable-length and
// enterprise elements, and sFlow header parsing.
import { describe, expect, it } from 'vitest';
import {
  FlowDecoder, FlowDecodeError, encodeIpfix, encodeNetflow5, encodeNetflow9, encodeSflow, readOpaque, formatAddress,
} from '../../src/flow/index.ts';
import type { FlowRecordJson, TemplateSpec, FlowRecord } from '../../src/flow/index.ts';
import { buildFrame } from './helpers/pcap.ts';

function collect(decoder: FlowDecoder, datagrams: Buffer[], source = '192.0.2.1', keep?: (r: FlowRecord) => void): FlowRecordJson[] {
  const out: FlowRecordJson[] = [];
  for (const d of datagrams) decoder.decode(d, source, { flow: (r) => { out.push(r.toJSON()); keep?.(r); } });
  return out;
}

const T4: TemplateSpec = {
  id: 256,
  fields: [
    { id: 8, length: 4 }, { id: 12, length: 4 }, { id: 7, length: 2 }, { id: 11, length: 2 }, { id: 4, length: 1 },
    { id: 2, length: 4 }, { id: 1, length: 8 }, { id: 10, length: 4 }, { id: 14, length: 4 }, { id: 15, length: 4 },
    { id: 152, length: 8 }, { id: 153, length: 8 },
  ],
};
const rec4 = (bytes: number, pk = 10): Array<number | string | bigint> =>
  ['10.0.0.1', '192.0.2.9', 1234, 443, 6, pk, bytes, 3, 7, '198.51.100.1', 1_700_000_000_000, 1_700_000_060_000];

describe('NetFlow v5', () => {
  it('decodes fields, scales by the header sampling interval and counts lost flows', () => {
    const d = new FlowDecoder();
    const r = { src: '10.1.1.1', dst: '10.2.2.2', nextHop: '10.3.3.3', input: 4, output: 5, packets: 3, bytes: 300, first: 1000, last: 5000, srcPort: 53, dstPort: 999, protocol: 17, srcAs: 65001, dstAs: 65002, srcMask: 24, dstMask: 16 };
    const a = encodeNetflow5({ sysUptime: 10_000, unixSecs: 1_700_000_000, sequence: 0, samplingMode: 1, samplingInterval: 100, records: [r, r] });
    const b = encodeNetflow5({ sysUptime: 11_000, unixSecs: 1_700_000_001, sequence: 7, samplingMode: 1, samplingInterval: 100, records: [r] });
    const out = collect(d, [a, b]);
    expect(out[0]).toMatchObject({ srcAddr: '10.1.1.1', dstAddr: '10.2.2.2', nextHop: '10.3.3.3', inputIf: 4, outputIf: 5, packets: 300, bytes: 30000, sampledBytes: 300, samplingInterval: 100, srcAs: 65001, dstAs: 65002, srcMask: 24, dstMask: 16, byteLayer: 'l3' });
    expect(out[0].startMs).toBe(1_700_000_000_000 - 10_000 + 1000);
    expect(out[0].endMs).toBe(1_700_000_000_000 - 10_000 + 5000);
    const ex = d.exporters()[0];
    expect(ex).toMatchObject({ protocol: 'netflow5', records: 3, lost: 5, lostUnit: 'records' });
  });

  it('configured sampling applies when the header has none; forced sampling overrides', () => {
    const r = { src: '10.1.1.1', dst: '10.2.2.2', packets: 1, bytes: 100, first: 0, last: 0, protocol: 6 };
    const dg = encodeNetflow5({ sysUptime: 0, unixSecs: 0, sequence: 0, records: [r] });
    expect(collect(new FlowDecoder({ sampling: { '192.0.2.1': 64 } }), [dg])[0].bytes).toBe(6400);
    const sampled = encodeNetflow5({ sysUptime: 0, unixSecs: 0, sequence: 0, samplingInterval: 10, records: [r] });
    expect(collect(new FlowDecoder({ forceSampling: { '192.0.2.1': 2 } }), [sampled])[0].bytes).toBe(200);
  });
});

describe('NetFlow v9', () => {
  const opts: TemplateSpec = { id: 300, scopeCount: 1, fields: [{ id: 1, length: 4 }, { id: 48, length: 1 }, { id: 34, length: 4 }, { id: 35, length: 1 }] };
  const T48: TemplateSpec = { id: 257, fields: [...T4.fields.slice(0, 7), { id: 48, length: 1 }, { id: 22, length: 4 }, { id: 21, length: 4 }] };
  it('sampler ids from options data scale their records; uptime times; unaligned options flowset', () => {
    const d = new FlowDecoder();
    const p1 = encodeNetflow9({
      sysUptime: 100_000, unixSecs: 1_700_000_000, sequence: 1, sourceId: 9,
      sets: [
        { kind: 'templates', templates: [T48] },
        { kind: 'templates', options: true, templates: [opts] },
        { kind: 'data', template: opts, records: [[0, 5, 1000, 2], [0, 6, 10, 1]] }, // 4+2*14 = 32 bytes, no padding
        { kind: 'data', template: T48, records: [
          ['10.0.0.1', '192.0.2.9', 1, 2, 17, 1, 100, 5, 40_000, 90_000],
          ['10.0.0.1', '192.0.2.9', 1, 2, 17, 1, 100, 6, 40_000, 90_000],
          ['10.0.0.1', '192.0.2.9', 1, 2, 17, 1, 100, 7, 40_000, 90_000],
        ] },
      ],
    });
    const out = collect(d, [p1]);
    expect(out.map((r) => r.samplingInterval)).toEqual([1000, 10, 1]);
    expect(out[0]).toMatchObject({ bytes: 100_000, packets: 1000, domainId: 9 });
    expect(out[0].startMs).toBe(1_700_000_000_000 - 100_000 + 40_000);
    expect(out[0].endMs).toBe(1_700_000_000_000 - 100_000 + 90_000);
  });

  it('counts lost export packets per source id and template misses; other source ids have their own templates', () => {
    const d = new FlowDecoder();
    const mk = (seq: number, sourceId: number, withTemplate: boolean) => encodeNetflow9({
      sysUptime: 0, unixSecs: 0, sequence: seq, sourceId,
      sets: [...(withTemplate ? [{ kind: 'templates' as const, templates: [T4] }] : []), { kind: 'data', template: T4, records: [rec4(10)] }],
    });
    collect(d, [mk(10, 1, true), mk(11, 1, false), mk(15, 1, false), mk(0, 2, false)]);
    const ex = d.exporters()[0];
    expect(ex).toMatchObject({ records: 3, lost: 3, lostUnit: 'datagrams', templateMisses: 1 });
  });

  it('decodes an options flowset of 29 bytes with no padding (softflowd)', () => {
    const o: TemplateSpec = { id: 2049, scopeCount: 1, fields: [{ id: 1, length: 4 }, { id: 34, length: 4 }, { id: 35, length: 1 }] };
    const pkt = encodeNetflow9({ sysUptime: 0, unixSecs: 0, sequence: 0, sourceId: 0, sets: [
      { kind: 'templates', options: true, templates: [o] },
      { kind: 'data', template: o, records: [[0, 10, 2], [0, 10, 2]] }, // 4 + 2*9 = 22 bytes
      { kind: 'templates', templates: [T4] },
      { kind: 'data', template: T4, records: [rec4(50)] },
    ] });
    const out = collect(new FlowDecoder(), [pkt]);
    expect(out[0]).toMatchObject({ samplingInterval: 10, bytes: 500 });
  });
});

describe('IPFIX', () => {
  it('absolute times, next hop, interfaces; sequence counts data records', () => {
    const d = new FlowDecoder();
    const m = (seq: number, n: number) => encodeIpfix({ exportTime: 1_700_000_100, sequence: seq, domainId: 3, sets: [
      { kind: 'templates', templates: [T4] },
      { kind: 'data', template: T4, records: Array.from({ length: n }, () => rec4(1500)) },
    ] });
    const out = collect(d, [m(0, 4), m(4, 2), m(10, 1)]);
    expect(out[0]).toMatchObject({ srcAddr: '10.0.0.1', dstAddr: '192.0.2.9', srcPort: 1234, dstPort: 443, ipProtocol: 6, packets: 10, bytes: 1500, inputIf: 3, outputIf: 7, nextHop: '198.51.100.1', startMs: 1_700_000_000_000, endMs: 1_700_000_060_000, domainId: 3 });
    expect(d.exporters()[0]).toMatchObject({ records: 7, lost: 4, lostUnit: 'records' });
  });

  it('variable-length and enterprise elements are kept opaque and readable; padding is skipped', () => {
    const t: TemplateSpec = { id: 400, fields: [{ id: 8, length: 4 }, { id: 82, length: 0xffff }, { id: 1, length: 4 }, { id: 77, length: 0xffff, enterprise: 29305 }, { id: 2, length: 2 }] };
    const long = new Uint8Array(300).fill(7);
    const pkt = encodeIpfix({ exportTime: 0, sequence: 0, domainId: 0, sets: [
      { kind: 'templates', templates: [t] },
      { kind: 'data', template: t, pad: 3, records: [['10.0.0.5', new TextEncoder().encode('eth0'), 999, long, 3], ['10.0.0.6', new Uint8Array(0), 5, new Uint8Array([1, 2]), 1]] },
    ] });
    const opaque: string[] = [];
    const out = collect(new FlowDecoder(), [pkt], '192.0.2.1', (r) => {
      opaque.push(`${new TextDecoder().decode(readOpaque(r, 0, 82)!)}|${readOpaque(r, 29305, 77)!.length}`);
    });
    expect(out.map((r) => [r.srcAddr, r.bytes, r.packets])).toEqual([['10.0.0.5', 999, 3], ['10.0.0.6', 5, 1]]);
    expect(opaque).toEqual(['eth0|300', '|2']);
  });

  it('template withdrawal (one and all) and expiry make data sets misses', () => {
    let now = 0;
    const d = new FlowDecoder({ templateTimeoutMs: 60_000, now: () => now });
    const t2 = { ...T4, id: 260 };
    const data = (t: TemplateSpec) => ({ kind: 'data' as const, template: t, records: [rec4(1)] });
    const msg = (sets: Parameters<typeof encodeIpfix>[0]['sets']) => encodeIpfix({ exportTime: 0, sequence: 0, domainId: 0, sets });
    collect(d, [msg([{ kind: 'templates', templates: [T4, t2] }, data(T4), data(t2)])]);
    collect(d, [msg([{ kind: 'withdraw', ids: [256] }, data(T4), data(t2)])]);
    expect(d.exporters()[0]).toMatchObject({ records: 3, templateMisses: 1, templateWithdrawals: 1 });
    collect(d, [msg([{ kind: 'withdraw', ids: [2] }, data(t2)])]);
    expect(d.exporters()[0]).toMatchObject({ records: 3, templateMisses: 2 });
    collect(d, [msg([{ kind: 'templates', templates: [T4] }])]);
    now = 61_000;
    collect(d, [msg([data(T4)])]);
    expect(d.exporters()[0]).toMatchObject({ records: 3, templateMisses: 3, templatesExpired: 1 });
  });

  it('sampling from options data: 305/306 per selector id, 34 per domain; uptime relative to IE 160', () => {
    const o: TemplateSpec = { id: 500, scopeCount: 1, fields: [{ id: 302, length: 4 }, { id: 305, length: 4 }, { id: 306, length: 4 }] };
    const o2: TemplateSpec = { id: 501, scopeCount: 1, fields: [{ id: 149, length: 4 }, { id: 34, length: 4 }, { id: 160, length: 8 }] };
    const t: TemplateSpec = { id: 502, fields: [{ id: 1, length: 4 }, { id: 2, length: 4 }, { id: 302, length: 4 }, { id: 22, length: 4 }, { id: 21, length: 4 }] };
    const t2: TemplateSpec = { id: 503, fields: [{ id: 1, length: 4 }, { id: 2, length: 4 }] };
    const pkt = encodeIpfix({ exportTime: 0, sequence: 0, domainId: 0, sets: [
      { kind: 'templates', options: true, templates: [o, o2] },
      { kind: 'templates', templates: [t, t2] },
      { kind: 'data', template: o, records: [[7, 1, 99]] },
      { kind: 'data', template: o2, records: [[0, 4, 1_600_000_000_000]] },
      { kind: 'data', template: t, records: [[100, 1, 7, 500, 700]] },
      { kind: 'data', template: t2, records: [[100, 1]] },
    ] });
    const out = collect(new FlowDecoder(), [pkt]);
    expect(out[0]).toMatchObject({ samplingInterval: 100, bytes: 10_000, startMs: 1_600_000_000_500, endMs: 1_600_000_000_700 });
    expect(out[1]).toMatchObject({ samplingInterval: 4, bytes: 400 });
  });

  it('rejects a reserved set id with the codec error', () => {
    const pkt = encodeIpfix({ exportTime: 0, sequence: 0, domainId: 0, sets: [{ kind: 'raw', setId: 5, body: new Uint8Array(4) }] });
    expect(() => collect(new FlowDecoder(), [pkt])).toThrow(FlowDecodeError);
  });
});

describe('sFlow v5', () => {
  const tcp = buildFrame({ name: 'x', family: 4, proto: 6, src: '10.0.0.1', dst: '192.0.2.9', sport: 40000, dport: 443, sizes: [1000, 1000], vlan: 42 }, 1000, 1);
  const udp6 = buildFrame({ name: 'y', family: 6, proto: 17, src: '2001:db8::1', dst: '2001:db8::2', sport: 53, dport: 5353, sizes: [200] }, 200, 0);
  it('flow samples (plain and expanded): 802.1Q, IPv4/IPv6 headers, scaled by the sample rate, l2 and l3 bytes', () => {
    const d = new FlowDecoder();
    const dg = encodeSflow({ agent: '192.0.2.50', subAgentId: 1, sequence: 1, uptime: 5000, samples: [
      { kind: 'flow', sequence: 1, sourceIndex: 3, rate: 512, input: 3, output: 9, header: tcp.subarray(0, 128), frameLength: tcp.length + 4, nextHop: '198.51.100.1', srcMask: 24, dstMask: 22 },
      { kind: 'flow', expanded: true, sequence: 2, sourceIndex: 3, rate: 256, input: 70000, output: 4, header: udp6, frameLength: udp6.length + 4 },
      { kind: 'counters', sequence: 1, ifIndex: 3, ifSpeed: 10_000_000_000, ifInOctets: 123456789012, ifOutOctets: 5 },
    ] });
    const counters: number[] = [];
    const out: FlowRecordJson[] = [];
    d.decode(dg, '127.0.0.9', { flow: (r) => out.push(r.toJSON()), counters: (c) => counters.push(c.ifInOctets) });
    expect(out[0]).toMatchObject({ exporter: '192.0.2.50', srcAddr: '10.0.0.1', dstAddr: '192.0.2.9', srcPort: 40000, dstPort: 443, ipProtocol: 6, tcpFlags: 0x11, vlan: 42, inputIf: 3, outputIf: 9, packets: 512, bytes: 512 * (1000 + 18 + 4), l3Bytes: 512 * 1000, byteLayer: 'l2', nextHop: '198.51.100.1', srcMask: 24, dstMask: 22, srcMac: '02:00:00:00:aa:01', dstMac: '02:00:00:00:bb:02' });
    expect(out[1]).toMatchObject({ srcAddr: '2001:db8::1', dstAddr: '2001:db8::2', srcPort: 53, dstPort: 5353, ipProtocol: 17, inputIf: 70000, packets: 256, l3Bytes: 256 * 200, bytes: 256 * (200 + 14 + 4) });
    expect(counters).toEqual([123456789012]);
    expect(d.exporters()[0]).toMatchObject({ exporter: '192.0.2.50', records: 2, counterSamples: 1 });
  });

  it('counts lost datagrams per sub-agent', () => {
    const d = new FlowDecoder();
    const dg = (seq: number, sub: number) => encodeSflow({ agent: '192.0.2.50', subAgentId: sub, sequence: seq, uptime: 0, samples: [] });
    collect(d, [dg(1, 0), dg(2, 0), dg(6, 0), dg(1, 1), dg(2, 1)]);
    expect(d.exporters()[0]).toMatchObject({ lost: 3, lostUnit: 'datagrams', datagrams: 5 });
  });
});

describe('addresses', () => {
  it('formats IPv6 per RFC 5952', () => {
    const a = new Uint8Array(16);
    a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8; a[15] = 1;
    expect(formatAddress(a, 6)).toBe('2001:db8::1');
    a.fill(0);
    expect(formatAddress(a, 6)).toBe('::');
  });
});
