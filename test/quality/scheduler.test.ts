import { describe, expect, it } from 'vitest';
import { ManualClock, sequentialIds } from '../../src/lib/index.ts';
import { type ProbeJob, ProbeScheduler, type SchedulerConfig } from '../../src/quality/index.ts';

/** Drives the scheduler like the probe loop does: take jobs until told to wait, then move the clock. */
function drive(s: ProbeScheduler, clock: ManualClock, untilMs: number, lane = 'exchange', stepMs = 10): ProbeJob[] {
  const jobs: ProbeJob[] = [];
  while (clock.now() < untilMs) {
    for (;;) {
      const r = s.next(clock.now(), lane);
      if (!r.job) break;
      jobs.push(r.job);
    }
    clock.advance(stepMs);
  }
  return jobs;
}

function countBy<T>(xs: T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

/** Largest number of jobs inside any window of `windowMs` (sliding over job times). */
function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi] - t[lo] >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

function setup(cfg: Partial<SchedulerConfig>, targets: number, providers = 4) {
  const clock = new ManualClock(0);
  const s = new ProbeScheduler(sequentialIds(), cfg, clock.now());
  for (let i = 0; i < targets; i++) {
    s.upsertTarget({ provider: `mem_${i % providers}`, destination: `10.${i >> 8}.${i & 255}.0/24`, target: `10.${i >> 8}.${i & 255}.1`, method: 'icmp' }, 0);
  }
  return { clock, s };
}

