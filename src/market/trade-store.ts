/**
 * Live trades as columns (struct of arrays) addressed by an integer handle, instead of an object
 * graph per trade. A trade lives for its whole delivery period (months), so with one object per
 * trade every trade was copied by each young-generation GC it survived and then kept in the old
 * generation: about a third of the engine's time in bench (a). Here a trade costs a slot in a
 * few columns (its id and its orders' ids, its orders' specs, which hold its members, ports,
 * destination, types and period, its match quality, capacity, price, match time, status) and no
 * object: the TradeRecord / Trade objects are built only when someone asks (API rows, snapshots,
 * `get` by id).
 *
 * A handle is reused once its trade's end timer has fired: the timer queue holds handles, and
 * the end timer is the last one a trade arms (a cancelled or replayed-as-ended trade keeps its
 * timers armed; the engine skips them by status), so no timer can ever meet a reused handle.
 * While a caller tracks changed trades by handle (MarketState.trackTouched: the market service),
 * a release is held back until the caller has read them (`quarantine`, `recycle`).
 * A Trade object handed out reads the columns while its handle is held and keeps a copy of the
 * final values when the handle is released.
 *
 * Look-up by id is lazy as in IdIndex (state.ts): most trades are only ever reached through their
 * timers, so `add` appends the handle to `pending` and the next look-up files what is pending.
 */
import { Column } from './column.ts';
import type { MatchQuality, OrderSpec, TradeRecord, TradeStatus, TradeView } from './types.ts';

export const TRADE_SCHEDULED = 0;
export const TRADE_ACTIVE = 1;
export const TRADE_ENDED = 2;
export const TRADE_CANCELLED = 3;
const STATUS: readonly TradeStatus[] = ['scheduled', 'active', 'ended', 'cancelled'];
const STATUS_MASK = 3;
const RELEASED_QUALITY: MatchQuality = Object.freeze({ verified: false });
const RELEASED_SPEC = Object.freeze({}) as OrderSpec;

/**
 * True when the record's members, ports, destination, types and period are its orders' (as the
 * engine makes every trade): then the store keeps the two specs, not eight fields of its own;
 * otherwise `add` keeps specs made from the record.
 */
function fits(r: TradeRecord, b: OrderSpec, s: OrderSpec): boolean {
  return (
    r.buyerId === b.memberId &&
    r.sellerId === s.memberId &&
    r.buyPortId === b.portId &&
    r.sellPortId === s.portId &&
    r.destination === b.destination &&
    r.protocol === b.protocol &&
    r.prefixType === b.prefixType &&
    r.trafficType === b.trafficType &&
    r.start === b.start &&
    r.end === b.end
  );
}
const BUYER_AGGRESSOR = 4;

/**
 * A trade's record from its orders' specs: the members, ports, destination, types and period are
 * the orders' (the period is the buy's, which the sell's contains). The engine makes every trade
 * this way, and the store rebuilds a held trade's record the same way.
 */
export function tradeRecord(
  id: string,
  buyOrderId: string,
  sellOrderId: string,
  b: OrderSpec,
  s: OrderSpec,
  capacityMbps: number,
  price: number,
  quality: MatchQuality,
  aggressor: 'buy' | 'sell',
  matchedAt: number,
): TradeRecord {
  return {
    id,
    buyOrderId,
    sellOrderId,
    buyerId: b.memberId,
    sellerId: s.memberId,
    buyPortId: b.portId,
    sellPortId: s.portId,
    destination: b.destination,
    protocol: b.protocol,
    prefixType: b.prefixType,
    trafficType: b.trafficType,
    capacityMbps,
    price,
    start: b.start,
    end: b.end,
    quality,
    aggressor,
    matchedAt,
  };
}

/** `slot` of a trade not in the id index (ended or cancelled, or a free handle). */
const NONE = -2;
/** `slot` of a trade filed in the Map (≥ 0: its position in `pending`). */
const FILED = -1;

/** A trade as the state hands it out: the record and the status the clock moves on. */
export class Trade {
  private store: TradeStore | null;
  private readonly h: number;
  private rec: TradeRecord | null = null;
  // Final values, once the handle is released.
  private finalStatus: TradeStatus = 'scheduled';
  private finalClosedAt: number | undefined;
  private finalReason: string | undefined;

  constructor(store: TradeStore, h: number) {
    this.store = store;
    this.h = h;
  }

  get r(): TradeRecord {
    return (this.rec ??= this.store!.record(this.h));
  }
  get id(): string {
    return this.store === null ? this.r.id : this.store.idOf(this.h);
  }
  get status(): TradeStatus {
    return this.store === null ? this.finalStatus : STATUS[this.store.statusOf(this.h)];
  }
  get closedAt(): number | undefined {
    return this.store === null ? this.finalClosedAt : this.store.closedAtOf(this.h);
  }
  get closeReason(): string | undefined {
    return this.store === null ? this.finalReason : this.store.closeReasonOf(this.h);
  }

