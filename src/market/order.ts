/**
 * An order as the engine holds it: the immutable spec plus the few fields that change (price and
 * capacity by amendment, time-priority sequence, what was filled, status) and the intrusive links
 * of its price level. A buy is filled as a scalar (every fill covers its whole period); a sell
 * keeps a timeline of sold capacity, since fills may cover parts of its period.
 */
import type { SellerQuality } from './class-walk.ts';
import { insertAt, removeAt } from './array-edit.ts';
import { Timeline } from './timeline.ts';
import type { Bucket } from './timers.ts';
import type { CloseReason, DeclaredQuality, MatchQuality, OrderSpec, OrderStatus, OrderView } from './types.ts';

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
  /** Its armed expiry timer (see TimerQueue.disarm). */
  timerBucket: Bucket | null = null;
  timerSlot = 0;
  /** Where it is in MarketState.orders (see IdIndex): from its first rest until it closes. */
  slot = -2;
  /** Ask only: its seller class's level and links there (null until the side keeps classes). */
  clevel: ClassLevel | null = null;
  cprev: Order | null = null;
  cnext: Order | null = null;
  /** Its destination's book (set by MarketState.bookOf; it rests there when `level` is set). */
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
 * inserting a level is a memmove, cheaper than any tree at these sizes. The search reads a
 * parallel array of the levels' prices (contiguous numbers, not one Level object per probe), and
 * there is no map per side (10k books: 20k maps to allocate and to miss in the cache).
 */
export class BookSide {
  readonly levels: Level[] = [];
  /** levels[i].price, in the same order. */
  private readonly prices: number[] = [];
  readonly bids: boolean;
  orders = 0;
  /**
   * Price of the best level (when empty: Infinity for asks, -Infinity for bids, so no price
   * crosses it), kept here so a walk deciding whether this side crosses reads the side alone
   * rather than its first level too (one object less to load per book it looks at).
   */
  bestPrice: number;
  /** levels[0] (null when empty), for the same reason. */
  first: Level | null = null;
  /**
   * Asks only: the resting asks again, grouped by seller class (see SellerClass); null until a
   * taker that needs them (a ranking other than price, or quality limits) first meets this side.
   */
  classes: SellerClass[] | null = null;
  /** The classes by member (a member has few: one per prefix type, traffic type and declaration). */
  private classByMember: Map<string, SellerClass[]> | null = null;

  constructor(bids: boolean) {
    this.bids = bids;
    this.bestPrice = bids ? -Infinity : Infinity;
  }

  get best(): Level | undefined {
    return this.levels[0];
  }

  /** Index of the first level whose price is not better than p (levels.length if none). */
  private find(p: number): number {
    const ps = this.prices;
    let lo = 0;
    let hi = ps.length;
    if (this.bids) {
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ps[mid] > p) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ps[mid] < p) lo = mid + 1;
        else hi = mid;
      }
    }
    return lo;
  }

  /** The level at price p, if any order rests there. */
  level(p: number): Level | undefined {
    const i = this.find(p);
    return i < this.prices.length && this.prices[i] === p ? this.levels[i] : undefined;
  }

  insert(o: Order): void {
    const p = o.price;
    const ps = this.prices;
    const i = this.find(p);
    let lv: Level;
    if (i < ps.length && ps[i] === p) lv = this.levels[i];
    else {
      lv = new Level(p);
      if (i === ps.length) {
        this.levels.push(lv);
        ps.push(p);
      } else {
        insertAt(this.levels, i, lv);
        insertAt(ps, i, p);
      }
      if (i === 0) {
        this.bestPrice = p;
        this.first = lv;
      }
    }
    lv.append(o);
    this.orders++;
    if (this.classes !== null) this.classInsert(o);
  }

  remove(o: Order): void {
    const lv = o.level;
    if (!lv) return;
    lv.remove(o);
    this.orders--;
    if (o.clevel !== null) this.classRemove(o);
    if (lv.count === 0) {
      const ls = this.levels;
      const ps = this.prices;
      if (ls[0] === lv) {
        ls.shift();
        ps.shift();
        this.bestPrice = ps.length > 0 ? ps[0] : this.bids ? -Infinity : Infinity;
        this.first = ls.length > 0 ? ls[0] : null;
      } else {
        const i = this.find(lv.price);
        if (ls[i] === lv) {
          removeAt(ls, i);
          removeAt(ps, i);
        }
      }
    }
  }

  /**
   * The seller classes of this (ask) side, sorted by their best (lowest) ask price; built on
   * first use and maintained from then on.
   */
  sellerClasses(): SellerClass[] {
    if (this.classes !== null) return this.classes;
    this.classes = [];
    this.classByMember = new Map();
    // Price-time order: appending each ask to its class keeps every class in price-time order.
    for (let i = 0; i < this.levels.length; i++) {
      for (let o = this.levels[i].head; o !== null; o = o.next) this.classInsert(o);
    }
    return this.classes;
  }

  private classInsert(o: Order): void {
    const spec = o.spec;
    const cs = this.classes!;
    let mine = this.classByMember!.get(spec.memberId);
    if (mine === undefined) {
      mine = [];
      this.classByMember!.set(spec.memberId, mine);
    }
    let c: SellerClass | undefined;
    for (let i = 0; i < mine.length; i++) {
      if (mine[i].holds(spec)) {
        c = mine[i];
        break;
      }
    }
    if (c === undefined) {
      c = new SellerClass(spec);
      c.index = cs.length;
      cs.push(c);
      mine.push(c);
      c.insert(o);
    } else {
      const before = c.best;
      c.insert(o);
      if (c.best === before) return;
    }
    // Its best price fell: move it towards the front (classes stay sorted by best price).
    let i = c.index;
    const p = c.best;
    while (i > 0 && cs[i - 1].best > p) {
      cs[i] = cs[i - 1];
      cs[i].index = i;
      i--;
    }
    cs[i] = c;
    c.index = i;
  }

  private classRemove(o: Order): void {
    const c = o.clevel!.cls;
    const before = c.best;
    c.remove(o);
    const cs = this.classes!;
    let i = c.index;
    if (c.orders === 0) {
      for (; i + 1 < cs.length; i++) {
        cs[i] = cs[i + 1];
        cs[i].index = i;
      }
      cs.pop();
      const mine = this.classByMember!.get(c.memberId)!;
      if (mine.length === 1) this.classByMember!.delete(c.memberId);
      else mine.splice(mine.indexOf(c), 1);
      return;
    }
    const p = c.best;
    if (p === before) return;
    // Its best price rose: move it towards the back.
    while (i + 1 < cs.length && cs[i + 1].best < p) {
      cs[i] = cs[i + 1];
      cs[i].index = i;
      i++;
    }
    cs[i] = c;
    c.index = i;
  }
}

