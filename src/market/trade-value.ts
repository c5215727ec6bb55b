/**
 * What a trade is worth. Prices are per Mbps per calendar month; a trade is prorated per second
 * of the calendar months (UTC) its period overlaps:
 *
 *   value = Σ over months m: price × Mbps × seconds(period ∩ m) / seconds(m)
 *
 * so a whole December costs exactly price × Mbps, and a day in February costs more than a day in
 * March (1/28 versus 1/31 of the month price). Each month's term is rounded half-even to a whole
 * micro-unit, then the terms are summed. Periods are whole seconds (validate-order.ts).
 */
import { type Micros, divRound } from '../lib/index.ts';

export function tradeValue(priceMicros: Micros, capacityMbps: number, start: number, end: number): Micros {
  let total = 0n;
  let t = start;
  while (t < end) {
    const d = new Date(t);
    const mStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const mEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const until = end < mEnd ? end : mEnd;
    const secs = BigInt(Math.floor((until - t) / 1000));
    const monthSecs = BigInt((mEnd - mStart) / 1000);
    total += divRound(priceMicros * BigInt(capacityMbps) * secs, monthSecs, 'half-even');
    t = until;
  }
  return total;
}
