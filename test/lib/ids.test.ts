import { describe, expect, it } from 'vitest';
import { randomIds, sequentialIds } from '../../src/lib/index.ts';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const decode = (digits: string) => [...digits].reduce((n, c) => n * 32 + ALPHABET.indexOf(c), 0);

describe('randomIds', () => {
  it('gives prefix_, ten base32 digits of the clock ms, then sixteen random ones', () => {
    let now = Date.UTC(2026, 11, 7, 13, 45, 0, 123);
    const ids = randomIds({ now: () => now });
    const a = ids.next('ord');
    expect(a).toMatch(/^ord_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(decode(a.slice(4, 14))).toBe(now);
    now += 1;
    const b = ids.next('trd');
    expect(decode(b.slice(4, 14))).toBe(now);
    // Sortable by creation across milliseconds (same prefix).
    now += 1000;
    const c = ids.next('ord');
    expect(c > a).toBe(true);
  });

  it('never repeats, within one ms and across many refills of its random pool', () => {
    const ids = randomIds({ now: () => 1_765_000_000_000 });
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) seen.add(ids.next('x'));
    expect(seen.size).toBe(50_000);
  });

  it('spreads its random digits evenly over the alphabet', () => {
    const ids = randomIds({ now: () => 1_765_000_000_000 });
    const counts = new Map<string, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) for (const ch of ids.next('x').slice(12)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(32);
    const mean = (n * 16) / 32;
    for (const v of counts.values()) expect(Math.abs(v - mean) / mean).toBeLessThan(0.05);
  });

  it('sequentialIds counts from its start, zero-padded', () => {
    const ids = sequentialIds(9);
    expect([ids.next('mem'), ids.next('mem')]).toEqual(['mem_000009', 'mem_000010']);
  });
});
