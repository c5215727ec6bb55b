/**
 * The matching engine: one thread, no awaits, deterministic given its clock, id source, quality
 * source and port directory. Commands (`submit`, `cancel`, `amend`, `cancelTrade`, `tick`) return
 * the events they produced; the caller journals them before answering. Replaying those events
 * through `MarketState.apply` rebuilds the same state (see state.ts).
 *
 * Matching rules (SPEC B3, B4), documented in docs/market.md:
 * - A sell serves a buy when its destination contains the buy's (`any` covers all of a protocol),
 *   the protocol and prefix type are equal, the seller's traffic type is `any` or the buy's, the
 *   sell's delivery period contains the buy's, the prices cross, the seller is another member,
 *   and the seller's quality towards the buy's destination meets each of the buy's limits.
 * - A taker buy ranks the sells it can take by its own `ranking`; a taker sell takes resting buys
 *   by price then time (the resting buys' ranking preferences rank sellers, not buyers).
 * - The trade price is the resting order's; a fill is a multiple of both orders' minimum blocks
 *   and is capped by the free capacity of the sell (over the buy's period) and of both ports.
 */
import type { Clock, IdSource } from '../lib/index.ts';
import type { QualityObservation, QualitySource } from '../quality/quality-source.ts';
import { type DestBook, destKey } from './book.ts';
import { marketErrors } from './errors.ts';
import { ClassWalk } from './class-walk.ts';
import type { BookSide, Order } from './order.ts';
import { qualityFrom, meetsLimits } from './quality-match.ts';
import { MarketState, type PortState, clientKey, expiryOf } from './state.ts';
import { TIMER_ORDER_EXPIRY, TIMER_TRADE_END, TIMER_TRADE_START } from './timers.ts';
import { TRADE_ACTIVE, TRADE_CANCELLED, TRADE_ENDED, TRADE_SCHEDULED, tradeRecord } from './trade-store.ts';
import type { MarketEvent, MatchQuality, OrderSpec, OrderView, PortDirectory } from './types.ts';

export interface MarketEngineDeps {
  clock: Clock;
  ids: IdSource;
  quality: QualitySource;
  ports: PortDirectory;
}

export interface MarketEngineConfig {
  /** How far in the past a delivery period may start (client clocks and network delay), ms. */
  startSkewMs: number;
}

export const defaultMarketEngineConfig: MarketEngineConfig = { startSkewMs: 5 * 60_000 };

export interface SubmitResult {
  order: OrderView;
  events: MarketEvent[];
  /** True when this was a retry of an order already accepted under the same client order id. */
  duplicate: boolean;
}

export interface AmendChanges {
  price?: number;
  capacityMbps?: number;
}

export class MarketEngine {
  readonly state = new MarketState();
  private readonly deps: MarketEngineDeps;
  private readonly config: MarketEngineConfig;
  // Scratch arrays of the match in progress (reused: no allocation per order).
  private fillOrders: Order[] = [];
  private fillQty: number[] = [];
  private fillQuality: Array<MatchQuality | null> = [];
  private sides: BookSide[] = [];
  private mCur: Array<Order | null> = [];
  private mLevel: number[] = [];
  private mHeap: number[] = [];
  /**
   * Entries in use of mHeap (and of sides, per walk): the scratch arrays never shrink, since
   * `length = 0` would free their storage and every taker would allocate it again.
   */
  private mn = 0;
  /** Taker buys with quality limits or a quality ranking (class-walk.ts). */
  private readonly classWalk: ClassWalk;
  /** Number of the current taker (ClassWalk.nextTaker): observations are memoised per taker. */
  private takerNo = 0;

  constructor(deps: MarketEngineDeps, config: Partial<MarketEngineConfig> = {}) {
    this.deps = deps;
    this.config = { ...defaultMarketEngineConfig, ...config };
    this.classWalk = new ClassWalk({
      fillable: (buy, sell) => this.fillable(buy, sell),
      portBlocked: (taker) => this.portBlocked(taker),
      fill: (buy, sell, qty, q, n) => {
        this.state.reserve(buy, sell, buy.spec.start, buy.spec.end, qty);
        this.fillOrders[n] = sell;
        this.fillQty[n] = qty;
        this.fillQuality[n] = q;
      },
      lookup: (sellerId, buy) => this.lookup(sellerId, buy),
    });
  }

