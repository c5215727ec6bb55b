import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/index.ts';
import {
  type ClassChange,
  type ClassConfig,
  QualityDb,
  StaticAsPaths,
  classOf,
  defaultClassConfig,
  evaluateClass,
  initialClassState,
  qualityErrors,
} from '../../src/quality/index.ts';

const cfg: ClassConfig = {
  classes: [
    { name: 'gold', maxLatencyMs: 20 },
    { name: 'silver', maxLatencyMs: 50 },
    { name: 'bronze' },
  ],
  marginMs: 1,
  marginRatio: 0.1,
  consecutive: 3,
  statistic: 'median',
  minSamples: 3,
};

function run(latencies: number[]): string[] {
  let s = initialClassState;
  return latencies.map((l, i) => {
    s = evaluateClass(cfg, s, l, i);
    return cfg.classes[s.current].name;
  });
}

describe('response-time classes (A4)', () => {
  it('places a first measurement by plain boundaries', () => {
    expect(classOf(cfg, 20)).toBe(0);
    expect(classOf(cfg, 20.01)).toBe(1);
    expect(classOf(cfg, 50)).toBe(1);
    expect(classOf(cfg, 900)).toBe(2);
    expect(run([21])).toEqual(['silver']);
  });

  it('does not flap when the latency wanders around a boundary inside the margin', () => {
    // Boundary 20 ms, margin max(1, 2) = 2 ms: 18.5..21.5 is the dead band.
    const seq = [19, 21, 19.5, 21.9, 18.1, 21.5, 19, 21.9, 21.9, 21.9, 21.9];
    expect(new Set(run(seq))).toEqual(new Set(['gold']));
  });

  it('moves only after N consecutive evaluations past the margin, and a relapse restarts the count', () => {
    expect(run([10, 23, 23, 23])).toEqual(['gold', 'gold', 'gold', 'silver']);
    expect(run([10, 23, 23, 19, 23, 23, 23])).toEqual(['gold', 'gold', 'gold', 'gold', 'gold', 'gold', 'silver']);
    // Back to gold needs < 20 − 2 = 18 ms three times.
    expect(run([30, 19, 19, 19, 17, 17, 17])).toEqual(['silver', 'silver', 'silver', 'silver', 'silver', 'silver', 'gold']);
  });

  it('jumps more than one class when the latency is clearly past several boundaries', () => {
    expect(run([10, 200, 200, 200]).at(-1)).toBe('bronze');
    expect(run([10, 52, 52, 52]).at(-1)).toBe('silver'); // inside bronze's margin (50 + 5): silver only
  });

  it('records the reason of a change', () => {
    let s = initialClassState;
    for (const l of [10, 30, 30, 30]) s = evaluateClass(cfg, s, l, 7);
    expect(s.reason).toMatch(/gold → silver: 30 ms past the boundary margin for 3 evaluations/);
  });

  it('refuses class boundaries that do not increase', () => {
    const bad = { ...cfg, classes: [{ name: 'a', maxLatencyMs: 30 }, { name: 'b', maxLatencyMs: 20 }, { name: 'c' }] };
    expect(() => new QualityDb({ clock: new ManualClock() }, { classes: bad })).toThrow(/boundaries must be numbers increasing/);
    try {
      new QualityDb({ clock: new ManualClock() }, { classes: { ...cfg, classes: [{ name: 'a', maxLatencyMs: 5 }] } });
    } catch (e) {
      expect(qualityErrors.is(e, 'QUALITY_BAD_CONFIG')).toBe(true);
    }
  });
});

