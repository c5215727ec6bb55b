/**
 * The seller-class walk: how a taker buy with quality limits or a `performance`/`weighted`
 * ranking takes asks (docs/market.md, Performance). The asks of the covering books are grouped by
 * seller class (member, prefix type, traffic type, declared quality: see SellerClass in
 * order.ts), the unit of the self-trade, type and quality checks, so a class that cannot serve
 * the buy is skipped whole instead of its asks being re-read by every taker. The engine owns the
 * fills (capacity, reservation, the match's scratch arrays) and the quality memo; this file only
 * decides the order in which asks are tried.
 */
import type { QualityObservation } from '../quality/quality-source.ts';
import type { DestBook } from './book.ts';
import type { Order, SellerClass } from './order.ts';
import { effectivePrice, meetsLimits, qualityFromDeclared } from './quality-match.ts';
import type { MatchQuality, OrderSpec } from './types.ts';

/** What the walk needs from the engine. */
export interface ClassWalkHost {
  /** Mbps the pair can trade now, in whole blocks (0: none). */
  fillable(buy: Order, sell: Order): number;
  /** True when the taker's port cannot take another block: the walk stops. */
  portBlocked(taker: Order): boolean;
  /** Reserves and records fill number n of the taker. */
  fill(buy: Order, sell: Order, qty: number, q: MatchQuality, n: number): void;
  /** The seller's observation towards the buy's destination, memoised per taker under `key`. */
  observe(key: unknown, sellerId: string, buy: Order): QualityObservation | undefined;
  /** Number of the current taker: a class's memoised quality is valid for that taker only. */
  takerNo(): number;
}

/** k2 of a heap entry standing for a book's classes not yet entered (k1: the next one's best price). */
const FEEDER = -Infinity;
/** k2 of a class whose quality is not looked up yet (k1: its head's price): ranks before resolved ties. */
const UNRESOLVED = -Number.MAX_VALUE;

/** Everything a seller class decides for a buy apart from quality: member, prefix and traffic type. */
function classServes(c: SellerClass, b: OrderSpec): boolean {
  return c.memberId !== b.memberId && c.prefixType === b.prefixType && (c.trafficType === 'any' || c.trafficType === b.trafficType);
}

export class ClassWalk {
  // Cursors (reused: no allocation per taker): class, its level index and current ask, the
  // class's quality for this taker and the rank keys of the current ask; the heap of cursors.
  private cls: SellerClass[] = [];
  private level: number[] = [];
  private cur: Array<Order | null> = [];
  private q: MatchQuality[] = [];
  private k1: number[] = [];
  private k2: number[] = [];
  private k3: number[] = [];
  private heap: number[] = [];
  private feed: Array<SellerClass[] | null> = [];

  constructor(private readonly host: ClassWalkHost) {}

