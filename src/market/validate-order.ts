/**
 * The edge of the market: turns an order as a member sends it (JSON: money as decimal strings,
 * times as ISO 8601) into the engine's OrderSpec (integers), naming every bad field. Bounds are
 * checked here so that the engine can keep prices in plain JS numbers: a price is at most
 * MAX_PRICE_MICROS, far below 2^53 even after weighting.
 */
import { type BandexError, canonicalPrefix, parseIso, parseMoney, parsePrefix } from '../lib/index.ts';
import { marketErrors } from './errors.ts';
import {
  PREFIX_TYPES,
  type DeclaredQuality,
  type OrderSpec,
  type OrderType,
  type PrefixType,
  type Protocol,
  type QualityLimits,
  type Ranking,
  type RankingWeights,
  type Side,
  type TimeInForce,
} from './types.ts';

/** One million currency units per Mbps per month, in micro-units. */
export const MAX_PRICE_MICROS = 1_000_000_000_000;
/** 100 Tbps. */
export const MAX_CAPACITY_MBPS = 100_000_000;
export const MIN_PERIOD_MS = 60_000;
export const MAX_PERIOD_MS = 10 * 366 * 86_400_000;
export const MAX_WEIGHT_MICROS = 1_000_000_000_000;

/** An order as it arrives over the API or the CLI. */
export interface OrderInput {
  clientOrderId?: string;
  side?: string;
  destination?: string;
  protocol?: string;
  prefixType?: string;
  trafficType?: string;
  capacityMbps?: number;
  minBlockMbps?: number;
  price?: string;
  priceGuard?: string;
  orderType?: string;
  timeInForce?: string;
  expiresAt?: string;
  start?: string;
  end?: string;
  portId?: string;
  quality?: Record<string, unknown>;
  ranking?: string;
  weights?: Record<string, unknown>;
}

export const ORDER_INPUT_FIELDS = [
  'clientOrderId', 'side', 'destination', 'protocol', 'prefixType', 'trafficType', 'capacityMbps',
  'minBlockMbps', 'price', 'priceGuard', 'orderType', 'timeInForce', 'expiresAt', 'start', 'end',
  'portId', 'quality', 'ranking', 'weights',
] as const;

interface Problem {
  field: string;
  message: string;
}

