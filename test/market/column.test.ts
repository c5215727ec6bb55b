import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Column } from '../../src/market/column.ts';

describe('Column (chunked growable array)', () => {
  it('behaves as a plain array under push, set and truncate, across chunk boundaries', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('push' as const), n: fc.integer({ min: 1, max: 9000 }), v: fc.integer() }),
      fc.record({ k: fc.constant('set' as const), i: fc.nat(), v: fc.integer() }),
      fc.record({ k: fc.constant('truncate' as const), i: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        const c = new Column<number>(-7);
        const a: number[] = [];
        for (const o of ops) {
          if (o.k === 'push') {
            for (let j = 0; j < o.n; j++) {
              c.push(o.v + j);
              a.push(o.v + j);
            }
          } else if (o.k === 'set') {
            if (a.length === 0) continue;
            const i = o.i % a.length;
            c.set(i, o.v);
            a[i] = o.v;
          } else {
            const n = a.length === 0 ? 0 : o.i % (a.length + 1);
            c.truncate(n);
            a.length = n;
          }
          expect(c.length).toBe(a.length);
        }
        expect(Array.from({ length: c.length }, (_, i) => c.at(i))).toEqual(a);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a small column small (a timer bucket of one order)', () => {
    const c = new Column<object | null>(null);
    c.push({});
    // The first chunk grows as a plain array: one entry, not 4096.
    expect((c as unknown as { chunks: unknown[][] }).chunks[0].length).toBe(1);
  });

  it('gives entries past a truncation back as the fill value once pushed again', () => {
    const c = new Column<string | null>(null);
    for (let i = 0; i < 5000; i++) c.push(`x${i}`);
    c.truncate(4100);
    c.push('y');
    expect(c.at(4099)).toBe('x4099');
    expect(c.at(4100)).toBe('y');
    expect(c.length).toBe(4101);
  });
});
