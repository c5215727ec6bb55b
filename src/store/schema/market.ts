/**
 * Tables of the market (src/market): orders and trades, projections of the journal's market events.
 * A row keeps what the lists filter on and what changes; the rest is its event's (migration 0102).
 */

export interface MarketOrdersTable {
  id: string;
  member_id: string;
  /** Null when the member gave none. Unique per member. */
  client_order_id: string | null;
  /** Micro-units per Mbps per month (integer as text); the price guard for market orders. */
  price: string;
  capacity_mbps: number;
  filled_mbps: number;
  status: string;
  close_reason: string | null;
  /** Time priority sequence (changes when an amendment loses priority). */
  seq: number;
  /** The order as accepted (JSON of the engine's spec, money as decimal strings); null when `accepted_seq` points at it. */
  spec: string | null;
  /** Journal seq of the order's OrderAccepted event, whose payload holds the spec (migration 0101). */
  accepted_seq: number | null;
  created_at: number;
  updated_at: number;
}

export interface MarketTradesTable {
  id: string;
  buyer_id: string;
  seller_id: string;
  status: string;
  closed_at: number | null;
  close_reason: string | null;
  /** The trade's facts as matched (JSON, money as decimal strings). */
  record: string | null;
  /** Journal seq of the TradeMatched event, whose payload holds the record (migration 0101). */
  matched_seq: number | null;
}

export interface MarketTables {
  market_orders: MarketOrdersTable;
  market_trades: MarketTradesTable;
}