const TOKEN = /^[A-Za-z0-9._:-]{1,64}$/;
const TRAFFIC = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Validates `input` for `memberId`; throws MARKET_INVALID_ORDER naming the first bad field (all in details). */
export function validateOrder(memberId: string, input: OrderInput): OrderSpec {
  const p: Problem[] = [];
  const bad = collector(p);
  const raw = input as Record<string, unknown>;
  for (const k of Object.keys(raw)) {
    if (!(ORDER_INPUT_FIELDS as readonly string[]).includes(k)) bad(k, `${k} is not an order field`);
  }

  const clientOrderId = raw.clientOrderId;
  if (clientOrderId !== undefined && (typeof clientOrderId !== 'string' || !TOKEN.test(clientOrderId))) {
    bad('clientOrderId', 'clientOrderId must be 1-64 characters of A-Z a-z 0-9 . _ : -');
  }
  const side = oneOf<Side>(raw.side, ['buy', 'sell'], 'side', bad, undefined);
  const orderType = oneOf<OrderType>(raw.orderType, ['limit', 'market'], 'orderType', bad, 'limit');
  const tifDefault: TimeInForce = orderType === 'market' ? 'IOC' : 'GTC';
  const timeInForce = oneOf<TimeInForce>(raw.timeInForce, ['GTC', 'GTD', 'IOC', 'FOK'], 'timeInForce', bad, tifDefault);
  if (orderType === 'market' && timeInForce !== 'IOC' && timeInForce !== 'FOK') {
    bad('timeInForce', 'a market order is IOC or FOK: it never rests in the book');
  }
  const prefixType = oneOf<PrefixType>(raw.prefixType, PREFIX_TYPES, 'prefixType', bad, undefined);

  // Destination and protocol.
  let destination = '';
  let protocol: Protocol | undefined;
  const proto = raw.protocol === undefined ? undefined : oneOf<Protocol>(raw.protocol, ['ipv4', 'ipv6'], 'protocol', bad, undefined);
  if (typeof raw.destination !== 'string') bad('destination', 'destination is required: an IPv4/IPv6 prefix in CIDR form, or "any"');
  else if (raw.destination === 'any') {
    destination = 'any';
    if (proto === undefined) bad('protocol', 'protocol (ipv4 or ipv6) is required when destination is "any"');
    protocol = proto;
  } else {
    const r = destinationOf(raw.destination);
    if (!r.ok) bad('destination', `destination ${JSON.stringify(raw.destination)} is not a prefix: ${r.reason}`);
    else {
      destination = r.destination;
      protocol = r.protocol;
      if (proto !== undefined && proto !== protocol) bad('protocol', `protocol ${proto} does not match destination ${destination}`);
    }
  }

  const trafficType = raw.trafficType === undefined ? 'any' : raw.trafficType;
  if (typeof trafficType !== 'string' || !TRAFFIC.test(trafficType)) {
    bad('trafficType', 'trafficType must be "any" or a lower-case token (a-z 0-9 -, up to 32)');
  }

  const capacityMbps = int(raw.capacityMbps, 'capacityMbps', 1, MAX_CAPACITY_MBPS, bad, undefined);
  const minBlockMbps = int(raw.minBlockMbps, 'minBlockMbps', 1, MAX_CAPACITY_MBPS, bad, 1);
  if (capacityMbps !== undefined && minBlockMbps !== undefined && capacityMbps % minBlockMbps !== 0) {
    bad('capacityMbps', `capacityMbps ${capacityMbps} must be a multiple of minBlockMbps ${minBlockMbps}`);
  }

  // Price: a limit order has `price`; a market order has `priceGuard` (worst price accepted).
  let price: number | undefined;
  if (orderType === 'market') {
    if (raw.price !== undefined) bad('price', 'a market order has no price; give priceGuard, the worst price you accept');
    price = money(raw.priceGuard, 'priceGuard', bad);
  } else {
    if (raw.priceGuard !== undefined) bad('priceGuard', 'priceGuard belongs to market orders; a limit order has price');
    price = money(raw.price, 'price', bad);
  }

  const start = time(raw.start, 'start', bad);
  const end = time(raw.end, 'end', bad);
  if (start !== undefined && end !== undefined) {
    if (end - start < MIN_PERIOD_MS) bad('end', 'end must be at least one minute after start');
    else if (end - start > MAX_PERIOD_MS) bad('end', 'a delivery period is at most ten years');
  }
  let expiresAt: number | undefined;
  if (timeInForce === 'GTD') {
    expiresAt = time(raw.expiresAt, 'expiresAt', bad);
  } else if (raw.expiresAt !== undefined) bad('expiresAt', 'expiresAt is only for timeInForce GTD');

  if (typeof raw.portId !== 'string' || !TOKEN.test(raw.portId)) bad('portId', 'portId is required: the id of one of your ports');

  // Quality: limits on a buy, declared values on a sell.
  let limits: QualityLimits | undefined;
  let declared: DeclaredQuality | undefined;
  let ranking: Ranking | undefined;
  let weights: RankingWeights | undefined;
  const q = raw.quality;
  if (q !== undefined && (typeof q !== 'object' || q === null || Array.isArray(q))) bad('quality', 'quality must be an object');
  else if (side === 'buy') {
    if (q) limits = qualityLimits(q as Record<string, unknown>, bad);
    ranking = oneOf<Ranking>(raw.ranking, ['price', 'performance', 'weighted'], 'ranking', bad, 'price');
    if (ranking === 'weighted') weights = weightsOf(raw.weights, bad);
    else if (raw.weights !== undefined) bad('weights', 'weights are only for ranking "weighted"');
  } else if (side === 'sell') {
    if (q) declared = declaredQuality(q as Record<string, unknown>, bad);
    if (raw.ranking !== undefined) bad('ranking', 'ranking is chosen by buyers; a sell order has none');
    if (raw.weights !== undefined) bad('weights', 'weights are chosen by buyers; a sell order has none');
  }

  if (p.length > 0) {
    throw marketErrors.make('MARKET_INVALID_ORDER', p.map((x) => x.message).join('; '), {
      field: p[0].field,
      details: { errors: p },
    });
  }
  return {
    memberId,
    ...(clientOrderId !== undefined ? { clientOrderId: clientOrderId as string } : {}),
    side: side!,
    destination,
    protocol: protocol!,
    prefixType: prefixType!,
    trafficType: trafficType as string,
    capacityMbps: capacityMbps!,
    minBlockMbps: minBlockMbps!,
    price: price!,
    orderType: orderType!,
    timeInForce: timeInForce!,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    start: start!,
    end: end!,
    portId: raw.portId as string,
    ...(limits ? { limits } : {}),
    ...(ranking ? { ranking } : {}),
    ...(weights ? { weights } : {}),
    ...(declared ? { declared } : {}),
  };
}