  /**
   * Taker buy with quality limits or a quality ranking. The asks of the covering books are walked
   * by seller class (member, prefix type, traffic type, declared quality: see SellerClass): the
   * class is the unit of self-trade, type and quality checks, so a class that cannot serve this
   * buy is skipped whole instead of its asks being read one by one. Within a class every ask has
   * the same quality, so each ranking orders a class's asks by price then time, and the walk
   * merges the classes' heads in a heap by the ranking's key:
   * - `price`: price, time;
   * - `performance`: latency, loss, AS hops (unknown = worst), then price, time;
   * - `weighted`: effective price (price + weights × figures), then price, time.
   * It fills in exactly the order of sorting every eligible crossing ask, and stops once filled.
   */
  take(buy: Order, books: DestBook[], ranking: 'price' | 'performance' | 'weighted'): number {
    const b = buy.spec;
    const limits = b.limits;
    const weights = b.weights;
    const limit = buy.price;
    const cls = this.cls;
    const cq = this.q;
    const k1 = this.k1;
    const k2 = this.k2;
    const k3 = this.k3;
    const cur = this.cur;
    const li = this.level;
    const heap = this.heap;
    heap.length = 0;
    // `price` and `weighted` need a class's quality only once it can rank first: a class enters
    // the heap when its best ask price is reached (each book's classes are sorted by best price;
    // a FEEDER entry per book stands for the classes not yet entered) and ranks by that price
    // until its quality is looked up (UNRESOLVED). Both bounds are never above the class's real
    // key (the effective price is never below the price: weights and figures are non-negative),
    // so a buy filled by its first classes never reads the others. `performance` has no such
    // bound and takes every crossing class at once.
    const lazy = ranking !== 'performance' && (weights === undefined || (weights.latency >= 0 && weights.loss >= 0 && weights.distance >= 0));
    const feed = this.feed;
    let k = 0;
    for (let bi = 0; bi < books.length; bi++) {
      const side = books[bi].asks;
      if (side.orders === 0 || side.levels[0].price > limit) continue;
      const cs = side.sellerClasses();
      if (lazy) {
        feed[k] = cs;
        li[k] = 0;
        k1[k] = cs[0].best;
        k2[k] = FEEDER;
        k3[k] = k;
        heap.push(k);
        this.siftUp(heap.length - 1);
        k++;
        continue;
      }
      for (let ci = 0; ci < cs.length && cs[ci].best <= limit; ci++) {
        const c = cs[ci];
        if (!classServes(c, b)) continue;
        const q = this.classQuality(c, buy);
        if (limits !== undefined && !meetsLimits(q, limits)) continue;
        const head = c.levels[0].head!;
        cls[k] = c;
        li[k] = 0;
        cur[k] = head;
        cq[k] = q;
        this.setKeys(k, head, q, ranking, weights);
        heap.push(k);
        this.siftUp(heap.length - 1);
        k++;
      }
    }
    let n = 0;
    while (heap.length > 0) {
      const top = heap[0];
      if (k2[top] === FEEDER) {
        // Enter this book's next class (unresolved), and move the feeder to the one after.
        const cs = feed[top]!;
        const c = cs[li[top]];
        const j = ++li[top];
        if (j < cs.length && cs[j].best <= limit) {
          k1[top] = cs[j].best;
          this.siftDown(0);
        } else this.popTop();
        if (!classServes(c, b)) continue;
        const head = c.levels[0].head!;
        feed[k] = null;
        cls[k] = c;
        li[k] = 0;
        cur[k] = head;
        k1[k] = head.price;
        k2[k] = UNRESOLVED;
        k3[k] = 0;
        heap.push(k);
        this.siftUp(heap.length - 1);
        k++;
        continue;
      }
      const r = cur[top]!;
      if (k2[top] === UNRESOLVED) {
        const q = this.classQuality(cls[top], buy);
        if (limits !== undefined && !meetsLimits(q, limits)) this.popTop();
        else {
          cq[top] = q;
          this.setKeys(top, r, q, ranking, weights);
          this.siftDown(0);
        }
        continue;
      }
      const q = cq[top];
      // Advance this class's cursor before filling (the walk never removes orders from the book).
      let nx = r.cnext;
      if (nx === null) {
        const levels = cls[top].levels;
        const j = ++li[top];
        nx = j < levels.length && levels[j].price <= limit ? levels[j].head : null;
      }
      cur[top] = nx;
      if (nx === null) this.popTop();
      else {
        if (ranking !== 'performance') k1[top] = ranking === 'weighted' ? this.effective(nx.price, q, weights) : nx.price;
        this.siftDown(0);
      }
      // Member, types and quality were checked for the class; the period is the ask's own.
      const s = r.spec;
      if (s.start > b.start || s.end < b.end) continue;
      const qty = this.host.fillable(buy, r);
      if (qty <= 0) {
        if (this.host.portBlocked(buy)) break; // nothing more can fill: don't read the rest
        continue;
      }
      this.host.fill(buy, r, qty, q, n);
      n++;
      if (buy.capacityMbps - buy.boughtMbps < b.minBlockMbps) break;
    }
    for (let i = 0; i < k; i++) {
      cur[i] = null;
      feed[i] = null;
      cls[i] = undefined as unknown as SellerClass;
      cq[i] = undefined as unknown as MatchQuality;
    }
    heap.length = 0;
    return n;
  }

  /** Rank keys of class cursor k at ask `r` of quality q. */
  private setKeys(k: number, r: Order, q: MatchQuality, ranking: 'price' | 'performance' | 'weighted', w: OrderSpec['weights']): void {
    if (ranking === 'performance') {
      this.k1[k] = q.latencyMs ?? Infinity;
      this.k2[k] = q.lossPct ?? Infinity;
      this.k3[k] = q.asHops ?? Infinity;
    } else {
      this.k1[k] = ranking === 'weighted' ? this.effective(r.price, q, w) : r.price;
      this.k2[k] = 0;
      this.k3[k] = 0;
    }
  }

  private popTop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
  }

  private effective(price: number, q: MatchQuality, w: OrderSpec['weights']): number {
    return effectivePrice(price, q.latencyMs ?? Infinity, q.lossPct ?? Infinity, q.asHops ?? Infinity, w);
  }

  /** Class cursor a ranks before b: keys, then price, then time. */
  private better(a: number, b: number): boolean {
    const k1 = this.k1;
    if (k1[a] !== k1[b]) return k1[a] < k1[b];
    const k2 = this.k2;
    if (k2[a] !== k2[b]) return k2[a] < k2[b];
    const k3 = this.k3;
    if (k3[a] !== k3[b]) return k3[a] < k3[b];
    const x = this.cur[a]!;
    const y = this.cur[b]!;
    return x.price !== y.price ? x.price < y.price : x.seq < y.seq;
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const x = heap[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.better(x, heap[p])) break;
      heap[i] = heap[p];
      i = p;
    }
    heap[i] = x;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const x = heap[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.better(heap[r], heap[l]) ? r : l;
      if (!this.better(heap[c], x)) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = x;
  }

  /** A seller class's quality towards the taker buy's destination (memoised per taker). */
  private classQuality(c: SellerClass, buy: Order): MatchQuality {
    let q = c.q;
    const taker = this.host.takerNo();
    if (c.qTaker !== taker || q === null) {
      q = qualityFromDeclared(this.host.observe(c.memberId, c.memberId, buy), c.declared);
      c.q = q;
      c.qTaker = taker;
    }
    return q;
  }
}
