/**
 * The market's state and the primitive changes to it. The live engine (engine.ts) decides what
 * happens and calls these primitives; replay (`apply`) calls the very same primitives from the
 * journaled events, which is why replaying the events rebuilds books, timelines and trades exactly.
 */
import { Books, type DestBook, destKey } from './book.ts';
import { Order } from './order.ts';
import { Timeline } from './timeline.ts';
import { TIMER_ORDER_EXPIRY, TIMER_TRADE_END, TIMER_TRADE_START, TimerQueue } from './timers.ts';
import { TRADE_ACTIVE, TRADE_CANCELLED, TRADE_ENDED, TradeStore } from './trade-store.ts';
import type { CloseReason, MarketEvent, OrderSpec, OrderStatus, TradeRecord, TradeView } from './types.ts';

export { Trade } from './trade-store.ts';

/** What the market has reserved on a port; the port's capacity itself is the registry's. */
export interface PortState {
  /** Last known capacity from the registry (refreshed at each order entry and on portChanged). */
  capacityMbps: number;
  readonly reserved: Timeline;
}

/**
 * Live objects (open orders; trade-store.ts does the same for trade handles) by id, filed in the
 * Map lazily. Most are never looked up by id: a resting order is usually found through its book
 * and filled there; only member commands (cancel, amend, get) and replay ask by id. So `add` only appends to `pending`, and the next look-up files what is pending
 * (a removed one leaves a hole, so nothing dead stays referenced). Each object is filed at most
 * once, so the total work is never more than filing each at once; one that closes unfiled is
 * never filed. Iteration order is the order of `add`, as with a plain Map (everything filed was
 * added before everything pending).
 */
export class IdIndex<T extends { readonly id: string; slot: number }> {
  /** `slot` of an object not in the index. */
  static readonly NONE = -2;
  /** `slot` of an object filed in the Map (≥ 0: its position in `pending`). */
  static readonly FILED = -1;
  private readonly map = new Map<string, T>();
  /** Added, not filed yet; null where one was removed (nothing dead stays referenced). */
  private pending: Array<T | null> = [];
  private holes = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  add(x: T): void {
    x.slot = this.pending.length;
    this.pending.push(x);
    this.live++;
  }

  remove(x: T): void {
    const s = x.slot;
    if (s === IdIndex.NONE) return;
    x.slot = IdIndex.NONE;
    this.live--;
    if (s === IdIndex.FILED) {
      this.map.delete(x.id);
      return;
    }
    const p = this.pending;
    p[s] = null;
    if (++this.holes > 1024 && 2 * this.holes > p.length) {
      let w = 0;
      for (let i = 0; i < p.length; i++) {
        const y = p[i];
        if (y === null) continue;
        y.slot = w;
        p[w++] = y;
      }
      p.length = w;
      this.holes = 0;
    }
  }

  get(id: string): T | undefined {
    if (this.pending.length > 0) this.file();
    return this.map.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  keys(): IterableIterator<string> {
    if (this.pending.length > 0) this.file();
    return this.map.keys();
  }

  values(): IterableIterator<T> {
    if (this.pending.length > 0) this.file();
    return this.map.values();
  }

  private file(): void {
    const p = this.pending;
    for (let i = 0; i < p.length; i++) {
      const x = p[i];
      if (x === null) continue;
      x.slot = IdIndex.FILED;
      this.map.set(x.id, x);
    }
    this.pending = [];
    this.holes = 0;
  }
}

/** Plain counters bumped on the hot path; the wiring layer exports them to Prometheus. */
export interface MarketCounters {
  ordersAccepted: number;
  ordersRejected: number;
  ordersDuplicate: number;
  ordersCancelled: number;
  ordersExpired: number;
  ordersAmended: number;
  ordersFilled: number;
  tradesMatched: number;
  tradesActivated: number;
  tradesEnded: number;
  tradesCancelled: number;
  mbpsMatched: number;
}

export class MarketState {
  readonly books = new Books();
  /**
   * Open orders by id. Only an order that rests is added: a taker that fills (or is cancelled)
   * on arrival is never looked up by id. After every command an open order rests, so this holds
   * every open order.
   */
  readonly orders = new IdIndex<Order>();
  /** Client order ids of every order since start (or recovery), for idempotent retries. */
  readonly byClientId = new Map<string, Order>();
  /**
   * Trades, as columns addressed by handle (trade-store.ts); by id (`get`, `keys`…), those not
   * yet ended or cancelled.
   */
  readonly trades = new TradeStore();
  readonly ports = new Map<string, PortState>();
  readonly timers = new TimerQueue();
  /**
   * When set, every order and trade (handle) a primitive changes is pushed here (with repeats),
   * so the caller can write their new rows; null on the bare engine (benchmarks). While trades
   * are tracked, a released handle is reused only after `drainTouched` (trade-store.ts,
   * `quarantine`), so a handle in `touchedTrades` always names the trade that was touched.
   */
  touchedOrders: Order[] | null = null;
  touchedTrades: number[] | null = null;