/** Validates the fields of an amendment (PATCH); the engine checks them against the order. */
export function validateAmend(input: Record<string, unknown>): { price?: number; capacityMbps?: number } {
  const p: Problem[] = [];
  const bad = collector(p);
  for (const k of Object.keys(input)) if (k !== 'price' && k !== 'capacityMbps') bad(k, `${k} cannot be amended (only price and capacityMbps)`);
  const price = input.price === undefined ? undefined : money(input.price, 'price', bad);
  const capacityMbps = input.capacityMbps === undefined ? undefined : int(input.capacityMbps, 'capacityMbps', 1, MAX_CAPACITY_MBPS, bad, undefined);
  if (input.price === undefined && input.capacityMbps === undefined) bad('price', 'give price and/or capacityMbps');
  if (p.length) throw marketErrors.make('MARKET_AMEND_INVALID', p.map((x) => x.message).join('; '), { field: p[0].field, details: { errors: p } });
  return { ...(price !== undefined ? { price } : {}), ...(capacityMbps !== undefined ? { capacityMbps } : {}) };
}

export function isMarketValidationError(e: unknown): e is BandexError {
  return marketErrors.is(e, 'MARKET_INVALID_ORDER') || marketErrors.is(e, 'MARKET_AMEND_INVALID');
}

type Bad = (field: string, message: string) => void;

function collector(p: Problem[]): Bad {
  return (field, message) => void p.push({ field, message });
}

/**
 * Parses of the strings members repeat in every order (destinations, period bounds, prices) are
 * memoised in small bounded maps: parsing them again was a fifth of an HTTP order's market work.
 */
function memo<T>(f: (s: string) => T): (s: string) => T {
  const m = new Map<string, T>();
  return (s) => {
    let v = m.get(s);
    if (v === undefined && !m.has(s)) {
      if (m.size >= 4096) m.clear();
      v = f(s);
      m.set(s, v);
    }
    return v as T;
  };
}

type ParsedDestination = { ok: true; destination: string; protocol: Protocol } | { ok: false; reason: string };
const destinationOf = memo((s: string): ParsedDestination => {
  const r = parsePrefix(s);
  if (!r.ok) return { ok: false, reason: r.reason };
  return { ok: true, destination: canonicalPrefix(s)!, protocol: r.prefix.family === 4 ? 'ipv4' : 'ipv6' };
});
const isoOf = memo(parseIso);
const moneyOf = memo(parseMoney);

function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string, bad: Bad, dflt: T | undefined): T | undefined {
  if (v === undefined) {
    if (dflt === undefined) bad(field, `${field} is required: one of ${allowed.join(', ')}`);
    return dflt;
  }
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    bad(field, `${field} must be one of ${allowed.join(', ')}`);
    return dflt;
  }
  return v as T;
}

function int(v: unknown, field: string, min: number, max: number, bad: Bad, dflt: number | undefined): number | undefined {
  if (v === undefined) {
    if (dflt === undefined) bad(field, `${field} is required: an integer number of Mbps`);
    return dflt;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    bad(field, `${field} must be an integer from ${min} to ${max}`);
    return undefined;
  }
  return v;
}

