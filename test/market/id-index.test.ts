/**
 * IdIndex (state.ts): open orders and live trades are filed in a Map only when someone looks one
 * up by id; these tests check that everything live is found, nothing removed is, the size and the
 * iteration order match a plain Map, through filing, removals before and after filing, and the
 * compaction of a pending list with many holes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../src/market/state.ts';
import { Fixture } from './fixture.ts';

class Item {
  slot = IdIndex.NONE;
  constructor(readonly id: string) {}
}

describe('IdIndex', () => {
  it('behaves like a Map of the live items under any sequence of adds, removes and look-ups', () => {
    const step = fc.oneof(
      fc.record({ k: fc.constant('add' as const), n: fc.integer({ min: 1, max: 600 }) }),
      fc.record({ k: fc.constant('remove' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 900 }) }),
      fc.record({ k: fc.constant('get' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const ix = new IdIndex<Item>();
        const model = new Map<string, Item>();
        let next = 0;
        for (const s of steps) {
          if (s.k === 'add') {
            for (let i = 0; i < s.n; i++) {
              const x = new Item(`x${next++}`);
              ix.add(x);
              model.set(x.id, x);
            }
          } else if (s.k === 'remove') {
            const live = [...model.values()];
            for (let i = 0; i < s.n && live.length > 0; i++) {
              const x = live.splice((s.pick + i * 7) % live.length, 1)[0];
              ix.remove(x);
              ix.remove(x); // a second remove is a no-op
              model.delete(x.id);
            }
          } else {
            const id = `x${next === 0 ? 0 : s.pick % next}`;
            expect(ix.get(id)).toBe(model.get(id));
          }
          expect(ix.size).toBe(model.size);
        }
        expect([...ix.keys()]).toEqual([...model.keys()]);
        expect([...ix.values()]).toEqual([...model.values()]);
        for (const x of model.values()) expect(ix.has(x.id)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('finds a resting order and a trade after thousands of fills that were never looked up', () => {
    const f = new Fixture(['a', 'b'], 10_000_000);
    let last: { order: { id: string } } | undefined;
    for (let i = 0; i < 3000; i++) {
      f.sell('a', { capacityMbps: 1000, price: '1.00' });
      last = f.buy('b', { capacityMbps: 1000, price: '1.00' });
    }
    const resting = f.sell('a', { capacityMbps: 1000, price: '2.00' }).order;
    expect(f.engine.state.orders.size).toBe(1);
    expect(f.engine.order(resting.id)).toBe(resting);
    expect(f.engine.order(last!.order.id)).toBeUndefined(); // filled on arrival: gone
    expect(f.engine.state.trades.size).toBe(3000);
    const trades = [...f.engine.state.trades.keys()];
    expect(trades).toHaveLength(3000);
    f.engine.cancelTrade(trades[1234], 'admin');
    expect(f.engine.state.trades.has(trades[1234])).toBe(false);
    expect(f.engine.state.trades.size).toBe(2999);
    const ev = f.engine.cancel('a', resting.id);
    expect(ev.map((e) => e.type)).toEqual(['OrderCancelled']);
    expect(f.engine.state.orders.size).toBe(0);
  });
});