  view(): TradeView {
    const closedAt = this.closedAt;
    const closeReason = this.closeReason;
    return {
      ...this.r,
      status: this.status,
      ...(closedAt !== undefined ? { closedAt } : {}),
      ...(closeReason !== undefined ? { closeReason } : {}),
    };
  }

  /** Called by the store when the handle is released: keeps the final values. */
  detach(): void {
    void this.r;
    this.finalStatus = this.status;
    this.finalClosedAt = this.closedAt;
    this.finalReason = this.closeReason;
    this.store = null;
  }
}

export class TradeStore {
  /** Handles ever used (the next new one); released handles wait in `free`. */
  private top = 0;
  private readonly free: number[] = [];
  /** Released handles not reusable yet (null: released handles are reusable at once). */
  private held: number[] | null = null;
  // Columns in chunks (column.ts): a million live trades are a million entries in each.
  private readonly capacityMbps = new Column<number>(0);
  private readonly price = new Column<number>(0);
  private readonly matchedAt = new Column<number>(0);
  /** Status (TRADE_*) | 4 when the buyer was the aggressor. */
  private readonly flags = new Column<number>(0);
  private readonly slot = new Column<number>(NONE);
  // Shared strings and objects: the trade's id, its orders' ids, the buy's and the sell's specs
  // (a trade's members, ports, destination, types and period are its orders', see `fits`) and
  // the (shared, immutable) match quality.
  private readonly ids = new Column<string>('');
  private readonly buyOrderId = new Column<string>('');
  private readonly sellOrderId = new Column<string>('');
  private readonly buySpec = new Column<OrderSpec>(RELEASED_SPEC);
  private readonly sellSpec = new Column<OrderSpec>(RELEASED_SPEC);
  private readonly quality = new Column<MatchQuality>(RELEASED_QUALITY);
  /** When and why closed trades (ended or cancelled) closed: few, their handles soon released. */
  private readonly closed = new Map<number, { at: number; reason: string | undefined }>();
  /** Trade objects handed out, by handle, while the handle is held. */
  private readonly views = new Map<number, Trade>();
  // Lazy id index of the live trades (scheduled or active).
  private readonly map = new Map<string, number>();
  private readonly pending = new Column<number>(-1);
  private holes = 0;
  private live = 0;

  /**
   * Stores a trade (scheduled, in the id index) matched between orders of specs `buy` and `sell`
   * and returns its handle.
   */
  add(r: TradeRecord, buy: OrderSpec, sell: OrderSpec): number {
    if (!fits(r, buy, sell)) {
      // Never from the engine (a journal written otherwise, or a test): keep specs made from the
      // record itself, so every read below still goes through the specs and gives the record back.
      buy = { ...buy, memberId: r.buyerId, portId: r.buyPortId, destination: r.destination, protocol: r.protocol, prefixType: r.prefixType, trafficType: r.trafficType, start: r.start, end: r.end };
      sell = { ...sell, memberId: r.sellerId, portId: r.sellPortId };
    }
    const flags = TRADE_SCHEDULED | (r.aggressor === 'buy' ? BUYER_AGGRESSOR : 0);
    const slot = this.pending.length;
    const h = this.free.length > 0 ? this.free.pop()! : this.top++;
    if (h === this.ids.length) {
      this.ids.push(r.id);
      this.buyOrderId.push(r.buyOrderId);
      this.sellOrderId.push(r.sellOrderId);
      this.buySpec.push(buy);
      this.sellSpec.push(sell);
      this.quality.push(r.quality);
      this.capacityMbps.push(r.capacityMbps);
      this.price.push(r.price);
      this.matchedAt.push(r.matchedAt);
      this.flags.push(flags);
      this.slot.push(slot);
    } else {
      this.ids.set(h, r.id);
      this.buyOrderId.set(h, r.buyOrderId);
      this.sellOrderId.set(h, r.sellOrderId);
      this.buySpec.set(h, buy);
      this.sellSpec.set(h, sell);
      this.quality.set(h, r.quality);
      this.capacityMbps.set(h, r.capacityMbps);
      this.price.set(h, r.price);
      this.matchedAt.set(h, r.matchedAt);
      this.flags.set(h, flags);
      this.slot.set(h, slot);
    }
    this.pending.push(h);
    this.live++;
    return h;
  }

  /** Sets a trade's status; a closed one leaves the id index (its handle stays held). */
  setStatus(h: number, status: number, at: number, reason: string | undefined): void {
    this.flags.set(h, (this.flags.at(h) & BUYER_AGGRESSOR) | status);
    if (status === TRADE_ACTIVE || status === TRADE_SCHEDULED) return;
    this.closed.set(h, { at, reason });
    this.unindex(h);
  }

  /** Gives the handle back (its end timer fired: nothing refers to it any more). */
  release(h: number): void {
    if (this.held !== null) this.held.push(h);
    else this.releaseNow(h);
  }

