/**
 * Order expiry timers are disarmed when the order closes (a filled or cancelled order is not
 * kept alive until its expiry), and the orders still open expire in the order they were armed,
 * also after a bucket with many disarmed entries was compacted.
 */
import { describe, expect, it } from 'vitest';
import { TIMER_ORDER_EXPIRY, TimerQueue, type Bucket } from '../../src/market/timers.ts';
import { Fixture } from './fixture.ts';

describe('order expiry timers', () => {
  it('a closed order leaves its bucket; the rest expire in arming order, across compaction', () => {
    const f = new Fixture(['a', 'b'], 100_000_000);
    const expiresAt = '2026-11-20T00:00:00Z';
    const ids: string[] = [];
    for (let i = 0; i < 3000; i++) ids.push(f.sell('a', { capacityMbps: 100, price: '1.00', timeInForce: 'GTD', expiresAt }).order.id);
    expect(f.engine.state.timers.size).toBe(3000);
    // Cancel most of them (every order but each sixth): the bucket compacts along the way.
    const kept: string[] = [];
    ids.forEach((id, i) => {
      if (i % 6 === 0) kept.push(id);
      else f.engine.cancel('a', id);
    });
    expect(f.engine.state.timers.size).toBe(kept.length);
    // Fill the first kept one: disarmed too.
    expect(f.buy('b', { capacityMbps: 100, price: '1.00', timeInForce: 'IOC' }).trades).toHaveLength(1);
    expect(f.engine.state.timers.size).toBe(kept.length - 1 + 2); // + the trade's start and end
    f.clock.set(Date.parse(expiresAt));
    const expired = f.tick().filter((e) => e.type === 'OrderExpired').map((e) => (e as { orderId: string }).orderId);
    expect(expired).toEqual(kept.slice(1));
    expect(f.engine.state.orders.size).toBe(0);
  });

  it('disarm keeps the other entries and their slots right (unit)', () => {
    const q = new TimerQueue();
    const items = Array.from({ length: 5000 }, (_, i) => ({ i, timerBucket: null as Bucket | null, timerSlot: 0 }));
    for (const x of items) q.addDisarmable(100, TIMER_ORDER_EXPIRY, x);
    for (const x of items) if (x.i % 3 !== 0) q.disarm(x);
    for (const x of items) q.disarm(x.i % 9 === 0 ? x : { timerBucket: null, timerSlot: 0 });
    const due = q.takeDue(100)!;
    const ts = due.bucket.targets;
    const left = Array.from({ length: ts.length }, (_, i) => ts.at(i))
      .filter((t) => t !== null).map((t) => (t as { i: number }).i);
    expect(left).toEqual(items.filter((x) => x.i % 3 === 0 && x.i % 9 !== 0).map((x) => x.i));
    expect(q.size).toBe(0);
  });
});
