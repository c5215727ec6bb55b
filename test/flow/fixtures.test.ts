// Decoding datagrams captured from softflowd and pmacct (test/flow/fixtures): per-flow totals
// must equal what the pcap carried — layer 3 for NetFlow/IPFIX, layer 2 + FCS for sFlow.
import { describe, expect, it } from 'vitest';
import { FlowDecoder } from '../../src/flow/index.ts';
import type { FlowRecordJson } from '../../src/flow/index.ts';
import { loadFixture, summingSink } from './helpers/fixtures.ts';
import { expectedTotals, PCAP_START_MS } from './helpers/traffic.ts';

const expected = expectedTotals();
const v4Only = [...expected].filter(([k]) => !k.includes('::'));

function decodeAll(name: string, decoder = new FlowDecoder()) {
  const sink = summingSink();
  const records: FlowRecordJson[] = [];
  for (const d of loadFixture(name)) decoder.decode(d, '127.0.0.1', { flow: (r) => { sink.flow(r); records.push(r.toJSON()); } });
  return { sums: sink.sums, records, decoder };
}

describe('fixtures from real exporters', () => {
  for (const name of ['softflowd-v9', 'softflowd-ipfix', 'pmacct-v9', 'pmacct-ipfix', 'softflowd-v5', 'pmacct-v5']) {
    it(`${name}: exact packets and layer-3 bytes per flow`, () => {
      const { sums, decoder } = decodeAll(name);
      const want = name.endsWith('v5') ? v4Only : [...expected];
      expect(sums.size).toBe(want.length);
      for (const [k, t] of want) {
        expect(sums.get(k), k).toMatchObject({ packets: t.packets, bytes: t.l3Bytes, l3Bytes: t.l3Bytes, interval: 1 });
      }
      const ex = decoder.exporters()[0];
      expect(ex.decodeErrors).toBe(0);
      expect(ex.templateMisses).toBe(0);
      expect(ex.lost).toBe(0);
    });
  }

  it('pmacct sfprobe: packets exact, bytes are frames plus FCS, l3Bytes normalise to NetFlow', () => {
    const { sums, records } = decodeAll('pmacct-sflow');
    expect(sums.size).toBe(expected.size);
    for (const [k, t] of expected) {
      expect(sums.get(k), k).toMatchObject({ packets: t.packets, bytes: t.l2Bytes, l3Bytes: t.l3Bytes });
    }
    expect(records.every((r) => r.byteLayer === 'l2' && r.srcMac === '02:00:00:00:aa:01')).toBe(true);
  });

  it('softflowd -s 10 (v9): records scaled by the options-data sampling interval', () => {
    const { sums, decoder } = decodeAll('softflowd-v9-sampled10');
    let scaled = 0;
    for (const s of sums.values()) {
      expect(s.interval).toBe(10);
      expect(s.packets).toBe(s.sampledPackets * 10);
      expect(s.bytes).toBe(s.sampledBytes * 10);
      scaled += s.packets;
    }
    const truth = [...expected.values()].reduce((a, t) => a + t.packets, 0);
    expect(Math.abs(scaled - truth)).toBeLessThanOrEqual(10 * expected.size);
    expect(decoder.exporters()[0].sampling).toEqual([{ domainId: 0, interval: 10 }]);
  });

  it('flow times come from the pcap (softflowd -a): IPFIX and v5 exact, v9 within its 1 s header resolution', () => {
    const tcp = (rs: ReturnType<typeof decodeAll>['records']) => rs.find((r) => r.dstPort === 443)!;
    for (const name of ['softflowd-ipfix', 'softflowd-v5']) {
      const r = tcp(decodeAll(name).records);
      expect(r.startMs, name).toBe(PCAP_START_MS);
      expect(r.endMs - r.startMs, name).toBe(520); // first and last TCP packet are 520 ms apart in the pcap
    }
    const v9 = tcp(decodeAll('softflowd-v9').records);
    expect(Math.abs(v9.startMs - PCAP_START_MS)).toBeLessThan(1000);
  });

  it('a resent template keeps its compiled reader and is not counted again', () => {
    const decoder = new FlowDecoder();
    decodeAll('softflowd-ipfix', decoder);
    const first = decoder.exporters()[0].templates;
    decodeAll('softflowd-ipfix', decoder);
    expect(decoder.exporters()[0].templates).toBe(first);
    expect(decoder.exporters()[0].activeTemplates).toBe(first);
  });
});
