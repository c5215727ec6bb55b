/**
 * Quality in matching (SPEC B3, B6). The seller's quality towards the buyer's destination is what
 * the exchange measured (QualitySource); a figure never measured falls back to the value the
 * seller declared on its order, and the match is then marked unverified. A limit on a figure that
 * is neither measured nor declared is not met: a buyer who asks for ≤ 20 ms gets a seller whose
 * latency is known to be ≤ 20 ms, never one whose latency is unknown.
 */
import type { QualityObservation, QualitySource } from '../quality/quality-source.ts';
import { destKey } from './book.ts';
import type { Order } from './order.ts';
import type { DeclaredQuality, MatchQuality, QualityLimits, Ranking, RankingWeights } from './types.ts';

const NOTHING_KNOWN: MatchQuality = Object.freeze({ verified: false });

export function qualityOf(source: QualitySource, sell: Order, buy: Order): MatchQuality {
  return qualityFrom(source.lookup(sell.spec.memberId, destKey(buy.spec.destination, buy.spec.protocol)), sell);
}

/** The match quality of `sell` given the exchange's observation of its member towards the buy's destination. */
export function qualityFrom(obs: QualityObservation | undefined, sell: Order): MatchQuality {
  return qualityFromDeclared(obs, sell.spec.declared);
}

/**
 * A seller's figures towards a destination as plain numbers (unknown: Infinity, the worst), so a
 * walk can rank and filter sellers without building a MatchQuality for each.
 */
export interface Figures {
  lat: number;
  loss: number;
  hops: number;
  verified: boolean;
}

/** The figures of qualityFromDeclared(obs, d), written into `out`. */
export function figuresOf(obs: QualityObservation | undefined, d: DeclaredQuality | undefined, out: Figures): void {
  let declaredUsed = false;
  let measuredUsed = false;
  out.lat = out.loss = out.hops = Infinity;
  if (obs?.latencyMs !== undefined) {
    out.lat = obs.latencyMs;
    measuredUsed = true;
  } else if (d?.latencyMs !== undefined) {
    out.lat = d.latencyMs;
    declaredUsed = true;
  }
  if (obs?.lossPct !== undefined) {
    out.loss = obs.lossPct;
    measuredUsed = true;
  } else if (d?.lossPct !== undefined) {
    out.loss = d.lossPct;
    declaredUsed = true;
  }
  if (obs?.asHops !== undefined) {
    out.hops = obs.asHops;
    measuredUsed = true;
  } else if (d?.asHops !== undefined) {
    out.hops = d.asHops;
    declaredUsed = true;
  }
  out.verified = obs !== undefined && obs.verified && measuredUsed && !declaredUsed;
}

const scratch: Figures = { lat: 0, loss: 0, hops: 0, verified: false };

/** qualityFrom for a seller's declared values (what every ask of a seller class shares). */
export function qualityFromDeclared(obs: QualityObservation | undefined, d: DeclaredQuality | undefined): MatchQuality {
  if (obs === undefined && d === undefined) return NOTHING_KNOWN;
  const f = scratch;
  figuresOf(obs, d, f);
  const q: MatchQuality = { verified: false };
  if (f.lat !== Infinity) q.latencyMs = f.lat;
  if (f.loss !== Infinity) q.lossPct = f.loss;
  if (f.hops !== Infinity) q.asHops = f.hops;
  q.verified = f.verified;
  return q;
}

export function meetsLimits(q: MatchQuality, l: QualityLimits): boolean {
  return figuresMeetLimits(q.latencyMs ?? Infinity, q.lossPct ?? Infinity, q.asHops ?? Infinity, q.verified, l);
}

/** meetsLimits on figures (unknown: Infinity): a limit on a figure that is not known is not met. */
export function figuresMeetLimits(lat: number, loss: number, hops: number, verified: boolean, l: QualityLimits): boolean {
  if (l.verifiedOnly && !verified) return false;
  if (l.maxLatencyMs !== undefined && !(lat !== Infinity && lat <= l.maxLatencyMs)) return false;
  if (l.maxLossPct !== undefined && !(loss !== Infinity && loss <= l.maxLossPct)) return false;
  if (l.maxAsHops !== undefined && !(hops !== Infinity && hops <= l.maxAsHops)) return false;
  return true;
}

export interface RankedCandidate {
  o: Order;
  q: MatchQuality;
  /** Weighted: the effective price. */
  key: number;
  lat: number;
  loss: number;
  hops: number;
}

/**
 * Sort keys. `performance`: latency, loss, distance (unknown figures last), then price and time.
 * `weighted`: effective price = price + wLatency·ms + wLoss·% + wDistance·hops (micro-units per
 * Mbps per month); a figure that is unknown counts as infinitely bad when its weight is > 0.
 */
export function rankKey(o: Order, q: MatchQuality, ranking: Exclude<Ranking, 'price'>, w: RankingWeights | undefined): RankedCandidate {
  const lat = q.latencyMs ?? Infinity;
  const loss = q.lossPct ?? Infinity;
  const hops = q.asHops ?? Infinity;
  const key = ranking === 'weighted' ? effectivePrice(o.price, lat, loss, hops, w) : o.price;
  return { o, q, key, lat, loss, hops };
}

/** The `weighted` ranking's effective price (unknown figures are Infinity). */
export function effectivePrice(price: number, lat: number, loss: number, hops: number, w: RankingWeights | undefined): number {
  let key = price;
  if (w) {
    if (w.latency > 0) key += w.latency * lat;
    if (w.loss > 0) key += w.loss * loss;
    if (w.distance > 0) key += w.distance * hops;
  }
  return key;
}
