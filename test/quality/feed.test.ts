import { describe, expect, it } from 'vitest';
import { type JournalEvent, createReporter, sequentialIds } from '../../src/lib/index.ts';
import { ProbeScheduler, type ProbeTarget, createEventFeed, eventFeedDefaults, firstHost } from '../../src/quality/index.ts';

let seq = 0;
const ev = (type: string, payload: unknown): JournalEvent => ({ seq: ++seq, time: 0, type, actor: 'market', topic: null, visibleTo: null, payload });

function setup() {
  const scheduler = new ProbeScheduler(sequentialIds());
  const reporter = createReporter({ destination: false });
  const feed = createEventFeed(
    {
      scheduler,
      reporter,
      addTarget: async (t: ProbeTarget) => scheduler.upsertTarget(t, 0),
      removeTarget: async (k: string) => scheduler.removeTarget(k),
      memberOfPort: (id: string) => ({ port_1: 'mem_s', port_2: 'mem_s', port_3: 'mem_x' })[id],
    },
    eventFeedDefaults,
  );
  scheduler.upsertTarget({ provider: 'mem_s', destination: '198.51.100.0/24', target: '198.51.100.1', method: 'icmp' }, 0);
  scheduler.upsertTarget({ provider: 'mem_s', destination: '192.0.2.0/24', target: '192.0.2.1', method: 'icmp' }, 0);
  const weight = (d: string) => scheduler.targets().find((t) => t.destination === d)!.weight;
  return { scheduler, reporter, feed, weight };
}

