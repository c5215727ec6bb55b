/**
 * The compact stored form of market payloads (src/store/payload-codec.ts, migration 0006): it
 * decodes to what JSON would have given, falls back to JSON for what does not fit, and a journal
 * written before it (plain JSON rows) still reads and replays the same, beside new compact rows.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, createReporter } from '../../src/lib/index.ts';
import { MARKET_EVENT_TYPES, MARKET_PAYLOAD_SHAPES, decodeEvent, encodeEvent } from '../../src/market/event-codec.ts';
import type { MarketEvent, OrderSpec, TradeRecord } from '../../src/market/types.ts';
import { createJournal, createStore } from '../../src/store/index.ts';
import { createMarketRepo } from '../../src/store/repos/market-repo.ts';
import { decodePayload, encodePayload } from '../../src/store/payload-codec.ts';
import { type FreshDatabase, freshDatabase } from '../support/fresh-database.ts';

const DEC = Date.parse('2026-12-01T00:00:00Z');
const JAN = Date.parse('2027-01-01T00:00:00Z');
const sell: OrderSpec = {
  memberId: 's', side: 'sell', destination: '10.0.0.0/8', protocol: 'ipv4', prefixType: 'transit', trafficType: 'any', capacityMbps: 1000, minBlockMbps: 100,
  price: 1_250_000, orderType: 'limit', timeInForce: 'GTC', start: DEC, end: JAN, portId: 'p-s', declared: { latencyMs: 5, lossPct: 0.1, asHops: 2 },
};
const buy: OrderSpec = {
  memberId: 'b', clientOrderId: 'c-1', side: 'buy', destination: '10.1.0.0/16', protocol: 'ipv4', prefixType: 'transit', trafficType: 'web', capacityMbps: 500,
  minBlockMbps: 100, price: 1_300_000, orderType: 'limit', timeInForce: 'GTD', expiresAt: JAN, start: DEC, end: JAN, portId: 'p-b',
  limits: { maxLatencyMs: 20, maxLossPct: 1 }, ranking: 'weighted', weights: { latency: 10_000, loss: 0, distance: 5_000 },
};
const trade: TradeRecord = {
  id: 'trd_1', buyOrderId: 'ord_2', sellOrderId: 'ord_1', buyerId: 'b', sellerId: 's', buyPortId: 'p-b', sellPortId: 'p-s', destination: '10.1.0.0/16', protocol: 'ipv4',
  prefixType: 'transit', trafficType: 'web', capacityMbps: 500, price: 1_250_000, start: DEC, end: JAN, quality: { latencyMs: 5, verified: false }, aggressor: 'buy', matchedAt: DEC - 1000,
};
const events: MarketEvent[] = [
  { type: 'OrderAccepted', at: DEC - 3000, orderId: 'ord_1', seq: 1, spec: sell },
  { type: 'OrderAccepted', at: DEC - 2000, orderId: 'ord_2', seq: 2, spec: buy },
  { type: 'TradeMatched', at: DEC - 1000, trade },
  { type: 'OrderAmended', at: DEC - 500, orderId: 'ord_1', memberId: 's', seq: 3, price: 1_200_000, capacityMbps: 500, keptPriority: false },
  { type: 'OrderCancelled', at: DEC - 100, orderId: 'ord_1', memberId: 's', reason: 'member' },
];
const viaJson = (p: unknown): unknown => JSON.parse(JSON.stringify(p));

describe('compact journal payloads', () => {
  it('decode to exactly what JSON gives, in about half the bytes for the shaped types', () => {
    for (const e of events) {
      const { type, payload } = encodeEvent(e);
      const text = encodePayload(type, payload);
      expect(decodePayload(type, text)).toEqual(viaJson(payload));
      expect(decodeEvent(type, decodePayload(type, text) as Record<string, unknown>)).toEqual(e);
      if (type in MARKET_PAYLOAD_SHAPES) {
        expect(text.startsWith(`["${MARKET_PAYLOAD_SHAPES[type as keyof typeof MARKET_PAYLOAD_SHAPES].current}",`)).toBe(true);
        expect(text.length).toBeLessThan(JSON.stringify(payload).length * 0.6);
      } else expect(text).toBe(JSON.stringify(payload));
    }
  });

  it('stores the public trade prints and book deltas as lists of packed objects', () => {
    const printed = { trades: [{ destination: 'any', protocol: 'ipv6', prefixType: 'peer', capacityMbps: 100, price: '1.00', start: '2027-01-01T00:00:00.000Z', end: '2027-02-01T00:00:00.000Z', verified: true, aggressor: 'sell', matchedAt: '2026-12-01T00:00:00.000Z' }] };
    const book = { levels: [{ destination: '10.0.0.0/8', protocol: 'ipv4', side: 'buy', price: '1.25', mbps: 0, orders: 0 }, { destination: 'any', protocol: 'ipv4', side: 'sell', price: '1.30', mbps: 500, orders: 2 }] };
    for (const [type, p] of [['TradesPrinted', printed], ['BookChanged', book]] as const) {
      const text = encodePayload(type, p);
      expect(text.startsWith('["tp1",') || text.startsWith('["bc1",')).toBe(true);
      expect(text.length).toBeLessThan(JSON.stringify(p).length * 0.7);
      expect(decodePayload(type, text)).toEqual(p);
      // A list holding something else than objects is stored as JSON.
      const odd = { levels: [1], trades: [null] };
      expect(decodePayload(type, encodePayload(type, odd))).toEqual(odd);
    }
  });

  it('keeps keys outside the shape, drops undefined values as JSON does, and stores what does not fit as JSON', () => {
    const { payload } = encodeEvent(events[1]);
    const p = payload as Record<string, Record<string, unknown>>;
    const extra = { ...p, later: { a: [1, 'x'] }, gone: undefined, spec: { ...p.spec, added: 'v2 field', ranking: undefined } };
    expect(decodePayload('OrderAccepted', encodePayload('OrderAccepted', extra))).toEqual(viaJson(extra));
    const odd = { ...p, spec: 'not an object' };
    expect(encodePayload('OrderAccepted', odd)).toBe(JSON.stringify(odd));
    expect(decodePayload('OrderAccepted', encodePayload('OrderAccepted', odd))).toEqual(odd);
    const proto = JSON.parse('{"at": 1, "__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(decodePayload('OrderAccepted', encodePayload('OrderAccepted', proto))).toEqual(viaJson(proto));
    expect(Object.getPrototypeOf(decodePayload('OrderAccepted', encodePayload('OrderAccepted', proto)))).toBe(Object.prototype);
    for (const list of [[1, 2], ['oa1', 0], ['', 1], []]) expect(decodePayload('OrderAccepted', encodePayload('OrderAccepted', list))).toEqual(list);
  });

  it('refuses a compact row of a shape this version does not know, instead of handing replay an array', () => {
    const text = encodePayload('OrderAccepted', encodeEvent(events[1]).payload).replace('"oa1"', '"oa9"');
    expect(() => decodePayload('OrderAccepted', text)).toThrow(expect.objectContaining({ code: 'JOURNAL_PAYLOAD_UNKNOWN_SHAPE', field: 'payload' }));
    // types without shapes keep their arrays as stored
    expect(decodePayload('Other', '["oa9", 1]')).toEqual(['oa9', 1]);
  });

  it('round-trips arbitrary objects on every shaped type (property)', () => {
    const value = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    const obj = (keys: readonly string[]) => fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string()), value);
    fc.assert(
      fc.property(obj(['at', 'orderId', 'seq', 'spec', 'trade', 'trades', 'levels']), obj(['memberId', 'price', 'limits', 'id', 'quality', 'start', 'side']), (outer, inner) => {
        for (const type of Object.keys(MARKET_PAYLOAD_SHAPES)) {
          const p = { ...outer, spec: inner, trade: inner, trades: [inner, {}], levels: [inner] };
          expect(decodePayload(type, encodePayload(type, p))).toEqual(viaJson(p));
          expect(decodePayload(type, encodePayload(type, outer))).toEqual(viaJson(outer));
        }
      }),
      { numRuns: 300 },
    );
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`a journal written before compact payloads [${dialect}]`, () => {
    let fresh: FreshDatabase | undefined;
    afterAll(async () => fresh?.drop());

    it('reads and replays its JSON rows beside new compact rows; the database lists every shape the code writes', async () => {
      fresh = await freshDatabase(dialect);
      const cfg = fresh.cfg;
      const reporter = createReporter({ destination: false });
      const store = createStore(cfg, { reporter });
      await store.migrate();
      const shapes = await store.db.selectFrom('event_payload_shapes').selectAll().execute();
      for (const [type, s] of Object.entries(MARKET_PAYLOAD_SHAPES)) {
        for (const [tag, keys] of Object.entries(s.shapes)) expect(shapes).toContainEqual({ tag, type, keys: JSON.stringify(keys) });
      }
      // The old rows: the payload as JSON text, as every version before 0006 wrote it.
      const old = events.slice(0, 3).map(encodeEvent);
      for (const [i, e] of old.entries()) {
        await sql`insert into journal (seq, time, type, actor, topic, private, audience, payload)
          values (${i + 1}, ${DEC}, ${e.type}, ${e.actor ?? 'system'}, ${e.topic ?? null}, 0, null, ${JSON.stringify(e.payload)})`.execute(store.db);
      }
      const clock = new ManualClock('2026-11-01T00:00:00Z');
      const journal = createJournal({ db: store.db, dialect: store.dialect, ...(store.sqlite ? { sqlite: store.sqlite } : {}), clock, reporter });
      await journal.start();
      // The same events again, written now (compact for the shaped types).
      await journal.appendAll(events.map(encodeEvent));
      const raw = await store.db.selectFrom('journal').select(['seq', 'payload']).where('seq', '>', 3).orderBy('seq').execute();
      expect(raw[0].payload.startsWith('["oa1",')).toBe(true);
      expect(raw[2].payload.startsWith('["tm1",')).toBe(true);

      const read = await journal.read({ limit: 100 });
      expect(read.map((e) => decodeEvent(e.type, e.payload as Record<string, unknown>))).toEqual([...events.slice(0, 3), ...events]);
      const replayed: MarketEvent[] = [];
      const n = await createMarketRepo(store.db, journal, store.sqlite).replay(MARKET_EVENT_TYPES, 2, (type, p) => replayed.push(decodeEvent(type, p as Record<string, unknown>)!));
      expect(n).toBe(8);
      expect(replayed).toEqual([...events.slice(0, 3), ...events]);
      await journal.close();
      await store.close();
    });
  });
}