  // ---- commands ---------------------------------------------------------------------------

  submit(spec: OrderSpec): SubmitResult {
    const st = this.state;
    const now = this.deps.clock.now();
    if (spec.clientOrderId !== undefined) {
      const prev = st.byClientId.get(clientKey(spec.memberId, spec.clientOrderId));
      if (prev) {
        if (!sameOrder(prev.spec, spec)) {
          st.counters.ordersRejected++;
          throw marketErrors.make('MARKET_CLIENT_ORDER_ID_REUSED', `clientOrderId ${JSON.stringify(spec.clientOrderId)} was already used for another order (${prev.id})`, { field: 'clientOrderId', details: { orderId: prev.id } });
        }
        st.counters.ordersDuplicate++;
        return { order: prev, events: [], duplicate: true };
      }
    }
    const port = this.checkAtEntry(spec, now);
    const events: MarketEvent[] = [];
    this.tickInto(now, events);
    const id = this.deps.ids.next('ord');
    const o = st.createOrder(id, st.lastSeq + 1, spec, now, port);
    events.push({ type: 'OrderAccepted', at: now, orderId: id, seq: o.seq, spec });
    this.takeAndRest(o, now, events);
    this.tickInto(now, events);
    return { order: o, events, duplicate: false };
  }

  cancel(memberId: string, orderId: string): MarketEvent[] {
    const now = this.deps.clock.now();
    const o = this.ownOpenOrder(memberId, orderId);
    const events: MarketEvent[] = [];
    this.tickInto(now, events);
    if (o.status !== 'open') throw closedError(o);
    this.state.close(o, 'cancelled', 'member', now);
    events.push({ type: 'OrderCancelled', at: now, orderId, memberId, reason: 'member' });
    return events;
  }

  /**
   * Amends price and/or capacity. Lowering capacity keeps time priority; changing the price or
   * raising capacity loses it (the order gets a new sequence, as if entered now) and may trade at
   * once if the new price crosses.
   */
  amend(memberId: string, orderId: string, ch: AmendChanges): SubmitResult {
    const st = this.state;
    const now = this.deps.clock.now();
    const o = this.ownOpenOrder(memberId, orderId);
    const events: MarketEvent[] = [];
    this.tickInto(now, events);
    if (o.status !== 'open') throw closedError(o);
    const price = ch.price ?? o.price;
    const cap = ch.capacityMbps ?? o.capacityMbps;
    if (price === o.price && cap === o.capacityMbps) {
      throw marketErrors.make('MARKET_AMEND_INVALID', 'the amendment changes neither price nor capacityMbps', { field: 'price' });
    }
    const block = o.spec.minBlockMbps;
    if (cap % block !== 0) {
      throw marketErrors.make('MARKET_AMEND_INVALID', `capacityMbps ${cap} must be a multiple of minBlockMbps ${block}`, { field: 'capacityMbps' });
    }
    const sold = o.isBuy ? o.boughtMbps : o.soldMax(o.spec.start, o.spec.end);
    const stillOpen = o.isBuy ? cap - o.boughtMbps : cap - o.soldMin(o.spec.start, o.spec.end);
    if (cap < sold || stillOpen < block) {
      throw marketErrors.make('MARKET_AMEND_INVALID', `capacityMbps ${cap} must leave at least one block (${block} Mbps) above the ${sold} Mbps already traded; cancel the order instead`, { field: 'capacityMbps', details: { tradedMbps: sold } });
    }
    const port = this.deps.ports.port(o.spec.portId);
    if (port) o.port!.capacityMbps = port.capacityMbps;
    if (port && cap > port.capacityMbps) {
      throw marketErrors.make('MARKET_CAPACITY_EXCEEDS_PORT', `capacityMbps ${cap} exceeds the ${port.capacityMbps} Mbps of port ${o.spec.portId}`, { field: 'capacityMbps' });
    }
    const keptPriority = price === o.price && cap <= o.capacityMbps;
    const seq = keptPriority ? o.seq : st.lastSeq + 1;
    if (keptPriority) {
      st.amendApply(o, seq, price, cap, now);
      events.push({ type: 'OrderAmended', at: now, orderId, memberId, seq, price, capacityMbps: cap, keptPriority });
    } else {
      st.unrest(o); // out of the book while it matches as a taker; takeAndRest rests the rest
      st.amendApply(o, seq, price, cap, now);
      events.push({ type: 'OrderAmended', at: now, orderId, memberId, seq, price, capacityMbps: cap, keptPriority });
      this.takeAndRest(o, now, events);
    }
    this.tickInto(now, events);
    return { order: o, events, duplicate: false };
  }

