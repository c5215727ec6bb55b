/**
 * An order as the engine holds it: the immutable spec plus the few fields that change (price and
 * capacity by amendment, time-priority sequence, what was filled, status) and the intrusive links
 * of its price level. A buy is filled as a scalar (every fill covers its whole period); a sell
 * keeps a timeline of sold capacity, since fills may cover parts of its period.
 */
import { Timeline } from './timeline.ts';
import type { CloseReason, OrderSpec, OrderStatus, OrderView } from './types.ts';

export class Order implements OrderView {
  readonly id: string;
  seq: number;
  readonly spec: OrderSpec;
  readonly isBuy: boolean;
  price: number;
  capacityMbps: number;
  /** Buy only: Mbps bought so far. */
  boughtMbps = 0;
  /** Sell only: Mbps sold for the whole period (the common case, kept as a number). */
  soldAll = 0;
  /** Sell only: capacity sold for parts of the period, created on the first such sale. */
  sold: Timeline | null = null;
  status: OrderStatus = 'open';
  closeReason?: CloseReason;
  readonly acceptedAt: number;
  updatedAt: number;
  /** Price level links (null when not resting). */
  level: Level | null = null;
  /** What this order adds to its level's `mbps` (its openMbps when last refreshed). */
  shown = 0;
  prev: Order | null = null;
  next: Order | null = null;
  /** True while it is in MarketState.orders (from its first rest until it closes). */
  indexed = false;
  /** Filed in the Map of MarketState.orders (see IdIndex). */
  filed = false;
  /** Destination book it rests in (set by the engine). */
  book: unknown = null;
  /** Reservations of its port (set by the state). */
  port: { capacityMbps: number; readonly reserved: Timeline } | null = null;

  constructor(id: string, seq: number, spec: OrderSpec, at: number) {
    this.id = id;
    this.seq = seq;
    this.spec = spec;
    this.isBuy = spec.side === 'buy';
    this.price = spec.price;
    this.capacityMbps = spec.capacityMbps;
    this.acceptedAt = at;
    this.updatedAt = at;
  }

  get filledMbps(): number {
    return this.isBuy ? this.boughtMbps : this.soldMax(this.spec.start, this.spec.end);
  }

  /** Sell: the most Mbps sold at any instant of [start, end). */
  soldMax(start: number, end: number): number {
    return this.sold === null ? this.soldAll : this.soldAll + this.sold.maxIn(start, end);
  }

  /** Sell: the least Mbps sold at any instant of [start, end). */
  soldMin(start: number, end: number): number {
    return this.sold === null ? this.soldAll : this.soldAll + this.sold.minIn(start, end);
  }

  /** Sell: records `qty` Mbps sold over [start, end) (negative gives it back). */
  addSold(start: number, end: number, qty: number): void {
    if (start <= this.spec.start && end >= this.spec.end) this.soldAll += qty;
    else (this.sold ??= new Timeline()).add(start, end, qty);
  }

  /** Sell: sold capacity as steps, for snapshots. */
  soldSteps(): Array<[number, number]> {
    const s = this.spec;
    const out: Array<[number, number]> = [];
    const steps = this.sold?.steps() ?? [];
    // Express the whole-period part and the partial timeline as one canonical step function.
    const points = new Set<number>([s.start, s.end, ...steps.map((x) => x[0])]);
    for (const t of [...points].sort((a, b) => a - b)) {
      const v = t >= s.start && t < s.end ? this.soldAll + (this.sold ? this.sold.maxIn(t, t + 1) : 0) : (this.sold ? this.sold.maxIn(t, t + 1) : 0);
      if (out.length === 0 || out[out.length - 1][1] !== v) out.push([t, v]);
    }
    return out;
  }

  /** Largest capacity still offered at some instant (what the book shows). */
  get openMbps(): number {
    if (this.isBuy) return this.capacityMbps - this.boughtMbps;
    return this.capacityMbps - this.soldMin(this.spec.start, this.spec.end);
  }

  /** True when no fill of at least one block remains possible. */
  get exhausted(): boolean {
    return this.openMbps < this.spec.minBlockMbps;
  }
}

/** One price level: orders in time priority, as an intrusive doubly linked list. */
export class Level {
  readonly price: number;
  head: Order | null = null;
  tail: Order | null = null;
  count = 0;
  /** Sum of the resting orders' open Mbps (kept up to date by MarketState.refreshShown). */
  mbps = 0;

  constructor(price: number) {
    this.price = price;
  }

  append(o: Order): void {
    o.level = this;
    o.prev = this.tail;
    o.next = null;
    if (this.tail) this.tail.next = o;
    else this.head = o;
    this.tail = o;
    this.count++;
    o.shown = o.openMbps;
    this.mbps += o.shown;
  }

  remove(o: Order): void {
    if (o.prev) o.prev.next = o.next;
    else this.head = o.next;
    if (o.next) o.next.prev = o.prev;
    else this.tail = o.prev;
    o.prev = o.next = null;
    o.level = null;
    this.count--;
    this.mbps -= o.shown;
    o.shown = 0;
  }
}

/**
 * One side of one destination book: levels sorted best first (asks ascending, bids descending).
 * Levels live in a plain array searched by binary search: a book has few distinct prices and
 * inserting a level is a memmove, cheaper than any tree at these sizes.
 */
export class BookSide {
  readonly levels: Level[] = [];
  readonly byPrice = new Map<number, Level>();
  readonly bids: boolean;
  orders = 0;

  constructor(bids: boolean) {
    this.bids = bids;
  }

  get best(): Level | undefined {
    return this.levels[0];
  }

  insert(o: Order): void {
    let lv = this.byPrice.get(o.price);
    if (!lv) {
      lv = new Level(o.price);
      this.byPrice.set(o.price, lv);
      const ls = this.levels;
      // First index whose price is worse than the new one.
      let lo = 0;
      let hi = ls.length;
      const p = o.price;
      if (this.bids) {
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ls[mid].price > p) lo = mid + 1;
          else hi = mid;
        }
      } else {
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ls[mid].price < p) lo = mid + 1;
          else hi = mid;
        }
      }
      if (lo === ls.length) ls.push(lv);
      else ls.splice(lo, 0, lv);
    }
    lv.append(o);
    this.orders++;
  }

  remove(o: Order): void {
    const lv = o.level;
    if (!lv) return;
    lv.remove(o);
    this.orders--;
    if (lv.count === 0) {
      this.byPrice.delete(lv.price);
      const ls = this.levels;
      if (ls[0] === lv) ls.shift();
      else {
        let lo = 0;
        let hi = ls.length - 1;
        const p = lv.price;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (this.bids ? ls[mid].price > p : ls[mid].price < p) lo = mid + 1;
          else hi = mid;
        }
        if (ls[lo] === lv) ls.splice(lo, 1);
      }
    }
  }
}