  /** Starts pushing changed orders and trades to `touchedOrders` / `touchedTrades`. */
  trackTouched(): void {
    this.touchedOrders = [];
    this.touchedTrades = [];
    this.trades.quarantine(true);
  }

  /** Empties the touched lists (the caller has taken what it needs) and lets handles be reused. */
  drainTouched(): void {
    if (this.touchedOrders) this.touchedOrders.length = 0;
    if (this.touchedTrades) this.touchedTrades.length = 0;
    this.trades.recycle();
  }
  /** Time-priority sequence of the newest order (or amendment that lost priority). */
  lastSeq = 0;
  readonly counters: MarketCounters = {
    ordersAccepted: 0,
    ordersRejected: 0,
    ordersDuplicate: 0,
    ordersCancelled: 0,
    ordersExpired: 0,
    ordersAmended: 0,
    ordersFilled: 0,
    tradesMatched: 0,
    tradesActivated: 0,
    tradesEnded: 0,
    tradesCancelled: 0,
    mbpsMatched: 0,
  };

  // ---- primitives -------------------------------------------------------------------------

  portState(portId: string): PortState {
    let p = this.ports.get(portId);
    if (!p) {
      p = { capacityMbps: 0, reserved: new Timeline() };
      this.ports.set(portId, p);
    }
    return p;
  }

  /** Registers a newly accepted order (not yet resting). */
  createOrder(id: string, seq: number, spec: OrderSpec, at: number, port?: PortState): Order {
    const o = new Order(id, seq, spec, at);
    if (seq > this.lastSeq) this.lastSeq = seq;
    if (spec.clientOrderId !== undefined) this.byClientId.set(clientKey(spec.memberId, spec.clientOrderId), o);
    o.port = port ?? this.portState(spec.portId);
    this.counters.ordersAccepted++;
    this.touchedOrders?.push(o);
    return o;
  }

  /** The book of an order's destination (remembered on the order: a taker looks it up once). */
  bookOf(o: Order): DestBook {
    let b = o.book as DestBook | null;
    if (b === null) o.book = b = this.books.get(destKey(o.spec.destination, o.spec.protocol), o.spec.protocol);
    return b;
  }

  /** Puts an open order in its book and arms its expiry. */
  rest(o: Order): void {
    const b = this.bookOf(o);
    o.book = b;
    if (o.slot === IdIndex.NONE) this.orders.add(o);
    if (o.isBuy) {
      b.bids.insert(o);
      this.books.bidsChanged(b);
    } else b.asks.insert(o);
    // Armed once: an order re-rested after an amendment keeps its expiry and its place.
    if (o.timerBucket === null) this.timers.addDisarmable(expiryOf(o), TIMER_ORDER_EXPIRY, o);
  }

  unrest(o: Order): void {
    if (!o.level) return;
    const b = o.book as DestBook;
    if (o.isBuy) {
      b.bids.remove(o);
      this.books.bidsChanged(b);
    } else b.asks.remove(o);
  }

  close(o: Order, status: OrderStatus, reason: CloseReason | undefined, at: number): void {
    this.unrest(o);
    this.orders.remove(o);
    this.timers.disarm(o);
    this.touchedOrders?.push(o);
    o.status = status;
    if (reason !== undefined) o.closeReason = reason;
    o.updatedAt = at;
    if (status === 'cancelled') this.counters.ordersCancelled++;
    else if (status === 'expired') this.counters.ordersExpired++;
    else if (status === 'filled') this.counters.ordersFilled++;
  }

