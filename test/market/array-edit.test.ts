import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insertAt, removeAt } from '../../src/market/array-edit.ts';

describe('insertAt / removeAt', () => {
  it('edit arrays exactly as splice does', () => {
    const op = fc.record({ insert: fc.boolean(), at: fc.nat(), v: fc.integer() });
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 20 }), fc.array(op, { maxLength: 30 }), (init, ops) => {
        const a = [...init];
        const b = [...init];
        for (const o of ops) {
          if (o.insert) {
            const i = o.at % (a.length + 1);
            insertAt(a, i, o.v);
            b.splice(i, 0, o.v);
          } else if (a.length > 0) {
            const i = o.at % a.length;
            removeAt(a, i);
            b.splice(i, 1);
          }
        }
        expect(a).toEqual(b);
      }),
    );
  });
});
