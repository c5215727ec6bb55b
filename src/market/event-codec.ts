/**
 * Market events as journal payloads and back. Payloads are JSON: money as decimal strings of the
 * currency (micro-unit exact), times as epoch ms. `decodeEvent(encodeEvent(e))` equals `e`, which
 * is what lets a replay of the journal rebuild the books exactly (tested).
 */
import { type NewEvent, formatMoney, parseMoney } from '../lib/index.ts';
import type { MarketEvent, MarketEventType, OrderSpec, TradeRecord } from './types.ts';

export const MARKET_EVENT_TYPES: readonly MarketEventType[] = [
  'OrderAccepted', 'OrderAmended', 'OrderCancelled', 'OrderExpired',
  'TradeMatched', 'TradeActivated', 'TradeEnded', 'TradeCancelled',
];

/**
 * How the journal stores the hottest market payloads: their keys in a fixed order, values only
 * (src/store/payload-codec.ts). A tag's key list never changes once written: a new list gets a new
 * tag (`oa2`) and the old one stays here so old rows still decode. Keys not listed are kept too
 * (in a trailing object), so a field added to an event needs no new tag to be stored right.
 */
const SPEC_V1 = [
  'memberId', 'clientOrderId', 'side', 'destination', 'protocol', 'prefixType', 'trafficType', 'capacityMbps', 'minBlockMbps', 'price',
  'orderType', 'timeInForce', 'expiresAt', 'start', 'end', 'portId', 'limits', 'ranking', 'weights', 'declared',
] as const;
const TRADE_V1 = [
  'id', 'buyOrderId', 'sellOrderId', 'buyerId', 'sellerId', 'buyPortId', 'sellPortId', 'destination', 'protocol', 'prefixType',
  'trafficType', 'capacityMbps', 'price', 'start', 'end', 'quality', 'aggressor', 'matchedAt',
] as const;
/** A public trade as TradesPrinted lists it (present.ts presentPublicTrade). */
const PUBLIC_TRADE_V1 = ['destination', 'protocol', 'prefixType', 'capacityMbps', 'price', 'start', 'end', 'verified', 'aggressor', 'matchedAt'] as const;
/** A price level as BookChanged lists it (service.ts bookDelta). */
const LEVEL_V1 = ['destination', 'protocol', 'side', 'price', 'mbps', 'orders'] as const;
export const MARKET_PAYLOAD_SHAPES = {
  OrderAccepted: { current: 'oa1', shapes: { oa1: ['at', 'orderId', 'seq', ['spec', SPEC_V1]] } },
  TradeMatched: { current: 'tm1', shapes: { tm1: ['at', ['trade', TRADE_V1]] } },
  TradesPrinted: { current: 'tp1', shapes: { tp1: [['trades', PUBLIC_TRADE_V1, 'list']] } },
  BookChanged: { current: 'bc1', shapes: { bc1: [['levels', LEVEL_V1, 'list']] } },
} as const;

const moneyCache = new Map<number, string>();
/** Micro-units as a 2-decimal string; cached, since prices sit on a tick grid and repeat. */
export function money(micros: number): string {
  let s = moneyCache.get(micros);
  if (s === undefined) {
    if (moneyCache.size >= 4096) moneyCache.clear();
    s = formatMoney(BigInt(micros), 2);
    moneyCache.set(micros, s);
  }
  return s;
}
export const unmoney = (s: string): number => Number(parseMoney(s) ?? NaN);

export function specToJson(s: OrderSpec): Record<string, unknown> {
  return {
    ...s,
    price: money(s.price),
    ...(s.weights
      ? { weights: { latency: money(s.weights.latency), loss: money(s.weights.loss), distance: money(s.weights.distance) } }
      : {}),
  };
}

export function specFromJson(j: Record<string, unknown>): OrderSpec {
  const w = j.weights as Record<string, string> | undefined;
  return {
    ...(j as unknown as OrderSpec),
    price: unmoney(j.price as string),
    ...(w ? { weights: { latency: unmoney(w.latency), loss: unmoney(w.loss), distance: unmoney(w.distance) } } : {}),
  };
}

export function tradeToJson(t: TradeRecord): Record<string, unknown> {
  return { ...t, price: money(t.price) };
}

export function tradeFromJson(j: Record<string, unknown>): TradeRecord {
  return { ...(j as unknown as TradeRecord), price: unmoney(j.price as string) };
}

/** Who may see a market event and on which topic it streams. */
export function encodeEvent(e: MarketEvent): NewEvent {
  switch (e.type) {
    case 'OrderAccepted':
      return {
        type: e.type,
        actor: `member:${e.spec.memberId}`,
        topic: 'orders',
        visibility: [e.spec.memberId],
        payload: { at: e.at, orderId: e.orderId, seq: e.seq, spec: specToJson(e.spec) },
      };
    case 'OrderAmended':
      return { type: e.type, actor: `member:${e.memberId}`, topic: 'orders', visibility: [e.memberId], payload: { ...e, price: money(e.price) } };
    case 'OrderCancelled':
    case 'OrderExpired':
      return {
        type: e.type,
        actor: e.type === 'OrderCancelled' && e.reason === 'member' ? `member:${e.memberId}` : 'market',
        topic: 'orders',
        visibility: [e.memberId],
        payload: { ...e },
      };
    case 'TradeMatched':
      return {
        type: e.type,
        actor: 'market',
        topic: 'trades',
        visibility: e.trade.buyerId === e.trade.sellerId ? [e.trade.buyerId] : [e.trade.buyerId, e.trade.sellerId],
        payload: { at: e.at, trade: tradeToJson(e.trade) },
      };
    case 'TradeActivated':
    case 'TradeEnded':
    case 'TradeCancelled':
      return { type: e.type, actor: 'market', topic: 'trades', visibility: e.buyerId === e.sellerId ? [e.buyerId] : [e.buyerId, e.sellerId], payload: { ...e } };
  }
}

export function decodeEvent(type: string, p: Record<string, unknown>): MarketEvent | undefined {
  switch (type) {
    case 'OrderAccepted':
      return { type, at: p.at as number, orderId: p.orderId as string, seq: p.seq as number, spec: specFromJson(p.spec as Record<string, unknown>) };
    case 'OrderAmended':
      return {
        type,
        at: p.at as number,
        orderId: p.orderId as string,
        memberId: p.memberId as string,
        seq: p.seq as number,
        price: unmoney(p.price as string),
        capacityMbps: p.capacityMbps as number,
        keptPriority: p.keptPriority as boolean,
      };
    case 'OrderCancelled':
    case 'OrderExpired':
      return { type, at: p.at as number, orderId: p.orderId as string, memberId: p.memberId as string, reason: p.reason as never };
    case 'TradeMatched':
      return { type, at: p.at as number, trade: tradeFromJson(p.trade as Record<string, unknown>) };
    case 'TradeActivated':
    case 'TradeEnded':
      return { type, at: p.at as number, tradeId: p.tradeId as string, buyerId: p.buyerId as string, sellerId: p.sellerId as string };
    case 'TradeCancelled':
      return { type, at: p.at as number, tradeId: p.tradeId as string, buyerId: p.buyerId as string, sellerId: p.sellerId as string, reason: p.reason as string };
    default:
      return undefined;
  }
}
