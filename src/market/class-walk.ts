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
import { type Figures, effectivePrice, figuresMeetLimits, figuresOf, qualityFromDeclared } from './quality-match.ts';
import type { DeclaredQuality, MatchQuality, OrderSpec, QualityLimits } from './types.ts';

/** What the walk needs from the engine. */
export interface ClassWalkHost {
  /** Mbps the pair can trade now, in whole blocks (0: none). */
  fillable(buy: Order, sell: Order): number;
  /** True when the taker's port cannot take another block: the walk stops. */
  portBlocked(taker: Order): boolean;
  /** Reserves and records fill number n of the taker. */
  fill(buy: Order, sell: Order, qty: number, q: MatchQuality, n: number): void;
  /** The seller's observation towards the buy's destination (the quality source's answer). */
  lookup(sellerId: string, buy: Order): QualityObservation | undefined;
}

/**
 * One seller member's quality towards the current taker's destination, shared by the member's
 * classes (in every covering book): the observation is looked up once per member and taker, and
 * the match quality computed from it once for the declared values most of its classes share —
 * or for all of them when the observation measures every figure, since declared values then play
 * no part. Reused from taker to taker (no allocation but the quality itself).
 */
export class SellerQuality implements Figures {
  /** Number of the taker the fields below are for. */
  taker = -1;
  obs: QualityObservation | undefined = undefined;
  /** True when `obs` measures latency, loss and distance: the figures and q are then every class's. */
  full = false;
  /** With `full`: the measured figures and verification. */
  lat = 0;
  loss = 0;
  hops = 0;
  verified = false;
  /** The quality for declared values `d` (null: none made for this taker yet). */
  q: MatchQuality | null = null;
  d: DeclaredQuality | undefined = undefined;
}

/** k2 of a heap entry standing for a book's classes not yet entered (k1: the next one's best price). */
const FEEDER = -Infinity;
/** k2 of a class whose quality is not looked up yet (k1: its head's price): ranks before resolved ties. */
const UNRESOLVED = -Number.MAX_VALUE;

/**
 * Everything a seller class decides for a buy apart from quality: member (by the member's
 * SellerQuality entry, one object per member: no string comparison), prefix and traffic type.
 */
function classServes(c: SellerClass, self: SellerQuality, b: OrderSpec): boolean {
  return c.seller !== self && c.prefixType === b.prefixType && (c.trafficType === 'any' || c.trafficType === b.trafficType);
}

export class ClassWalk {
  // Cursors (reused: no allocation per taker): class, its level index, current ask (null until
  // needed: see head) and its price, the class's quality for this taker and the rank keys of the
  // current ask; the heap of cursors.
  private cls: SellerClass[] = [];
  private level: number[] = [];
  private cur: Array<Order | null> = [];
  private price: number[] = [];
  private lat: number[] = [];
  private loss: number[] = [];
  private hops: number[] = [];
  private k1: number[] = [];
  private k2: number[] = [];
  private k3: number[] = [];
  /** The heap's entries are heap[0..hn): its array never shrinks (`length = 0` would free it). */
  private heap: number[] = [];
  private hn = 0;
  private feed: Array<SellerClass[] | null> = [];
  /** Scratch figures of a class whose member's observation is partial. */
  private readonly fig: Figures = { lat: 0, loss: 0, hops: 0, verified: false };
  /** Number of the current taker: memoised qualities are valid for that taker only. */
  private taker = 0;
  /** Every member met so far as a seller or as a taker buyer (a class keeps its member's entry). */
  private readonly sellers = new Map<string, SellerQuality>();

  constructor(private readonly host: ClassWalkHost) {}

  /** Starts the next taker (memoised observations and qualities are for one taker); returns its number. */
  nextTaker(): number {
    return ++this.taker;
  }