/**
 * The asks of one book side that share a seller class, in price-time order (levels ascending,
 * FIFO within a level). A buyer with quality limits or a quality ranking takes a whole class or
 * skips it, and ranks the orders of one class by price then time, so it merges class heads.
 */
export class SellerClass {
  readonly memberId: string;
  readonly prefixType: string;
  readonly trafficType: string;
  readonly declared: DeclaredQuality | undefined;
  /** Ascending price (a class has few: found by binary search, no map per class). */
  readonly levels: ClassLevel[] = [];
  orders = 0;
  /** Position in its side's `classes`. */
  index = 0;
  /** Its lowest ask price (Infinity when empty). */
  best = Infinity;
  /** The class walk's memo of this class's quality for one taker (see ClassWalk.classQuality). */
  qTaker = -1;
  q: MatchQuality | null = null;
  /** Its member's quality memo in the class walk (null until the walk first meets this class). */
  seller: SellerQuality | null = null;

  constructor(spec: OrderSpec) {
    this.memberId = spec.memberId;
    this.prefixType = spec.prefixType;
    this.trafficType = spec.trafficType;
    this.declared = spec.declared;
  }

  /**
   * Whether an ask of `spec` (same member) belongs here: what makes asks one class for a buyer
   * is the member (self-trade), prefix type, traffic type and declared quality — their quality
   * towards a buy's destination, and whether they can serve it apart from price, period and
   * capacity, is then one answer for the whole class.
   */
  holds(spec: OrderSpec): boolean {
    if (spec.prefixType !== this.prefixType || spec.trafficType !== this.trafficType) return false;
    const a = spec.declared;
    const d = this.declared;
    if (a === d) return true;
    if (a === undefined || d === undefined) return false;
    return a.latencyMs === d.latencyMs && a.lossPct === d.lossPct && a.asHops === d.asHops;
  }

  insert(o: Order): void {
    const ls = this.levels;
    const p = o.price;
    // First level whose price is not below p (the last one first: asks often join at the back).
    let lo = 0;
    let hi = ls.length;
    if (hi > 0 && ls[hi - 1].price < p) lo = hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ls[mid].price < p) lo = mid + 1;
      else hi = mid;
    }
    let lv: ClassLevel;
    if (lo < ls.length && ls[lo].price === p) lv = ls[lo];
    else {
      lv = new ClassLevel(this, p);
      if (lo === ls.length) ls.push(lv);
      else insertAt(ls, lo, lv);
      this.best = ls[0].price;
    }
    // Time priority: an order rests with the newest sequence, so it goes last in its level.
    o.clevel = lv;
    o.cprev = lv.tail;
    o.cnext = null;
    if (lv.tail !== null) lv.tail.cnext = o;
    else lv.head = o;
    lv.tail = o;
    this.orders++;
  }

  remove(o: Order): void {
    const lv = o.clevel!;
    if (o.cprev !== null) o.cprev.cnext = o.cnext;
    else lv.head = o.cnext;
    if (o.cnext !== null) o.cnext.cprev = o.cprev;
    else lv.tail = o.cprev;
    o.cprev = o.cnext = null;
    o.clevel = null;
    this.orders--;
    if (lv.head !== null) return;
    const ls = this.levels;
    if (ls[0] === lv) {
      ls.shift();
      this.best = ls.length > 0 ? ls[0].price : Infinity;
    } else {
      let lo = 0;
      let hi = ls.length - 1;
      const p = lv.price;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ls[mid].price < p) lo = mid + 1;
        else hi = mid;
      }
      if (ls[lo] === lv) removeAt(ls, lo);
    }
  }
}

export class ClassLevel {
  readonly cls: SellerClass;
  readonly price: number;
  head: Order | null = null;
  tail: Order | null = null;

  constructor(cls: SellerClass, price: number) {
    this.cls = cls;
    this.price = price;
  }
}
