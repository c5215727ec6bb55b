import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingWindow, jitterStep, medianSorted, percentileSorted, wilsonInterval } from '../../src/quality/index.ts';

/** The obvious way: keep every packet, recompute everything on demand. */
function naive(packets: Array<{ at: number; rtt: number | null; run: number; runOk: boolean }>, maxSamples: number, maxAgeMs: number, now: number) {
  const win = packets.filter((p) => p.at >= now - maxAgeMs).slice(-maxSamples);
  const runs = new Map(win.map((p) => [p.run, p.runOk]));
  const rtts = win.filter((p) => p.rtt !== null).map((p) => p.rtt as number);
  const sorted = [...rtts].sort((a, b) => a - b);
  return {
    sent: win.length,
    received: rtts.length,
    mean: rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : null,
    median: rtts.length ? medianSorted(sorted) : null,
    p95: rtts.length ? percentileSorted(sorted, 0.95) : null,
    loss: win.length ? (win.length - rtts.length) / win.length : null,
    availability: runs.size ? [...runs.values()].filter(Boolean).length / runs.size : null,
  };
}

describe('sliding window statistics', () => {
  it('matches recomputing from the window for arbitrary runs (count and age eviction)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 5000 }),
            sent: fc.integer({ min: 1, max: 6 }),
            rtts: fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { maxLength: 6 }),
          }),
          { maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 40 }),
        (runs, maxSamples) => {
          const maxAgeMs = 20_000;
          const w = new SlidingWindow({ maxSamples, maxAgeMs });
          const packets: Array<{ at: number; rtt: number | null; run: number; runOk: boolean }> = [];
          let t = 1_000_000;
          for (const [run, r] of runs.entries()) {
            t += r.gap;
            const rtts = r.rtts.slice(0, r.sent);
            w.addRun(t, r.sent, rtts);
            const runOk = rtts.length > 0;
            for (const x of rtts) packets.push({ at: t, rtt: x, run, runOk });
            for (let i = rtts.length; i < r.sent; i++) packets.push({ at: t, rtt: null, run, runOk });
            const got = w.stats();
            const want = naive(packets, maxSamples, maxAgeMs, t);
            expect(got.sent).toBe(want.sent);
            expect(got.received).toBe(want.received);
            expect(got.medianMs).toBe(want.median);
            expect(got.p95Ms).toBe(want.p95);
            expect(got.lossRatio).toBe(want.loss);
            expect(got.availability).toBe(want.availability);
            if (want.mean === null) expect(got.meanMs).toBeNull();
            else expect(got.meanMs).toBeCloseTo(want.mean, 6);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('computes median, p95 (nearest rank), loss and availability of a known window', () => {
    const w = new SlidingWindow({ maxSamples: 1000, maxAgeMs: 3600_000 });
    // 20 runs of 5 packets: RTTs 1..80 ms, run 4 and 9 lose everything, others lose one packet.
    let v = 1;
    for (let r = 0; r < 20; r++) {
      if (r === 4 || r === 9) w.addRun(r * 1000, 5, []);
      else {
        const rtts = [v, v + 1, v + 2, v + 3].map((x) => x);
        v += 4;
        w.addRun(r * 1000, 5, rtts);
      }
    }
    const s = w.stats();
    expect(s.sent).toBe(100);
    expect(s.received).toBe(72);
    expect(s.lossRatio).toBeCloseTo(0.28, 12);
    expect(s.medianMs).toBe(36.5);
    expect(s.p95Ms).toBe(69); // ceil(0.95·72) = 69th smallest
    expect(s.meanMs).toBeCloseTo(36.5, 9);
    expect(s.availability).toBeCloseTo(18 / 20, 12);
    expect(s.lossLow! < 0.28 && s.lossHigh! > 0.28).toBe(true);
  });

  it('forgets packets older than maxAgeMs when asked at a later time', () => {
    const w = new SlidingWindow({ maxSamples: 100, maxAgeMs: 10_000 });
    w.addRun(0, 3, [10, 10, 10]);
    w.addRun(8000, 2, [20]);
    expect(w.stats().sent).toBe(5);
    w.expire(15_000);
    const s = w.stats();
    expect(s.sent).toBe(2);
    expect(s.meanMs).toBe(20);
    expect(s.availability).toBe(1);
    w.expire(30_000);
    expect(w.stats().measuredAt).toBeNull();
  });

  it('follows RFC 3550 §6.4.1: J += (|D| − J)/16 over consecutive replies', () => {
    const w = new SlidingWindow({ maxSamples: 100, maxAgeMs: 1e9 });
    const rtts = [10, 14, 9, 9, 30, 12];
    w.addRun(0, 6, rtts);
    let j = 0;
    for (let i = 1; i < rtts.length; i++) j = jitterStep(j, rtts[i - 1], rtts[i]);
    expect(w.stats().jitterMs).toBeCloseTo(j, 12);
    // Hand-computed first steps: 4/16 = 0.25; 0.25 + (5 − 0.25)/16 = 0.546875
    expect(jitterStep(jitterStep(0, 10, 14), 14, 9)).toBeCloseTo(0.546875, 12);
  });

  it('gives the Wilson interval of published examples', () => {
    // 0 of 10 lost: upper bound 0.2775 (Wilson 1927 / Newcombe 1998 table, method 3).
    const a = wilsonInterval(0, 10);
    expect(a.low).toBe(0);
    expect(a.high).toBeCloseTo(0.2775, 4);
    // 15 of 148: 0.0624–0.1605 (Newcombe 1998, example (b)).
    const b = wilsonInterval(15, 148);
    expect(b.low).toBeCloseTo(0.0624, 4);
    expect(b.high).toBeCloseTo(0.1605, 4);
  });
});