  /** Moves `qty` Mbps of [start,end) from free to sold on the order and both ports (negative undoes). */
  reserve(buy: Order, sell: Order, start: number, end: number, qty: number): void {
    buy.boughtMbps += qty;
    if (this.touchedOrders) this.touchedOrders.push(buy, sell);
    sell.addSold(start, end, qty);
    buy.port!.reserved.add(start, end, qty);
    sell.port!.reserved.add(start, end, qty);
    if (buy.level !== null) refreshShown(buy);
    if (sell.level !== null) refreshShown(sell);
  }

  /** Records a trade whose capacity is already reserved, and arms its start and end (by handle). */
  addTrade(r: TradeRecord, buy: OrderSpec, sell: OrderSpec): number {
    const h = this.trades.add(r, buy, sell);
    this.timers.add(r.start, TIMER_TRADE_START, h);
    this.timers.add(r.end, TIMER_TRADE_END, h);
    this.counters.tradesMatched++;
    this.counters.mbpsMatched += r.capacityMbps;
    this.touchedTrades?.push(h);
    return h;
  }

  /** After fills: an order with no block left is filled and leaves its book. */
  settle(o: Order, at: number): void {
    o.updatedAt = at;
    if (o.status === 'open' && o.exhausted) this.close(o, 'filled', undefined, at);
  }

  /** Releases a trade's port capacity (end or cancellation); a cancellation also unsells it. */
  releaseTrade(h: number, cancelled: boolean, at: number): void {
    const tr = this.trades;
    const start = tr.startOf(h);
    const end = tr.endOf(h);
    const qty = tr.capacityOf(h);
    for (let k = 0; k < 2; k++) {
      const p = this.ports.get(k === 0 ? tr.buyPortOf(h) : tr.sellPortOf(h));
      if (!p) continue;
      p.reserved.add(start, end, -qty);
      p.reserved.pruneBefore(at);
    }
    if (cancelled) {
      const sell = this.orders.get(tr.sellOrderOf(h));
      if (sell && sell.status === 'open') {
        sell.addSold(start, end, -qty);
        if (sell.level !== null) refreshShown(sell);
      }
    }
  }

  /** Sets amended values; an order losing priority leaves its book (the caller re-rests it). */
  amendApply(o: Order, seq: number, price: number, capacityMbps: number, at: number): void {
    if (seq !== o.seq) this.unrest(o);
    o.price = price;
    o.capacityMbps = capacityMbps;
    o.seq = seq;
    o.updatedAt = at;
    if (o.level !== null) refreshShown(o);
    if (seq > this.lastSeq) this.lastSeq = seq;
    this.counters.ordersAmended++;
    this.touchedOrders?.push(o);
  }

  /** Moves trade `h` to TRADE_ACTIVE, TRADE_ENDED or TRADE_CANCELLED (trade-store.ts). */
  tradeStatus(h: number, status: number, at: number, reason?: string): void {
    this.trades.setStatus(h, status, at, reason);
    this.touchedTrades?.push(h);
    if (status === TRADE_ACTIVE) {
      this.counters.tradesActivated++;
      return;
    }
    if (status === TRADE_ENDED) this.counters.tradesEnded++;
    else this.counters.tradesCancelled++;
    this.releaseTrade(h, status === TRADE_CANCELLED, at);
  }

  // ---- replay -------------------------------------------------------------------------------

  /** Applies one journaled event (replay). Events must come in journal order. */
  apply(e: MarketEvent): void {
    switch (e.type) {
      case 'OrderAccepted': {
        const o = this.createOrder(e.orderId, e.seq, e.spec, e.at);
        this.rest(o);
        return;
      }
      case 'OrderAmended': {
        const o = this.mustOrder(e.orderId);
        const lost = e.seq !== o.seq;
        this.amendApply(o, e.seq, e.price, e.capacityMbps, e.at);
        if (lost) this.rest(o); // the live engine matched it as a taker first; trades follow
        return;
      }
      case 'OrderCancelled':
        this.close(this.mustOrder(e.orderId), 'cancelled', e.reason, e.at);
        return;
      case 'OrderExpired':
        this.close(this.mustOrder(e.orderId), 'expired', e.reason, e.at);
        return;
      case 'TradeMatched': {
        const t = e.trade;
        const buy = this.mustOrder(t.buyOrderId);
        const sell = this.mustOrder(t.sellOrderId);
        this.reserve(buy, sell, t.start, t.end, t.capacityMbps);
        this.addTrade(t, buy.spec, sell.spec);
        this.settle(buy, e.at);
        this.settle(sell, e.at);
        return;
      }
      case 'TradeActivated':
        this.tradeStatus(this.mustTrade(e.tradeId), TRADE_ACTIVE, e.at);
        return;
      case 'TradeEnded':
        this.tradeStatus(this.mustTrade(e.tradeId), TRADE_ENDED, e.at);
        return;
      case 'TradeCancelled':
        this.tradeStatus(this.mustTrade(e.tradeId), TRADE_CANCELLED, e.at, e.reason);
        return;
    }
  }

