import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CENT, divRound, formatMoney, parseMoney, roundTo } from '../../src/lib/index.ts';

describe('money', () => {
  it.each([
    ['12.5', 12_500_000n, '12.50'],
    ['0.000001', 1n, '0.000001'],
    ['-3', -3_000_000n, '-3.00'],
    ['100.10', 100_100_000n, '100.10'],
  ])('parses %s and formats it back', (s, micros, formatted) => {
    expect(parseMoney(s)).toBe(micros);
    expect(formatMoney(micros)).toBe(formatted);
  });

  it.each(['1e3', '1.0000001', '01', '', '.5', '5.', 'NaN', '1,5', ' 1'])('refuses %j', (s) => {
    expect(parseMoney(s)).toBeUndefined();
  });

  it('round-trips every amount', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (v) => {
      expect(parseMoney(formatMoney(v))).toBe(v);
    }));
  });

  it('rounds half to even, half up, down and up as named', () => {
    expect(divRound(5n, 2n, 'half-even')).toBe(2n);
    expect(divRound(7n, 2n, 'half-even')).toBe(4n);
    expect(divRound(5n, 2n, 'half-up')).toBe(3n);
    expect(divRound(-5n, 2n, 'half-up')).toBe(-3n);
    expect(divRound(9n, 10n, 'down')).toBe(0n);
    expect(divRound(1n, 10n, 'up')).toBe(1n);
    expect(roundTo(12_345n, CENT)).toBe(10_000n);
    expect(roundTo(15_000n, CENT)).toBe(20_000n);
  });

  it('never rounds by more than half a step (half-even)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.bigInt({ min: 1n, max: 10n ** 6n }), (n, d) => {
        const q = divRound(n, d);
        const err = n - q * d;
        expect(2n * (err < 0n ? -err : err) <= d).toBe(true);
      }),
    );
  });
});