  /** Cancels a trade (operator action): releases both ports and gives the capacity back to the sell. */
  cancelTrade(tradeId: string, reason: string): MarketEvent[] {
    const now = this.deps.clock.now();
    const events: MarketEvent[] = [];
    this.tickInto(now, events);
    const tr = this.state.trades;
    const h = tr.handleOf(tradeId);
    if (h < 0) throw marketErrors.make('MARKET_TRADE_NOT_FOUND', `no trade ${tradeId}`, { field: 'tradeId' });
    const status = tr.statusOf(h);
    if (status === TRADE_ENDED || status === TRADE_CANCELLED) {
      throw marketErrors.make('MARKET_TRADE_CLOSED', `trade ${tradeId} is already ${status === TRADE_ENDED ? 'ended' : 'cancelled'}`, { field: 'tradeId' });
    }
    this.state.tradeStatus(h, TRADE_CANCELLED, now, reason);
    events.push({ type: 'TradeCancelled', at: now, tradeId, buyerId: tr.buyerOf(h), sellerId: tr.sellerOf(h), reason });
    return events;
  }

  /** Runs the clock-driven work due by now: order expiry, trade activation and end. */
  tick(): MarketEvent[] {
    const events: MarketEvent[] = [];
    this.tickInto(this.deps.clock.now(), events);
    return events;
  }

  get nextTimerAt(): number {
    return this.state.timers.nextAt;
  }

  // ---- matching -----------------------------------------------------------------------------

  /** Matches `o` as taker, then rests, cancels (IOC/FOK/market) or closes it as filled. */
  private takeAndRest(o: Order, now: number, events: MarketEvent[]): void {
    const st = this.state;
    const tif = o.spec.timeInForce;
    this.takerNo = this.classWalk.nextTaker();
    const n = this.portBlocked(o) ? 0 : o.isBuy ? this.takeSells(o) : this.takeBuys(o);
    if (tif === 'FOK' && n > 0 && (o.isBuy ? o.boughtMbps < o.capacityMbps : o.soldMin(o.spec.start, o.spec.end) < o.capacityMbps)) {
      this.rollback(o, n);
      st.close(o, 'cancelled', 'fok-unfilled', now);
      events.push({ type: 'OrderCancelled', at: now, orderId: o.id, memberId: o.spec.memberId, reason: 'fok-unfilled' });
      return;
    }
    if (n > 0) this.commit(o, n, now, events);
    if (o.status !== 'open') return;
    if (o.exhausted) {
      st.close(o, 'filled', undefined, now);
      return;
    }
    if (tif === 'IOC' || tif === 'FOK') {
      const reason = tif === 'FOK' ? 'fok-unfilled' : 'ioc-remainder';
      st.close(o, 'cancelled', reason, now);
      events.push({ type: 'OrderCancelled', at: now, orderId: o.id, memberId: o.spec.memberId, reason });
      return;
    }
    st.rest(o);
  }

  /** Taker buy: walks the asks of covering books in the buyer's ranking; returns the fill count. */
  private takeSells(buy: Order): number {
    const st = this.state;
    const b = st.bookOf(buy);
    const books = st.books.covering(b);
    const ranking = buy.spec.ranking ?? 'price';
    if (ranking !== 'price' || buy.spec.limits !== undefined) return this.classWalk.take(buy, books, ranking);
    const sides = this.sides;
    let k = 0;
    for (let i = 0; i < books.length; i++) {
      const s = books[i].asks;
      if (s.bestPrice <= buy.price) sides[k++] = s;
    }
    if (k === 0) return 0;
    return k === 1 ? this.walkOne(buy, sides[0], true) : this.walkMerged(buy, sides, k, true, k);
  }