  /** A seller member's observation towards the taker buy's destination (looked up once per taker). */
  observation(memberId: string, buy: Order): QualityObservation | undefined {
    const m = this.sellerOf(memberId);
    this.memberObs(m, memberId, buy);
    return m.obs;
  }

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
    const self = this.sellerOf(b.memberId);
    const cls = this.cls;
    const k1 = this.k1;
    const k2 = this.k2;
    const k3 = this.k3;
    const cur = this.cur;
    const pr = this.price;
    const li = this.level;
    const heap = this.heap;
    this.hn = 0;
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
      if (side.bestPrice > limit) continue;
      const cs = side.sellerClasses();
      if (lazy) {
        feed[k] = cs;
        li[k] = 0;
        k1[k] = cs[0].best;
        k2[k] = FEEDER;
        k3[k] = k;
        heap[this.hn++] = k;
        this.siftUp(this.hn - 1);
        k++;
        continue;
      }
      for (let ci = 0; ci < cs.length && cs[ci].best <= limit; ci++) {
        const c = cs[ci];
        if (c.seller === null) this.bind(c);
        if (!classServes(c, self, b)) continue;
        if (!this.classFigures(c, buy, k, limits)) continue;
        cls[k] = c;
        li[k] = 0;
        cur[k] = null;
        pr[k] = c.best;
        this.setKeys(k, c.best, ranking, weights);
        heap[this.hn++] = k;
        this.siftUp(this.hn - 1);
        k++;
      }
    }
    let n = 0;
    while (this.hn > 0) {
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
        if (c.seller === null) this.bind(c);
        if (!classServes(c, self, b)) continue;
        feed[k] = null;
        cls[k] = c;
        li[k] = 0;
        cur[k] = null;
        pr[k] = c.best;
        k1[k] = c.best;
        k2[k] = UNRESOLVED;
        k3[k] = 0;
        heap[this.hn++] = k;
        this.siftUp(this.hn - 1);
        k++;
        continue;
      }
      if (k2[top] === UNRESOLVED) {
        if (!this.classFigures(cls[top], buy, top, limits)) this.popTop();
        else {
          this.setKeys(top, pr[top], ranking, weights);
          this.siftDown(0);
        }
        continue;
      }
      const r = this.head(top);
      const c = cls[top];
      // Advance this class's cursor before filling (the walk never removes orders from the book).
      let nx = r.cnext;
      if (nx === null) {
        const levels = c.levels;
        const j = ++li[top];
        nx = j < levels.length && levels[j].price <= limit ? levels[j].head : null;
      }
      if (nx === null) this.popTop();
      else {
        cur[top] = nx;
        pr[top] = nx.price;
        if (ranking !== 'performance') k1[top] = ranking === 'weighted' ? this.effective(nx.price, top, weights) : nx.price;
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
      this.host.fill(buy, r, qty, this.classQuality(c), n);
      n++;
      if (buy.capacityMbps - buy.boughtMbps < b.minBlockMbps) break;
    }
    // Drop the references to asks (the other scratch entries hold only classes and qualities,
    // which are overwritten by later takers).
    for (let i = 0; i < k; i++) cur[i] = null;
    this.hn = 0;
    return n;
  }

  /**
   * Current ask of class cursor k: its class's first ask until the cursor has moved. Loaded only
   * when needed (the cursor reaches the top, or ties another on its keys and price), so a class
   * that enters the heap but never ranks first costs no read of its levels.
   */
  private head(k: number): Order {
    let o = this.cur[k];
    if (o === null) o = this.cur[k] = this.cls[k].levels[0].head!;
    return o;
  }

  /** Rank keys of class cursor k at an ask of `price` and quality q. */
  private setKeys(k: number, price: number, ranking: 'price' | 'performance' | 'weighted', w: OrderSpec['weights']): void {
    if (ranking === 'performance') {
      this.k1[k] = this.lat[k];
      this.k2[k] = this.loss[k];
      this.k3[k] = this.hops[k];
    } else {
      this.k1[k] = ranking === 'weighted' ? this.effective(price, k, w) : price;
      this.k2[k] = 0;
      this.k3[k] = 0;
    }
  }

  private popTop(): void {
    const heap = this.heap;
    const last = heap[--this.hn];
    if (this.hn > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
  }

  /** The weighted ranking's key of cursor k's class at `price`. */
  private effective(price: number, k: number, w: OrderSpec['weights']): number {
    return effectivePrice(price, this.lat[k], this.loss[k], this.hops[k], w);
  }

  /** Class cursor a ranks before b: keys, then price, then time. */
  private better(a: number, b: number): boolean {
    const k1 = this.k1;
    if (k1[a] !== k1[b]) return k1[a] < k1[b];
    const k2 = this.k2;
    if (k2[a] !== k2[b]) return k2[a] < k2[b];
    const k3 = this.k3;
    if (k3[a] !== k3[b]) return k3[a] < k3[b];
    const pr = this.price;
    if (pr[a] !== pr[b]) return pr[a] < pr[b];
    return this.head(a).seq < this.head(b).seq;
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
    const n = this.hn;
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

  /** The member's entry (created on first sight). */
  private sellerOf(memberId: string): SellerQuality {
    let m = this.sellers.get(memberId);
    if (m === undefined) this.sellers.set(memberId, (m = new SellerQuality()));
    return m;
  }

  /** Gives a class its member's entry (once per class). */
  private bind(c: SellerClass): void {
    c.seller = this.sellerOf(c.memberId);
  }

  /** The member's observation towards the taker buy's destination, looked up once per taker. */
  private memberObs(m: SellerQuality, memberId: string, buy: Order): void {
    if (m.taker === this.taker) return;
    const obs = this.host.lookup(memberId, buy);
    m.taker = this.taker;
    m.obs = obs;
    m.q = null;
    m.full = obs !== undefined && obs.latencyMs !== undefined && obs.lossPct !== undefined && obs.asHops !== undefined;
    if (m.full) figuresOf(obs, undefined, m);
  }

  /**
   * Puts class c's figures towards the taker buy's destination in cursor k (unknown: Infinity,
   * the worst) and tells whether they meet the buy's limits, without building the MatchQuality:
   * only a class that fills needs that (classQuality). With every figure measured they are the
   * member's, whatever the class declared.
   */
  private classFigures(c: SellerClass, buy: Order, k: number, limits: QualityLimits | undefined): boolean {
    const m = c.seller!;
    this.memberObs(m, c.memberId, buy);
    let f: Figures = m;
    if (!m.full) figuresOf(m.obs, c.declared, (f = this.fig));
    this.lat[k] = f.lat;
    this.loss[k] = f.loss;
    this.hops[k] = f.hops;
    return limits === undefined || figuresMeetLimits(f.lat, f.loss, f.hops, f.verified, limits);
  }

  /**
   * Class c's quality for the trade record (after classFigures this taker): made once per class
   * and taker, and shared by the member's classes when every figure is measured or they declare
   * the same values.
   */
  private classQuality(c: SellerClass): MatchQuality {
    const taker = this.taker;
    let q = c.q;
    if (c.qTaker === taker && q !== null) return q;
    const m = c.seller!;
    const d = c.declared;
    q = m.q;
    if (q === null || !(m.full || sameDeclared(m.d, d))) {
      q = qualityFromDeclared(m.obs, d);
      if (m.q === null) {
        m.q = q;
        m.d = d;
      }
    }
    c.q = q;
    c.qTaker = taker;
    return q;
  }
}

function sameDeclared(a: DeclaredQuality | undefined, b: DeclaredQuality | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.latencyMs === b.latencyMs && a.lossPct === b.lossPct && a.asHops === b.asHops;
}
