/** A small market on a manual clock with ports and a quality table, for the market tests. */
import { ManualClock, sequentialIds } from '../../src/lib/index.ts';
import type { QualityObservation, QualitySource } from '../../src/quality/quality-source.ts';
import { MarketEngine, type MarketEvent, type OrderInput, type PortInfo, type TradeRecord, validateOrder } from '../../src/market/index.ts';

export const DEC = '2026-12-01T00:00:00Z';
export const MID_DEC = '2026-12-16T00:00:00Z';
export const JAN = '2027-01-01T00:00:00Z';

export class Fixture {
  readonly clock = new ManualClock('2026-11-01T00:00:00Z');
  readonly ports = new Map<string, PortInfo>();
  readonly quality = new Map<string, QualityObservation>();
  readonly events: MarketEvent[] = [];
  readonly engine: MarketEngine;

  constructor(members = ['a', 'b', 'c', 'd', 'e'], portMbps = 100_000) {
    for (const m of members) this.ports.set(`p-${m}`, { memberId: m, capacityMbps: portMbps });
    const source: QualitySource = { lookup: (member, dest) => this.quality.get(`${member} ${dest}`) };
    this.engine = new MarketEngine({
      clock: this.clock,
      ids: sequentialIds(),
      quality: source,
      ports: { port: (id) => this.ports.get(id) },
    });
  }

  /** Submits an order of `member` with sensible defaults; returns the order and its trades. */
  order(member: string, input: Partial<OrderInput> & { side: 'buy' | 'sell' }) {
    const spec = validateOrder(member, {
      destination: '10.0.0.0/8',
      prefixType: 'transit',
      capacityMbps: 1000,
      price: '1.00',
      start: DEC,
      end: JAN,
      portId: `p-${member}`,
      ...input,
    });
    const r = this.engine.submit(spec);
    this.events.push(...r.events);
    const trades = r.events.filter((e) => e.type === 'TradeMatched').map((e) => (e as { trade: TradeRecord }).trade);
    return { order: r.order, trades, events: r.events, duplicate: r.duplicate };
  }

  buy(member: string, input: Partial<OrderInput> = {}) {
    return this.order(member, { ...input, side: 'buy' });
  }

  sell(member: string, input: Partial<OrderInput> = {}) {
    return this.order(member, { ...input, side: 'sell' });
  }

  measure(member: string, dest: string, q: Partial<QualityObservation>): void {
    this.quality.set(`${member} ${dest}`, { verified: true, samples: 100, measuredAt: this.clock.now(), ...q });
  }

  tick(): MarketEvent[] {
    const ev = this.engine.tick();
    this.events.push(...ev);
    return ev;
  }
}