describe('journal feed into the scheduler (A4 relevance)', () => {
  it('raises interest in a seller’s path while its sell orders are open and its trades live', () => {
    const { feed, weight } = setup();
    // Payload shapes as src/market/event-codec.ts writes them.
    feed.handle(ev('OrderAccepted', { at: 0, orderId: 'o1', seq: 1, spec: { memberId: 'mem_s', side: 'sell', destination: '198.51.100.0/24' } }));
    feed.handle(ev('OrderAccepted', { at: 0, orderId: 'o2', seq: 2, spec: { memberId: 'mem_b', side: 'buy', destination: '198.51.100.0/24' } }));
    expect(weight('198.51.100.0/24')).toBe(2);
    feed.handle(ev('TradeMatched', { at: 0, trade: { id: 't1', buyerId: 'mem_b', sellerId: 'mem_s', destination: '198.51.100.0/24' } }));
    expect(weight('198.51.100.0/24')).toBe(6);
    expect(weight('192.0.2.0/24')).toBe(1);
    feed.handle(ev('OrderCancelled', { at: 0, orderId: 'o1', memberId: 'mem_s', reason: 'member' }));
    feed.handle(ev('TradeEnded', { at: 0, tradeId: 't1', buyerId: 'mem_b', sellerId: 'mem_s' }));
    expect(weight('198.51.100.0/24')).toBe(1);
  });

  it('stops counting a sell once whole-period trades have sold all of it, not when parts of its period are sold', () => {
    const { feed, weight } = setup();
    const D = '198.51.100.0/24';
    const [S, M, E] = [1_800_000_000_000, 1_801_000_000_000, 1_802_000_000_000];
    const sell = (orderId: string, capacityMbps: number) =>
      feed.handle(ev('OrderAccepted', { at: 0, orderId, seq: 1, spec: { memberId: 'mem_s', side: 'sell', destination: D, capacityMbps, start: S, end: E } }));
    const trade = (id: string, sellOrderId: string, capacityMbps: number, start: number, end: number) =>
      feed.handle(ev('TradeMatched', { at: 0, trade: { id, buyerId: 'mem_b', sellerId: 'mem_s', sellOrderId, destination: D, capacityMbps, start, end } }));
    sell('o1', 1000);
    sell('o2', 1000);
    expect(weight(D)).toBe(3); // 1 + two open sells
    trade('t1', 'o1', 600, S, E);
    expect(weight(D)).toBe(7); // + one live trade (4)
    trade('t2', 'o1', 400, S, E); // o1 sold out: no longer an open sell
    expect(weight(D)).toBe(10);
    // o2: half its period sold twice over is still not every instant of it.
    trade('t3', 'o2', 1000, S, M);
    expect(weight(D)).toBe(14);
    // Lowered to what is sold (an amendment), o2 is sold out too.
    trade('t4', 'o2', 500, S, E);
    feed.handle(ev('OrderAmended', { at: 0, orderId: 'o2', memberId: 'mem_s', seq: 2, price: '1.00', capacityMbps: 500, keptPriority: true }));
    expect(weight(D)).toBe(17); // four live trades, no open sell
    for (const t of ['t1', 't2', 't3', 't4']) feed.handle(ev('TradeEnded', { at: 0, tradeId: t, buyerId: 'mem_b', sellerId: 'mem_s' }));
    feed.handle(ev('OrderCancelled', { at: 0, orderId: 'o1', memberId: 'mem_s', reason: 'member' })); // already gone: no change
    expect(weight(D)).toBe(1);
  });

  it('weighs a member’s targets by the traffic metering saw on its ports', () => {
    const { feed, weight } = setup();
    // Two ports of mem_s and one of another member, in one 60 s bin.
    const bin = (portId: string, inBytes: number, outBytes: number) => ({ portId, binStart: 0, binMs: 60_000, inBytes, outBytes, inPackets: 0, outPackets: 0 });
    feed.handle(ev('UsageSampled', { bins: [bin('port_1', 27e6, 36e6), bin('port_2', 0, 0), bin('port_3', 1e9, 1e9)] }));
    // 63e6 bytes · 8 / 60 s = 8.4 Mbit/s → weight 1 + log2(1 + 8.4).
    expect(weight('198.51.100.0/24')).toBeCloseTo(1 + Math.log2(9.4), 9);
    expect(weight('192.0.2.0/24')).toBeCloseTo(1 + Math.log2(9.4), 9);
    feed.handle(ev('UsageSampled', { bins: [bin('port_1', 0, 0)] }));
    expect(weight('198.51.100.0/24')).toBe(1);
  });

  it('counts and skips events of an unexpected shape without throwing', async () => {
    const { feed, reporter } = setup();
    feed.handle(ev('TradeMatched', { trade: 'nonsense' }));
    feed.handle(ev('OrderAccepted', null));
    feed.handle(ev('SomethingElse', { x: 1 }));
    expect(await reporter.registry.getSingleMetricAsString('bandex_quality_feed_skipped_total')).toMatch(/type="TradeMatched"} 1[\s\S]*type="OrderAccepted"} 1/);
  });

  it('puts a registered prefix in the exchange lane only when the member has a source-address binding', async () => {
    const scheduler = new ProbeScheduler(sequentialIds());
    const feed = createEventFeed(
      {
        scheduler,
        reporter: createReporter({ destination: false }),
        addTarget: async (t: ProbeTarget) => scheduler.upsertTarget(t, 0),
        removeTarget: async (k: string) => scheduler.removeTarget(k),
        hasSourceAddress: (p: string) => p === 'mem_bound',
      },
      eventFeedDefaults,
    );
    feed.handle(ev('RoutePrefixRegistered', { memberId: 'mem_bound', prefix: '198.51.100.0/24', family: 4, registeredAt: 0 }));
    feed.handle(ev('RoutePrefixRegistered', { memberId: 'mem_free', prefix: '2001:db8::/32', family: 6, registeredAt: 0 }));
    await new Promise((r) => setImmediate(r));
    expect(scheduler.targets().map((t) => [t.provider, t.target, t.lane])).toEqual(
      expect.arrayContaining([
        ['mem_bound', '198.51.100.1', 'exchange'],
        ['mem_free', '2001:db8::1', 'agent:mem_free'],
      ]),
    );
  });

  it('picks the first host of a prefix as the probe address', () => {
    expect(firstHost('198.51.100.0/24')).toBe('198.51.100.1');
    expect(firstHost('10.0.255.255/32')).toBe('10.0.255.255');
    expect(firstHost('2001:db8::/32')).toBe('2001:db8::1');
    expect(firstHost('10.0.0.0/31')).toBe('10.0.0.0');
  });
});