describe('quality database and QualitySource.lookup', () => {
  const at = Date.parse('2026-11-21T10:00:00Z');

  function db(changes: ClassChange[] = []) {
    const clock = new ManualClock(at);
    const asPaths = new StaticAsPaths();
    asPaths.add('mem_a', '198.51.100.0/24', [64500, 64501, 64501]);
    const d = new QualityDb({ clock, asPaths, onClassChange: (c) => changes.push(c) }, { classes: cfg });
    return { d, clock };
  }

  const meas = (o: Partial<Parameters<QualityDb['ingest']>[0]>) => ({
    provider: 'mem_a',
    destination: '198.51.100.0/24',
    target: '198.51.100.7',
    method: 'udp' as const,
    at,
    sent: 4,
    rtts: [10, 12, 14],
    source: 'exchange',
    verified: true,
    ...o,
  });

  it('answers from the most specific covering destination and for any4 from the aggregate', () => {
    const { d } = db();
    d.ingest(meas({}));
    d.ingest(meas({ destination: '198.51.100.128/25', target: '198.51.100.130', rtts: [40, 40, 40, 40] }));
    const wide = d.lookup('mem_a', '198.51.100.0/26')!;
    expect(wide.latencyMs).toBe(12);
    expect(wide.lossPct).toBe(25);
    expect(wide.verified).toBe(true);
    expect(wide.samples).toBe(4);
    expect(wide.asHops).toBe(3);
    const narrow = d.lookup('mem_a', '198.51.100.192/27')!;
    expect(narrow.latencyMs).toBe(40);
    expect(narrow.lossPct).toBe(0);
    const any = d.lookup('mem_a', 'any4')!;
    expect(any.samples).toBe(8);
    expect(any.latencyMs).toBeCloseTo((10 + 12 + 14 + 160) / 7, 9);
    expect(d.lookup('mem_a', 'any6')).toBeUndefined();
    expect(d.lookup('mem_a', '203.0.113.0/24')).toBeUndefined();
    expect(d.lookup('mem_b', '198.51.100.0/24')).toBeUndefined();
  });

  it('prefers verified measurements and marks members’ own claims unverified', () => {
    const { d } = db();
    d.ingest(meas({ verified: false, source: 'member:mem_a', rtts: [1, 1, 1, 1], destination: '203.0.113.0/24', target: '203.0.113.1' }));
    const claim = d.lookup('mem_a', '203.0.113.0/24')!;
    expect(claim.verified).toBe(false);
    expect(claim.latencyMs).toBe(1);
    expect(claim.responseClass).toBeUndefined();
    d.ingest(meas({ destination: '203.0.113.0/24', target: '203.0.113.1', rtts: [30, 30, 30, 30] }));
    const v = d.lookup('mem_a', '203.0.113.0/24')!;
    expect(v.verified).toBe(true);
    expect(v.latencyMs).toBe(30);
  });

  it('assigns the provider a class once enough samples exist and reports changes with hysteresis', () => {
    const changes: ClassChange[] = [];
    const { d, clock } = db(changes);
    d.ingest(meas({ rtts: [5, 5] }));
    expect(d.lookup('mem_a', 'any4')!.responseClass).toBeUndefined(); // 2 < minSamples
    d.ingest(meas({ rtts: [5, 5, 5, 5] }));
    expect(d.lookup('mem_a', 'any4')!.responseClass).toBe('gold');
    // The path degrades to 35 ms; the median follows after the window fills with slow samples.
    for (let i = 0; i < 6; i++) {
      clock.advance(60_000);
      d.ingest(meas({ at: clock.now(), rtts: [35, 35, 35, 35] }));
    }
    expect(d.lookup('mem_a', '198.51.100.0/24')!.responseClass).toBe('silver');
    const provChanges = changes.filter((c) => c.destination === undefined).map((c) => `${c.from}→${c.to}`);
    expect(provChanges).toEqual(['null→gold', 'gold→silver']);
    expect(d.providerView('mem_a')!.classReason).toMatch(/gold → silver/);
  });

  it('refuses a bad measurement and changes nothing', () => {
    const { d } = db();
    expect(() => d.ingest(meas({ destination: '198.51.100.1/24' }))).toThrow(/destination/);
    expect(() => d.ingest(meas({ sent: 2, rtts: [1, 2, 3] }))).toThrow(/rtts/);
    expect(() => d.ingest(meas({ rtts: [1, -2] }))).toThrow(/rtts\[1\]/);
    expect(d.lookup('mem_a', 'any4')).toBeUndefined();
  });

  it('uses the default class set when none is configured', () => {
    const d = new QualityDb({ clock: new ManualClock(at) });
    d.ingest(meas({ sent: 10, rtts: Array(10).fill(75) }));
    expect(d.lookup('mem_a', 'any4')!.responseClass).toBe(defaultClassConfig.classes[2].name);
  });
});