  private releaseNow(h: number): void {
    const v = this.views.get(h);
    if (v !== undefined) {
      v.detach();
      this.views.delete(h);
    }
    this.unindex(h);
    this.closed.delete(h);
    // Drop the references so nothing dead stays reachable.
    this.ids.set(h, '');
    this.buyOrderId.set(h, '');
    this.sellOrderId.set(h, '');
    this.buySpec.set(h, RELEASED_SPEC);
    this.sellSpec.set(h, RELEASED_SPEC);
    this.quality.set(h, RELEASED_QUALITY);
    this.free.push(h);
  }

  /**
   * While on, a released handle keeps its trade (readable, not reusable) until `recycle`: a
   * caller that records handles of changed trades (MarketState.touchedTrades) can still read an
   * ended one, and no handle it holds can name another trade yet.
   */
  quarantine(on: boolean): void {
    this.recycle();
    this.held = on ? [] : null;
  }

  /** Completes the releases since the last call: their handles become reusable. */
  recycle(): void {
    const q = this.held;
    if (q === null || q.length === 0) return;
    for (let i = 0; i < q.length; i++) this.releaseNow(q[i]);
    q.length = 0;
  }

  /** The row facts of a held handle: status, and when and why it closed. */
  statusNameOf(h: number): TradeStatus {
    return STATUS[this.statusOf(h)];
  }

  statusOf(h: number): number {
    return this.flags.at(h) & STATUS_MASK;
  }
  closedAtOf(h: number): number | undefined {
    return this.closed.get(h)?.at;
  }
  closeReasonOf(h: number): string | undefined {
    return this.closed.get(h)?.reason;
  }
  idOf(h: number): string {
    return this.ids.at(h);
  }
  buyerOf(h: number): string {
    return this.buySpec.at(h).memberId;
  }
  sellerOf(h: number): string {
    return this.sellSpec.at(h).memberId;
  }
  sellOrderOf(h: number): string {
    return this.sellOrderId.at(h);
  }
  buyPortOf(h: number): string {
    return this.buySpec.at(h).portId;
  }
  sellPortOf(h: number): string {
    return this.sellSpec.at(h).portId;
  }
  capacityOf(h: number): number {
    return this.capacityMbps.at(h);
  }
  startOf(h: number): number {
    return this.buySpec.at(h).start;
  }
  endOf(h: number): number {
    return this.buySpec.at(h).end;
  }

  /** The trade's facts as one record (what TradeMatched carried). */
  record(h: number): TradeRecord {
    const aggressor = (this.flags.at(h) & BUYER_AGGRESSOR) !== 0 ? 'buy' : 'sell';
    return tradeRecord(this.ids.at(h), this.buyOrderId.at(h), this.sellOrderId.at(h), this.buySpec.at(h), this.sellSpec.at(h), this.capacityMbps.at(h), this.price.at(h), this.quality.at(h), aggressor, this.matchedAt.at(h));
  }

  /** The Trade object of a held handle (one per handle, so callers may use it as a key). */
  trade(h: number): Trade {
    let v = this.views.get(h);
    if (v === undefined) {
      v = new Trade(this, h);
      this.views.set(h, v);
    }
    return v;
  }

  // ---- id index of live trades --------------------------------------------------------------

  get size(): number {
    return this.live;
  }

  /** Handle of a live (scheduled or active) trade, or -1. */
  handleOf(id: string): number {
    if (this.pending.length > 0) this.file();
    return this.map.get(id) ?? -1;
  }

  get(id: string): Trade | undefined {
    const h = this.handleOf(id);
    return h < 0 ? undefined : this.trade(h);
  }

  has(id: string): boolean {
    return this.handleOf(id) >= 0;
  }

  keys(): IterableIterator<string> {
    if (this.pending.length > 0) this.file();
    return this.map.keys();
  }

  *values(): IterableIterator<Trade> {
    if (this.pending.length > 0) this.file();
    for (const h of this.map.values()) yield this.trade(h);
  }

  private unindex(h: number): void {
    const s = this.slot.at(h);
    if (s === NONE) return;
    this.slot.set(h, NONE);
    this.live--;
    if (s === FILED) {
      this.map.delete(this.ids.at(h));
      return;
    }
    const p = this.pending;
    p.set(s, -1);
    if (++this.holes > 1024 && 2 * this.holes > p.length) {
      let w = 0;
      for (let i = 0; i < p.length; i++) {
        const y = p.at(i);
        if (y < 0) continue;
        this.slot.set(y, w);
        p.set(w++, y);
      }
      p.truncate(w);
      this.holes = 0;
    }
  }

  private file(): void {
    const p = this.pending;
    for (let i = 0; i < p.length; i++) {
      const h = p.at(i);
      if (h < 0) continue;
      this.slot.set(h, FILED);
      this.map.set(this.ids.at(h), h);
    }
    p.truncate(0);
    this.holes = 0;
  }
}
