import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Prefix, PrefixTrie, containsPrefix, formatPrefix, prefix } from '../../src/lib/index.ts';

/** Arbitrary IPv4 prefixes with host bits cleared, drawn from a small space so they nest often. */
const v4prefix = fc.record({ a: fc.integer({ min: 0, max: 3 }), b: fc.integer({ min: 0, max: 255 }), len: fc.integer({ min: 0, max: 24 }) }).map(({ a, b, len }) => {
  const n = ((10 << 24) | (a << 16) | (b << 8)) >>> 0;
  const masked = len === 0 ? 0 : (n & (~0 << (32 - len))) >>> 0;
  const bytes = new Uint8Array([masked >>> 24, (masked >>> 16) & 255, (masked >>> 8) & 255, masked & 255]);
  return { family: 4, bytes, len } as Prefix;
});

describe('PrefixTrie', () => {
  it('answers exact, longest, covering and covered look-ups', () => {
    const t = new PrefixTrie<string>();
    for (const p of ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '2001:db8::/32']) t.set(prefix(p), p);
    expect(t.get(prefix('10.1.0.0/16'))).toBe('10.1.0.0/16');
    expect(t.get(prefix('10.2.0.0/16'))).toBeUndefined();
    expect(t.longestMatch(prefix('10.1.2.128/25'))?.value).toBe('10.1.2.0/24');
    expect(t.longestMatch(prefix('10.9.0.0/16'))?.value).toBe('10.0.0.0/8');
    expect(t.covering(prefix('10.1.2.0/24')).map((x) => x.value)).toEqual(['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24']);
    expect(t.covered(prefix('10.0.0.0/8')).sort()).toEqual(['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24']);
    expect(t.longestMatch(prefix('2001:db8:1::/48'))?.value).toBe('2001:db8::/32');
    expect(t.longestMatch(prefix('11.0.0.0/8'))).toBeUndefined();
    expect(t.size).toBe(4);
    expect(t.delete(prefix('10.1.0.0/16'))).toBe(true);
    expect(t.delete(prefix('10.1.0.0/16'))).toBe(false);
    expect(t.longestMatch(prefix('10.1.9.0/24'))?.value).toBe('10.0.0.0/8');
    expect(t.size).toBe(3);
  });

  it('agrees with a brute-force scan for any set of prefixes', () => {
    fc.assert(
      fc.property(fc.array(v4prefix, { maxLength: 40 }), fc.array(v4prefix, { maxLength: 10 }), v4prefix, (ins, del, q) => {
        const t = new PrefixTrie<string>();
        const ref = new Map<string, Prefix>();
        for (const p of ins) {
          t.set(p, formatPrefix(p));
          ref.set(formatPrefix(p), p);
        }
        for (const p of del) {
          expect(t.delete(p)).toBe(ref.delete(formatPrefix(p)));
        }
        expect(t.size).toBe(ref.size);
        const covering = [...ref.values()].filter((p) => containsPrefix(p, q)).sort((a, b) => a.len - b.len);
        expect(t.covering(q).map((x) => x.value)).toEqual(covering.map(formatPrefix));
        expect(t.longestMatch(q)?.value).toBe(covering.length ? formatPrefix(covering[covering.length - 1]) : undefined);
        const covered = [...ref.values()].filter((p) => containsPrefix(q, p)).map(formatPrefix).sort();
        expect(t.covered(q).sort()).toEqual(covered);
      }),
    );
  });
});