describe('probe scheduler (A4, B6)', () => {
  it('never exceeds the global rate limit nor the per-target limit, and uses the capacity it has', () => {
    const { clock, s } = setup({ globalRatePerSec: 20, globalBurst: 5, perTargetRatePerSec: 0.5, perTargetBurst: 1, baseIntervalMs: 1000, minIntervalMs: 100 }, 30);
    // A second provider reaching the same host: the host-level limit is shared.
    s.upsertTarget({ provider: 'mem_x', destination: '10.0.0.0/16', target: '10.0.0.1', method: 'icmp' }, 0);
    const jobs = drive(s, clock, 60_000);
    // Global: 20/s with a burst of 5 → at most 20·w/1000 + 5 in any window w.
    expect(maxInWindow(jobs.map((j) => j.issuedAt), 1000)).toBeLessThanOrEqual(25);
    expect(maxInWindow(jobs.map((j) => j.issuedAt), 10_000)).toBeLessThanOrEqual(205);
    // Per target: 0.5/s, burst 1 → at most 1 per 2 s, also across the two providers of 10.0.0.1.
    for (const [, list] of groupBy(jobs, (j) => j.target)) {
      expect(maxInWindow(list.map((j) => j.issuedAt), 2000)).toBeLessThanOrEqual(1);
    }
    // 31 targets × 0.5/s = 15.5/s is below the global 20/s: the per-target limit binds, ~30 s per target.
    expect(jobs.length).toBeGreaterThan(0.9 * 15 * 60);
  });

  it('is fair: equal targets get equal shares when capacity is short', () => {
    const { clock, s } = setup({ globalRatePerSec: 10, globalBurst: 1, perTargetRatePerSec: 10, perTargetBurst: 1, baseIntervalMs: 1000, minIntervalMs: 100 }, 50);
    const jobs = drive(s, clock, 100_000);
    const counts = [...countBy(jobs, (j) => j.target).values()];
    expect(counts.length).toBe(50);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(jobs.length).toBeGreaterThanOrEqual(999);
  });

  it('probes targets with market interest and traffic more often, in proportion to their weight', () => {
    const { clock, s } = setup({ globalRatePerSec: 1000, globalBurst: 10, perTargetRatePerSec: 100, perTargetBurst: 5, baseIntervalMs: 12_000, minIntervalMs: 1000 }, 6, 6);
    s.setInterest('mem_0', '10.0.0.0/24', 2); // weight 3
    s.setVolume('mem_1', undefined, 7e6); // 7 Mbit/s: 1 + log2(8) = 4
    const jobs = drive(s, clock, 120_000, 'exchange', 100);
    const c = countBy(jobs, (j) => j.provider);
    expect(c.get('mem_2')).toBe(10); // every 12 s over 120 s
    expect(c.get('mem_0')).toBe(30); // every 4 s
    expect(c.get('mem_1')).toBe(40); // every 3 s
    expect(s.targets().find((t) => t.provider === 'mem_1')!.weight).toBe(4);
  });

  it('does not starve anyone: when overloaded, weighted targets still let the others through', () => {
    const { clock, s } = setup({ globalRatePerSec: 2, globalBurst: 1, perTargetRatePerSec: 10, perTargetBurst: 1, baseIntervalMs: 1000, minIntervalMs: 100 }, 20);
    s.setInterest('mem_0', undefined, 50);
    const jobs = drive(s, clock, 120_000);
    const c = countBy(jobs, (j) => j.target);
    expect(c.size).toBe(20);
    for (const n of c.values()) expect(n).toBeGreaterThanOrEqual(4);
  });

  it('revalidates every member periodically, ahead of weighted targets (B6)', () => {
    const clock = new ManualClock(0);
    const s = new ProbeScheduler(sequentialIds(), { globalRatePerSec: 1, globalBurst: 1, baseIntervalMs: 1000, minIntervalMs: 1000, revalidateMs: 30_000 }, 0);
    for (let i = 0; i < 40; i++) s.upsertTarget({ provider: 'busy', destination: `10.1.${i}.0/24`, target: `10.1.${i}.1`, method: 'icmp' }, 0);
    s.upsertTarget({ provider: 'quiet', destination: '10.9.0.0/24', target: '10.9.0.1', method: 'icmp' }, 0);
    s.setInterest('busy', undefined, 100);
    const jobs = drive(s, clock, 300_000, 'exchange', 100);
    const quiet = jobs.filter((j) => j.provider === 'quiet').map((j) => j.issuedAt);
    expect(quiet.length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < quiet.length; i++) expect(quiet[i] - quiet[i - 1]).toBeLessThanOrEqual(31_000);
    expect(jobs.some((j) => j.reason === 'revalidation')).toBe(true);
  });

  it('is deterministic: the same inputs give the same job sequence', () => {
    const a = setup({ globalRatePerSec: 7, globalBurst: 3 }, 25);
    const b = setup({ globalRatePerSec: 7, globalBurst: 3 }, 25);
    const ja = drive(a.s, a.clock, 20_000).map((j) => `${j.id}@${j.issuedAt}:${j.target}`);
    const jb = drive(b.s, b.clock, 20_000).map((j) => `${j.id}@${j.issuedAt}:${j.target}`);
    expect(ja).toEqual(jb);
  });

  it('leases jobs per agent lane and gives out a job again when its lease runs out unreported', () => {
    const clock = new ManualClock(0);
    const s = new ProbeScheduler(sequentialIds(), { leaseMs: 5000, baseIntervalMs: 60_000, minIntervalMs: 1000 }, 0);
    s.upsertTarget({ provider: 'mem_a', destination: '10.0.0.0/24', target: '10.0.0.1', method: 'udp', port: 7362, lane: 'agent:mem_a' }, 0);
    s.upsertTarget({ provider: 'mem_b', destination: '10.0.1.0/24', target: '10.0.1.1', method: 'icmp' }, 0);
    const jobs = s.lease('agent:mem_a', 'agent-1', 10, clock.now());
    expect(jobs.map((j) => j.provider)).toEqual(['mem_a']);
    expect(() => s.complete(jobs[0].id, 'agent-2')).toThrow(/no open job/);
    expect(s.lease('agent:mem_a', 'agent-1', 10, clock.advance(1000))).toEqual([]);
    clock.advance(5000);
    const again = s.lease('agent:mem_a', 'agent-1', 10, clock.now());
    expect(again.length).toBe(1);
    expect(s.complete(again[0].id, 'agent-1').provider).toBe('mem_a');
    expect(() => s.complete(again[0].id, 'agent-1')).toThrow(/no open job/);
  });

  it('refuses malformed targets', () => {
    const s = new ProbeScheduler(sequentialIds());
    expect(() => s.upsertTarget({ provider: 'm', destination: '10.0.0.1/8', target: '10.0.0.1', method: 'icmp' }, 0)).toThrow(/destination/);
    expect(() => s.upsertTarget({ provider: 'm', destination: '10.0.0.0/8', target: '10.0.0.1', method: 'tcp' }, 0)).toThrow(/port/);
    expect(() => new ProbeScheduler(sequentialIds(), { globalRatePerSec: 0 })).toThrow(/globalRatePerSec/);
  });
});

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const l = m.get(k);
    if (l) l.push(x);
    else m.set(k, [x]);
  }
  return m;
}
