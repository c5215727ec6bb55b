/**
 * What the market needs from storage (implemented in src/store/repos/market-repo.ts): journal a
 * batch of events with the rows they change in one transaction, replay the journal's market
 * events in order at start, and answer the members' order and trade lists.
 */
import type { NewEvent } from '../lib/index.ts';
import type { CloseReason, OrderSpec, OrderStatus, TradeRecord, TradeStatus } from './types.ts';

/** An order's row: the spec as accepted plus its state when the batch was taken. */
export interface OrderRow {
  id: string;
  spec: OrderSpec;
  seq: number;
  price: number;
  capacityMbps: number;
  filledMbps: number;
  status: OrderStatus;
  closeReason: CloseReason | null;
  createdAt: number;
  updatedAt: number;
  /** True when the order was accepted in this batch (its row is new: no update of an old row). */
  fresh?: boolean;
  /** Fresh rows: index in the batch's events of its OrderAccepted event (the row points at it). */
  event?: number;
}

export interface TradeRow {
  record: TradeRecord;
  status: TradeStatus;
  closedAt: number | null;
  closeReason: string | null;
  /** True when the trade was matched in this batch. */
  fresh?: boolean;
  /** Fresh rows: index in the batch's events of its TradeMatched event (the row points at it). */
  event?: number;
}

export interface ListQuery {
  limit: number;
  /** Cursor: the id of the last item of the previous page. */
  after?: string;
}

export interface MarketRepository {
  /**
   * Journals `events` and upserts the rows, in one transaction; resolves after the commit.
   * Batches are a chain: each is built on the state the earlier ones left, so once one fails,
   * every batch recorded after it is refused (STORE_UNAVAILABLE) rather than committed, until
   * `restart()`.
   */
  record(events: NewEvent[], orders: OrderRow[], trades: TradeRow[]): Promise<void>;
  /** Starts a new chain of batches: the market has rebuilt its state from the journal. */
  restart(): void;
  /**
   * True when record() commits on another thread while this one goes on: the service then
   * records a long turn's orders in several batches, so their commits overlap its matching.
   */
  readonly offloaded?: boolean;
  /** Calls `apply` with every journaled event of `types`, in journal order; returns how many. */
  replay(types: readonly string[], pageSize: number, apply: (type: string, payload: unknown) => void): Promise<number>;
  getOrder(id: string): Promise<OrderRow | undefined>;
  /** A member's orders by id (ids sort by creation); `open` filters on status. */
  listOrders(memberId: string, q: ListQuery & { open?: boolean }): Promise<OrderRow[]>;
  /** Trades where the member is buyer or seller, by id. */
  listTrades(memberId: string, q: ListQuery): Promise<TradeRow[]>;
}
