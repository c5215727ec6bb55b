import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/index.ts';
import { QualityDb, parseAtlasPing, parseQualityCsv, qualityErrors } from '../../src/quality/index.ts';

const fixture = (n: string): string => readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8');
const probes: Record<number, string> = { 6001: 'mem_a', 6002: 'mem_b' };

describe('RIPE Atlas ping import (B6)', () => {
  it('reads per-packet RTTs, timeouts, errors and duplicates from the result list', () => {
    const r = parseAtlasPing(fixture('atlas-ping.json'), { providerOf: (p) => probes[p] });
    expect(r.measurements).toHaveLength(4);
    const [a, b, c, v6] = r.measurements;
    expect(a).toMatchObject({ provider: 'mem_a', destination: '193.0.14.129/32', target: '193.0.14.129', method: 'atlas', at: 1763719200_000, sent: 3, rtts: [11.8, 12.9, 12.335], source: 'ripe-atlas:msm1001:prb6001', verified: true });
    // A timeout ({x:"*"}) is a lost packet; the duplicate reply is not a fourth packet.
    expect(b).toMatchObject({ provider: 'mem_b', sent: 3, rtts: [39.0, 41.0] });
    expect(c).toMatchObject({ sent: 3, rtts: [] });
    expect(v6).toMatchObject({ destination: '2001:7fd::1/128', rtts: [20, 21] });
    expect(r.skipped.map((s) => s.reason)).toEqual(['no dst_addr (name did not resolve?)', 'type "traceroute" is not ping']);
  });

  it('takes rcvd replies at avg when an old firmware sent no result list, and reads JSON lines', () => {
    const r = parseAtlasPing(fixture('atlas-ping-legacy.jsonl'), { provider: 'mem_a', destination: '193.0.14.0/23' });
    expect(r.measurements.map((m) => [m.destination, m.sent, m.rtts])).toEqual([
      ['193.0.14.0/23', 3, [25.5, 25.5]],
      ['193.0.14.0/23', 1, [30]],
    ]);
  });

  it('feeds the statistics: loss and latency of the imported runs, recorded with their source', () => {
    const db = new QualityDb({ clock: new ManualClock(1763719500_000) });
    for (const m of parseAtlasPing(fixture('atlas-ping.json'), { providerOf: (p) => probes[p] }).measurements) db.ingest(m);
    const a = db.lookup('mem_a', '193.0.14.129/32')!;
    expect(a.verified).toBe(true);
    expect(a.samples).toBe(6);
    expect(a.lossPct).toBeCloseTo(50, 9);
    expect(a.latencyMs).toBeCloseTo((11.8 + 12.9 + 12.335) / 3, 9);
    const [series] = db.series('mem_a', '193.0.14.129/32');
    expect(series.sources).toEqual({ 'ripe-atlas:msm1001:prb6001': 2 });
    expect(series.availability).toBe(0.5);
  });

  it('refuses a file that is not Atlas JSON, naming the record and field', () => {
    expect(() => parseAtlasPing('[{"type":"ping"', { provider: 'x' })).toThrow(/not valid JSON/);
    const bad = '[{"type":"ping","prb_id":1,"dst_addr":"192.0.2.1","timestamp":1700000000,"sent":2,"result":[{"rtt":"fast"}]}]';
    try {
      parseAtlasPing(bad, { provider: 'x' });
      expect.unreachable();
    } catch (e) {
      expect(qualityErrors.is(e, 'QUALITY_BAD_IMPORT')).toBe(true);
      expect((e as { field: string }).field).toBe('[0].result[0].rtt');
    }
  });
});

describe('CSV import', () => {
  it('reads runs with lost packets, epoch seconds and an empty destination', () => {
    const r = parseQualityCsv(fixture('quality.csv'), { source: 'csv:partner' });
    expect(r.measurements.map((m) => [m.provider, m.destination, m.at, m.sent, m.rtts, m.source])).toEqual([
      ['mem_a', '198.51.100.0/24', Date.parse('2026-11-21T10:00:00Z'), 5, [12.1, 12.4, 12.0, 13.2], 'csv:partner'],
      ['mem_a', '198.51.100.0/24', Date.parse('2026-11-21T10:05:00Z'), 4, [11.9, 12.2, 12.3], 'csv:partner'],
      ['mem_b', '203.0.113.5/32', 1763720000_000, 2, [], 'csv:partner'],
    ]);
  });

  it('names the line and column at fault', () => {
    expect(() => parseQualityCsv('time,provider,target,sent,rtts\n2026-11-21,m,192.0.2.1,1,1\n', {})).toThrow(/line 2, time: must be ISO 8601/);
    expect(() => parseQualityCsv('time,provider,target,sent,rtts\n1700000000,m,192.0.2.1,2,1;x\n', {})).toThrow(/line 2, rtts: "x"/);
    expect(() => parseQualityCsv('time,target,sent,rtts\n1700000000,192.0.2.1,2,1\n', {})).toThrow(/no provider column/);
    expect(() => parseQualityCsv('time,provider,target,sent,rtts\n1700000000,m,192.0.2.1,1,1;2\n', {})).toThrow(/rtts/);
  });
});
