/**
 * What the arbiter needs to know about a trade. The field names are the market's (src/market
 * TradeRecord), so a TradeRecord can be passed as it is; the arbiter reads nothing else.
 */
import type { Family } from '../lib/index.ts';

export type TradeViewStatus = 'scheduled' | 'active' | 'ended' | 'cancelled';

export interface TradeView {
  readonly id: string;
  readonly buyerId: string;
  readonly sellerId: string;
  /** Canonical CIDR, or `any` (the seller's full table of `protocol`). */
  readonly destination: string;
  readonly protocol: 'ipv4' | 'ipv6';
  /** Delivery period [start, end), epoch ms. */
  readonly start: number;
  readonly end: number;
  readonly status: TradeViewStatus;
  readonly capacityMbps?: number;
}

export function tradeFamily(t: TradeView): Family {
  return t.protocol === 'ipv6' ? 6 : 4;
}

/** True when the trade's routes must be exported at `now`: not cancelled/ended and inside its period. */
export function tradeIsLive(t: TradeView, now: number): boolean {
  if (t.status === 'cancelled' || t.status === 'ended') return false;
  return t.start <= now && now < t.end;
}

/**
 * The 32-bit trade number carried in large communities (RFC 8092 local data is 32 bits, trade
 * ids are text): FNV-1a over the id's UTF-8 bytes, never 0. Deterministic, so a restarted route
 * server tags a trade's routes exactly as before; the looking glass shows number ↔ id.
 */
export function tradeNumber(id: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(id, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h === 0 ? 1 : h;
}