  /**
   * Taker sell: walks the bids of covered books by price then time. The book's BidIndex yields
   * only the covered books whose best bid crosses (an `any` or /16 sell no longer visits the
   * thousands that do not).
   */
  private takeBuys(sell: Order): number {
    const b = this.state.bookOf(sell);
    const sides = this.sides;
    // b's own bids (if they cross) come first, then the covered books' by best bid, descending:
    // sorted after the first, which is all walkMerged's lazy joining needs.
    const k = this.state.books.crossingBids(b, sell.price, sides);
    if (k === 0) return 0;
    return k === 1 ? this.walkOne(sell, sides[0], false) : this.walkMerged(sell, sides, k, false, 0);
  }

  /** Price-time walk of one book side. */
  private walkOne(taker: Order, side: BookSide, takerBuys: boolean): number {
    const levels = side.levels;
    const limit = taker.price;
    let n = 0;
    for (let li = 0; li < levels.length; li++) {
      const lv = levels[li];
      if (takerBuys ? lv.price > limit : lv.price < limit) break;
      for (let r = lv.head; r !== null; r = r.next) {
        n = this.tryFill(taker, r, takerBuys, n);
        if (n < 0) return -n;
      }
    }
    return n;
  }

  /**
   * Price-time walk merging several book sides (covering prefixes, or every book an `any` sell
   * serves) into one order: a binary heap of the sides' current heads, best first. The heap and
   * cursors are the engine's scratch arrays (no allocation per walk). Sides from `eager` on join
   * the heap only when their best price can rank with the current head, so they must be sorted
   * by best price (best first) except the first to join: a sell on a short prefix that crosses
   * thousands of books' bids but fills from the first few never touches the others.
   */
  private walkMerged(taker: Order, sides: BookSide[], k: number, takerBuys: boolean, eager: number): number {
    const li = this.mLevel;
    const cur = this.mCur;
    const heap = this.mHeap;
    this.mn = 0;
    for (let i = 0; i < eager; i++) {
      cur[i] = sides[i].first!.head;
      li[i] = 0;
      heap[this.mn++] = i;
      this.siftUp(this.mn - 1, takerBuys);
    }
    let fed = eager;
    const limit = taker.price;
    let n = 0;
    for (;;) {
      while (fed < k) {
        const p = sides[fed].bestPrice;
        if (this.mn > 0) {
          const top = cur[heap[0]]!.price;
          if (takerBuys ? p > top : p < top) break;
        }
        cur[fed] = sides[fed].first!.head;
        li[fed] = 0;
        heap[this.mn++] = fed;
        this.siftUp(this.mn - 1, takerBuys);
        fed++;
      }
      if (this.mn === 0) break;
      const best = heap[0];
      const r = cur[best]!;
      if (takerBuys ? r.price > limit : r.price < limit) break;
      // Advance this side's cursor before filling (the walk never removes orders from the book).
      let nx = r.next;
      if (nx === null) {
        const levels = sides[best].levels;
        const j = ++li[best];
        nx = j < levels.length ? levels[j].head : null;
      }
      cur[best] = nx;
      if (nx === null) {
        const last = heap[--this.mn];
        if (this.mn > 0) {
          heap[0] = last;
          this.siftDown(0, takerBuys);
        }
      } else this.siftDown(0, takerBuys);
      n = this.tryFill(taker, r, takerBuys, n);
      if (n < 0) {
        n = -n;
        break;
      }
    }
    for (let i = 0; i < fed; i++) cur[i] = null;
    this.mn = 0;
    return n;
  }

  /** a is better than b: lower price for asks (taker buys), higher for bids; then earlier seq. */
  private mBetter(a: number, b: number, takerBuys: boolean): boolean {
    const x = this.mCur[a]!;
    const y = this.mCur[b]!;
    return x.price !== y.price ? (takerBuys ? x.price < y.price : x.price > y.price) : x.seq < y.seq;
  }