function money(v: unknown, field: string, bad: Bad): number | undefined {
  if (typeof v !== 'string') {
    bad(field, `${field} is required: a decimal string in currency units per Mbps per month, e.g. "0.35"`);
    return undefined;
  }
  const m = moneyOf(v);
  if (m === undefined || m <= 0n || m > BigInt(MAX_PRICE_MICROS)) {
    bad(field, `${field} must be a positive decimal with at most 6 places, at most ${MAX_PRICE_MICROS / 1e6}`);
    return undefined;
  }
  return Number(m);
}

function time(v: unknown, field: string, bad: Bad): number | undefined {
  const t = typeof v === 'string' ? isoOf(v) : NaN;
  if (Number.isNaN(t)) {
    bad(field, `${field} must be an ISO 8601 time with a zone, e.g. 2026-12-01T00:00:00Z`);
    return undefined;
  }
  if (t % 1000 !== 0) {
    bad(field, `${field} must be a whole second (trades are prorated per second)`);
    return undefined;
  }
  return t;
}

function num(v: unknown, field: string, min: number, max: number, bad: Bad, integer = false): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    bad(field, `${field} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    return undefined;
  }
  return v;
}

function qualityLimits(q: Record<string, unknown>, bad: Bad): QualityLimits {
  const out: QualityLimits = {};
  for (const k of Object.keys(q)) {
    if (!['maxLatencyMs', 'maxLossPct', 'maxAsHops', 'verifiedOnly'].includes(k)) {
      bad(`quality.${k}`, `quality.${k} is not a buy limit (maxLatencyMs, maxLossPct, maxAsHops, verifiedOnly)`);
    }
  }
  const lat = num(q.maxLatencyMs, 'quality.maxLatencyMs', 0, 100_000, bad);
  const loss = num(q.maxLossPct, 'quality.maxLossPct', 0, 100, bad);
  const hops = num(q.maxAsHops, 'quality.maxAsHops', 0, 255, bad, true);
  if (lat !== undefined) out.maxLatencyMs = lat;
  if (loss !== undefined) out.maxLossPct = loss;
  if (hops !== undefined) out.maxAsHops = hops;
  if (q.verifiedOnly !== undefined) {
    if (typeof q.verifiedOnly !== 'boolean') bad('quality.verifiedOnly', 'quality.verifiedOnly must be true or false');
    else if (q.verifiedOnly) out.verifiedOnly = true;
  }
  return out;
}

function declaredQuality(q: Record<string, unknown>, bad: Bad): DeclaredQuality {
  const out: DeclaredQuality = {};
  for (const k of Object.keys(q)) {
    if (!['latencyMs', 'lossPct', 'asHops'].includes(k)) {
      bad(`quality.${k}`, `quality.${k} is not a declared sell value (latencyMs, lossPct, asHops)`);
    }
  }
  const lat = num(q.latencyMs, 'quality.latencyMs', 0, 100_000, bad);
  const loss = num(q.lossPct, 'quality.lossPct', 0, 100, bad);
  const hops = num(q.asHops, 'quality.asHops', 0, 255, bad, true);
  if (lat !== undefined) out.latencyMs = lat;
  if (loss !== undefined) out.lossPct = loss;
  if (hops !== undefined) out.asHops = hops;
  return out;
}

function weightsOf(w: unknown, bad: Bad): RankingWeights | undefined {
  if (typeof w !== 'object' || w === null || Array.isArray(w)) {
    bad('weights', 'ranking "weighted" needs weights {latency, loss, distance}: money per Mbps per month per ms, per %, per AS hop');
    return undefined;
  }
  const o = w as Record<string, unknown>;
  const out: RankingWeights = { latency: 0, loss: 0, distance: 0 };
  for (const k of Object.keys(o)) {
    if (k !== 'latency' && k !== 'loss' && k !== 'distance') {
      bad(`weights.${k}`, `weights.${k} is unknown (latency, loss, distance)`);
      continue;
    }
    const v = o[k];
    const m = typeof v === 'string' ? parseMoney(v) : undefined;
    if (m === undefined || m < 0n || m > BigInt(MAX_WEIGHT_MICROS)) {
      bad(`weights.${k}`, `weights.${k} must be a non-negative decimal string of money (≤ 6 places)`);
      continue;
    }
    out[k] = Number(m);
  }
  return out;
}