  private mustOrder(id: string): Order {
    const o = this.orders.get(id);
    if (!o) throw new Error(`market replay: unknown order ${id}`);
    return o;
  }

  private mustTrade(id: string): number {
    const h = this.trades.handleOf(id);
    if (h < 0) throw new Error(`market replay: unknown trade ${id}`);
    return h;
  }

  // ---- views --------------------------------------------------------------------------------

  /**
   * Everything observable, in a canonical plain form: two states are equal exactly when their
   * snapshots are deeply equal (used by the replay property test and by recovery checks).
   */
  snapshot(): MarketSnapshot {
    const orders = [...this.orders.values()].map((o) => ({
      id: o.id,
      seq: o.seq,
      price: o.price,
      capacityMbps: o.capacityMbps,
      boughtMbps: o.boughtMbps,
      sold: o.isBuy ? null : o.soldSteps(),
      status: o.status,
      closeReason: o.closeReason ?? null,
    }));
    orders.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const books: MarketSnapshot['books'] = [];
    for (const b of this.books.byKey.values()) {
      const side = (s: DestBook['bids']) => s.levels.map((lv) => {
        const ids: string[] = [];
        let sum = 0;
        for (let o = lv.head; o; o = o.next) {
          ids.push(o.id);
          sum += o.openMbps;
        }
        // The incremental aggregate must equal the recount; a mismatch shows up as a difference.
        return { price: lv.price, ids, mbps: lv.mbps === sum ? sum : { aggregate: lv.mbps, recount: sum } };
      });
      const bids = side(b.bids);
      const asks = side(b.asks);
      if (bids.length || asks.length) books.push({ key: b.key, bids, asks });
    }
    books.sort((a, b) => (a.key < b.key ? -1 : 1));
    const trades = [...this.trades.values()].map((t) => t.view());
    trades.sort((a, b) => (a.id < b.id ? -1 : 1));
    const ports = [...this.ports.entries()]
      .map(([id, p]) => ({ id, reserved: p.reserved.steps() }))
      .filter((p) => p.reserved.length > 0)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    return { lastSeq: this.lastSeq, orders, books, trades, ports };
  }
}

export interface MarketSnapshot {
  lastSeq: number;
  orders: Array<{
    id: string;
    seq: number;
    price: number;
    capacityMbps: number;
    boughtMbps: number;
    sold: Array<[number, number]> | null;
    status: OrderStatus;
    closeReason: CloseReason | null;
  }>;
  books: Array<{ key: string; bids: SnapshotLevel[]; asks: SnapshotLevel[] }>;
  trades: TradeView[];
  ports: Array<{ id: string; reserved: Array<[number, number]> }>;
}

/** Re-adds a resting order's open Mbps to its level's aggregate after it changed. */
export function refreshShown(o: Order): void {
  const v = o.openMbps;
  o.level!.mbps += v - o.shown;
  o.shown = v;
}

export interface SnapshotLevel {
  price: number;
  ids: string[];
  mbps: number | { aggregate: number; recount: number };
}

export function clientKey(memberId: string, clientOrderId: string): string {
  return memberId + '\u0000' + clientOrderId;
}

/**
 * When a resting order stops being matchable: a GTD order at its expiry; a buy when its delivery
 * period starts (it can no longer be delivered whole); a sell when its period ends (until then
 * the rest of its period can still be sold).
 */
export function expiryOf(o: Order): number {
  const s = o.spec;
  const natural = o.isBuy ? s.start : s.end;
  return s.expiresAt !== undefined && s.expiresAt < natural ? s.expiresAt : natural;
}