  private siftUp(i: number, takerBuys: boolean): void {
    const heap = this.mHeap;
    const x = heap[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.mBetter(x, heap[p], takerBuys)) break;
      heap[i] = heap[p];
      i = p;
    }
    heap[i] = x;
  }

  private siftDown(i: number, takerBuys: boolean): void {
    const heap = this.mHeap;
    const n = this.mn;
    const x = heap[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.mBetter(heap[r], heap[l], takerBuys) ? r : l;
      if (!this.mBetter(heap[c], x, takerBuys)) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = x;
  }

  /**
   * Tries resting order `r` for the taker; returns the new fill count, negated when the taker
   * has nothing left to fill (the walk stops).
   */
  private tryFill(taker: Order, r: Order, takerBuys: boolean, n: number): number {
    const buy = takerBuys ? taker : r;
    const sell = takerBuys ? r : taker;
    if (!this.eligible(buy, sell)) return n;
    let q: MatchQuality | null = null;
    if (buy.spec.limits !== undefined) {
      q = this.qualityOf(sell, buy, takerBuys);
      if (!meetsLimits(q, buy.spec.limits)) return n;
    }
    const qty = this.fillable(buy, sell);
    // A full taker port ends the walk: otherwise every resting order would be read in vain.
    if (qty <= 0) return this.portBlocked(taker) ? -n : n;
    this.state.reserve(buy, sell, buy.spec.start, buy.spec.end, qty);
    this.fillOrders[n] = r;
    this.fillQty[n] = qty;
    this.fillQuality[n] = q;
    n++;
    const done = takerBuys ? taker.capacityMbps - taker.boughtMbps < taker.spec.minBlockMbps : taker.exhausted;
    return done ? -n : n;
  }

  /**
   * The match quality of a pair, with the seller's observation towards the buy's destination
   * looked up once per taker: a buy taker's per seller member (the class walk's memo), a sell
   * taker's per book of the bids it meets (the taker is the one seller). No map per taker.
   */
  private qualityOf(sell: Order, buy: Order, takerBuys: boolean): MatchQuality {
    let obs: QualityObservation | undefined;
    const book = buy.book as DestBook | null;
    if (takerBuys) obs = this.classWalk.observation(sell.spec.memberId, buy);
    else if (book === null) obs = this.lookup(sell.spec.memberId, buy);
    else {
      if (book.obsTaker !== this.takerNo) {
        book.obsTaker = this.takerNo;
        book.obs = this.lookup(sell.spec.memberId, buy);
      }
      obs = book.obs;
    }
    return qualityFrom(obs, sell);
  }

  private lookup(sellerId: string, buy: Order): QualityObservation | undefined {
    return this.deps.quality.lookup(sellerId, destKey(buy.spec.destination, buy.spec.protocol));
  }

  /** Everything but price, capacity and quality. */
  private eligible(buy: Order, sell: Order): boolean {
    const b = buy.spec;
    const s = sell.spec;
    return (
      s.memberId !== b.memberId &&
      s.prefixType === b.prefixType &&
      (s.trafficType === 'any' || s.trafficType === b.trafficType) &&
      s.start <= b.start &&
      s.end >= b.end
    );
  }

  /**
   * True when the taker's port cannot take one more block of the taker's in any trade: a fill
   * reserves the port over the buy's period, which is the taker buy's own period, or lies within
   * a taker sell's (so its free capacity there is at most capacity − the least reserved in the
   * sell's period). Checked before the walk and when a pair cannot fill, so a taker whose port is
   * full does not read the whole book to find nothing.
   */
  private portBlocked(taker: Order): boolean {
    const p = taker.port!;
    const { start, end, minBlockMbps } = taker.spec;
    const reserved = taker.isBuy ? p.reserved.maxIn(start, end) : p.reserved.minIn(start, end);
    return p.capacityMbps - reserved < minBlockMbps;
  }

  /** Mbps the pair can trade now: min of the buy's remainder and the free sell and port capacity, in blocks. */
  private fillable(buy: Order, sell: Order): number {
    const start = buy.spec.start;
    const end = buy.spec.end;
    let q = buy.capacityMbps - buy.boughtMbps;
    const sf = sell.capacityMbps - sell.soldMax(start, end);
    if (sf < q) q = sf;
    const bp = buy.port!;
    const bf = bp.capacityMbps - bp.reserved.maxIn(start, end);
    if (bf < q) q = bf;
    const sp = sell.port!;
    const spf = sp.capacityMbps - sp.reserved.maxIn(start, end);
    if (spf < q) q = spf;
    if (q <= 0) return 0;
    const a = buy.spec.minBlockMbps;
    const c = sell.spec.minBlockMbps;
    const step = a === c ? a : lcm(a, c);
    return q - (q % step);
  }

  private rollback(taker: Order, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      const r = this.fillOrders[i];
      const buy = taker.isBuy ? taker : r;
      const sell = taker.isBuy ? r : taker;
      this.state.reserve(buy, sell, buy.spec.start, buy.spec.end, -this.fillQty[i]);
      this.fillOrders[i] = undefined as unknown as Order;
    }
  }

  private commit(taker: Order, n: number, now: number, events: MarketEvent[]): void {
    const st = this.state;
    const aggressor = taker.spec.side;
    for (let i = 0; i < n; i++) {
      const r = this.fillOrders[i];
      this.fillOrders[i] = undefined as unknown as Order;
      const buy = taker.isBuy ? taker : r;
      const sell = taker.isBuy ? r : taker;
      const b = buy.spec;
      const s = sell.spec;
      const quality = this.fillQuality[i] ?? this.qualityOf(sell, buy, taker.isBuy);
      const t = tradeRecord(this.deps.ids.next('trd'), buy.id, sell.id, b, s, this.fillQty[i], r.price, quality, aggressor, now);
      this.fillQuality[i] = null;
      st.addTrade(t, b, s);
      events.push({ type: 'TradeMatched', at: now, trade: t });
      st.settle(r, now);
    }
    taker.updatedAt = now;
  }

  // ---- clock ----------------------------------------------------------------------------------

  private tickInto(now: number, events: MarketEvent[]): void {
    const st = this.state;
    const tr = st.trades;
    if (st.timers.nextAt > now) return;
    for (let due = st.timers.takeDue(now); due; due = st.timers.takeDue(now)) {
      const at = due.at;
      const { kinds, targets } = due.bucket;
      for (let i = 0; i < kinds.length; i++) {
        const kind = kinds.at(i);
        if (kind === TIMER_ORDER_EXPIRY) {
          const o = targets.at(i) as Order | null;
          if (o === null) continue; // disarmed: the order closed
          o.timerBucket = null;
          if (o.status !== 'open' || o.level === null || expiryOf(o) !== at) continue;
          const reason = o.spec.expiresAt === at ? 'gtd' : 'period';
          st.close(o, 'expired', reason, at);
          events.push({ type: 'OrderExpired', at, orderId: o.id, memberId: o.spec.memberId, reason });
        } else if (kind === TIMER_TRADE_START) {
          const h = targets.at(i) as number;
          if (tr.statusOf(h) !== TRADE_SCHEDULED) continue;
          st.tradeStatus(h, TRADE_ACTIVE, at);
          events.push({ type: 'TradeActivated', at, tradeId: tr.idOf(h), buyerId: tr.buyerOf(h), sellerId: tr.sellerOf(h) });
        } else if (kind === TIMER_TRADE_END) {
          const h = targets.at(i) as number;
          const s = tr.statusOf(h);
          if (s === TRADE_SCHEDULED || s === TRADE_ACTIVE) {
            st.tradeStatus(h, TRADE_ENDED, at);
            events.push({ type: 'TradeEnded', at, tradeId: tr.idOf(h), buyerId: tr.buyerOf(h), sellerId: tr.sellerOf(h) });
          }
          // A trade's last timer: nothing refers to the handle any more.
          tr.release(h);
        }
      }
    }
  }

  // ---- checks ---------------------------------------------------------------------------------

  /** Checks that need the clock or the registry (static fields were checked by validateOrder). */
  private checkAtEntry(spec: OrderSpec, now: number): PortState {
    const st = this.state;
    const port = this.deps.ports.port(spec.portId);
    if (!port || port.memberId !== spec.memberId) {
      st.counters.ordersRejected++;
      throw marketErrors.make('MARKET_PORT_UNKNOWN', `portId ${JSON.stringify(spec.portId)} is not one of your ports`, { field: 'portId' });
    }
    const ps = st.portState(spec.portId);
    ps.capacityMbps = port.capacityMbps;
    if (spec.capacityMbps > port.capacityMbps) {
      st.counters.ordersRejected++;
      throw marketErrors.make('MARKET_CAPACITY_EXCEEDS_PORT', `capacityMbps ${spec.capacityMbps} exceeds the ${port.capacityMbps} Mbps of port ${spec.portId}`, { field: 'capacityMbps', details: { portCapacityMbps: port.capacityMbps } });
    }
    if (spec.end <= now) {
      st.counters.ordersRejected++;
      throw marketErrors.make('MARKET_INVALID_ORDER', 'end must be in the future', { field: 'end' });
    }
    if (spec.start < now - this.config.startSkewMs) {
      st.counters.ordersRejected++;
      throw marketErrors.make('MARKET_INVALID_ORDER', `start must not be more than ${this.config.startSkewMs / 1000} s in the past`, { field: 'start' });
    }
    if (spec.expiresAt !== undefined && spec.expiresAt <= now) {
      st.counters.ordersRejected++;
      throw marketErrors.make('MARKET_INVALID_ORDER', 'expiresAt must be in the future', { field: 'expiresAt' });
    }
    return ps;
  }

  private ownOpenOrder(memberId: string, orderId: string): Order {
    const o = this.state.orders.get(orderId);
    if (!o || o.spec.memberId !== memberId) {
      throw marketErrors.make('MARKET_ORDER_NOT_FOUND', `no order ${orderId} of yours`, { field: 'orderId' });
    }
    if (o.status !== 'open') throw closedError(o);
    return o;
  }

  // ---- views ----------------------------------------------------------------------------------

  order(id: string): OrderView | undefined {
    return this.state.orders.get(id);
  }

  /** Re-reads a port's capacity from the registry (call when the registry changes a port). */
  portChanged(portId: string): void {
    const p = this.state.ports.get(portId);
    if (p) p.capacityMbps = this.deps.ports.port(portId)?.capacityMbps ?? 0;
  }

  /** Re-reads every known port (after recovery). */
  refreshPorts(): void {
    for (const id of this.state.ports.keys()) this.portChanged(id);
  }

  /** Aggregated depth of one destination's book: per price, open Mbps and order count. */
  depth(destination: string, protocol: OrderSpec['protocol'], maxLevels = 50): BookDepth {
    const b = this.state.books.byKey.get(destKey(destination, protocol));
    const side = (s: BookSide | undefined) => {
      const out: DepthLevel[] = [];
      if (!s) return out;
      for (let i = 0; i < s.levels.length && out.length < maxLevels; i++) {
        const lv = s.levels[i];
        out.push({ price: lv.price, mbps: lv.mbps, orders: lv.count });
      }
      return out;
    };
    return { destination, protocol, bids: side(b?.bids), asks: side(b?.asks) };
  }
}

export interface DepthLevel {
  price: number;
  mbps: number;
  orders: number;
}
export interface BookDepth {
  destination: string;
  protocol: OrderSpec['protocol'];
  bids: DepthLevel[];
  asks: DepthLevel[];
}

function closedError(o: Order) {
  return marketErrors.make('MARKET_ORDER_CLOSED', `order ${o.id} is ${o.status}`, { field: 'orderId', details: { status: o.status } });
}

function lcm(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return (a / x) * b;
}

/** An idempotent retry repeats the order: the fields that define it must be the same. */
function sameOrder(a: OrderSpec, b: OrderSpec): boolean {
  return (
    a.side === b.side &&
    a.destination === b.destination &&
    a.protocol === b.protocol &&
    a.prefixType === b.prefixType &&
    a.trafficType === b.trafficType &&
    a.capacityMbps === b.capacityMbps &&
    a.minBlockMbps === b.minBlockMbps &&
    a.price === b.price &&
    a.orderType === b.orderType &&
    a.timeInForce === b.timeInForce &&
    a.expiresAt === b.expiresAt &&
    a.start === b.start &&
    a.end === b.end &&
    a.portId === b.portId
  );
}
