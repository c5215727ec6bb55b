/**
 * The market's vocabulary: validated order specs, orders and trades as the engine keeps them, and
 * the events the engine produces. Inside the engine prices are integer micro-units held in JS
 * numbers (safe integers, bounds checked at the edge by validate-order.ts); at the API and in the
 * journal they are bigint micro-units written as decimal strings.
 */

export type Side = 'buy' | 'sell';
export type Protocol = 'ipv4' | 'ipv6';
/** customer / peer / transit routes of the seller, or a specific list of prefixes (SPEC B2). */
export type PrefixType = 'customer' | 'peer' | 'transit' | 'specific';
export const PREFIX_TYPES: readonly PrefixType[] = ['customer', 'peer', 'transit', 'specific'];
export type OrderType = 'limit' | 'market';
export type TimeInForce = 'GTC' | 'GTD' | 'IOC' | 'FOK';
export type Ranking = 'price' | 'performance' | 'weighted';
export type OrderStatus = 'open' | 'filled' | 'cancelled' | 'expired';
export type TradeStatus = 'scheduled' | 'active' | 'ended' | 'cancelled';

/** Why an order closed without being filled. */
export type CloseReason =
  | 'member' // the member cancelled it
  | 'ioc-remainder' // IOC / market: the part not filled at once
  | 'fok-unfilled' // FOK: could not be filled completely at once
  | 'gtd' // its expiry time passed
  | 'period' // its delivery period can no longer be delivered
  | 'admin';

/** Limits a buyer puts on the seller's quality towards the destination (all optional). */
export interface QualityLimits {
  maxLatencyMs?: number;
  maxLossPct?: number;
  maxAsHops?: number;
  /** Only measured (verified) figures count; declared values never satisfy a limit. */
  verifiedOnly?: boolean;
}

/** Values a seller declares; used, marked unverified, until the exchange has measured the path. */
export interface DeclaredQuality {
  latencyMs?: number;
  lossPct?: number;
  asHops?: number;
}

/** Weights of the `weighted` ranking, micro-units per Mbps per month per unit of each figure. */
export interface RankingWeights {
  /** Per millisecond of mean latency. */
  latency: number;
  /** Per percent of packet loss. */
  loss: number;
  /** Per AS hop of network distance. */
  distance: number;
}

/** A validated order as the engine accepts it. Immutable once accepted (amendments live on Order). */
export interface OrderSpec {
  readonly memberId: string;
  readonly clientOrderId?: string;
  readonly side: Side;
  /** Canonical CIDR, or `any` (full transit of `protocol`). */
  readonly destination: string;
  readonly protocol: Protocol;
  readonly prefixType: PrefixType;
  /** `any` or a token such as `web`, `video`; a seller's `any` carries every type. */
  readonly trafficType: string;
  readonly capacityMbps: number;
  readonly minBlockMbps: number;
  /** Micro-units per Mbps per month; for a market order, its price guard. */
  readonly price: number;
  readonly orderType: OrderType;
  readonly timeInForce: TimeInForce;
  /** GTD only: epoch ms after which the order expires. */
  readonly expiresAt?: number;
  /** Delivery period [start, end), epoch ms, whole seconds. */
  readonly start: number;
  readonly end: number;
  readonly portId: string;
  /** Buy orders only. */
  readonly limits?: QualityLimits;
  readonly ranking?: Ranking;
  readonly weights?: RankingWeights;
  /** Sell orders only. */
  readonly declared?: DeclaredQuality;
}

/** Quality of a seller towards a destination as used at match time. */
export interface MatchQuality {
  latencyMs?: number;
  lossPct?: number;
  asHops?: number;
  /** True only when every figure used came from measurement. */
  verified: boolean;
}

/** The facts of a trade, fixed when it is matched (what `TradeMatched` carries). */
export interface TradeRecord {
  readonly id: string;
  readonly buyOrderId: string;
  readonly sellOrderId: string;
  readonly buyerId: string;
  readonly sellerId: string;
  readonly buyPortId: string;
  readonly sellPortId: string;
  /** The buy order's destination: what the buyer asked and the seller covers. */
  readonly destination: string;
  readonly protocol: Protocol;
  readonly prefixType: PrefixType;
  readonly trafficType: string;
  readonly capacityMbps: number;
  /** The resting order's price, micro-units per Mbps per month. */
  readonly price: number;
  readonly start: number;
  readonly end: number;
  readonly quality: MatchQuality;
  /** Which side arrived and took liquidity. */
  readonly aggressor: Side;
  readonly matchedAt: number;
}

/** A trade with its current status (scheduled → active → ended, or cancelled). */
export interface TradeView extends TradeRecord {
  readonly status: TradeStatus;
  readonly closedAt?: number;
  readonly closeReason?: string;
}

/** Public, read-only view of an order. */
export interface OrderView {
  readonly id: string;
  readonly seq: number;
  readonly spec: OrderSpec;
  readonly price: number;
  readonly capacityMbps: number;
  /** Buy: Mbps bought. Sell: the most Mbps sold at any instant of the period. */
  readonly filledMbps: number;
  readonly status: OrderStatus;
  readonly closeReason?: CloseReason;
  readonly acceptedAt: number;
  readonly updatedAt: number;
}

export type MarketEvent =
  | { type: 'OrderAccepted'; at: number; orderId: string; seq: number; spec: OrderSpec }
  | {
      type: 'OrderAmended';
      at: number;
      orderId: string;
      memberId: string;
      seq: number;
      price: number;
      capacityMbps: number;
      /** True when the amendment kept time priority. */
      keptPriority: boolean;
    }
  | { type: 'OrderCancelled'; at: number; orderId: string; memberId: string; reason: CloseReason }
  | { type: 'OrderExpired'; at: number; orderId: string; memberId: string; reason: CloseReason }
  | { type: 'TradeMatched'; at: number; trade: TradeRecord }
  | { type: 'TradeActivated'; at: number; tradeId: string; buyerId: string; sellerId: string }
  | { type: 'TradeEnded'; at: number; tradeId: string; buyerId: string; sellerId: string }
  | { type: 'TradeCancelled'; at: number; tradeId: string; buyerId: string; sellerId: string; reason: string };

export type MarketEventType = MarketEvent['type'];

/** Read interface onto the registry's ports (SPEC B4). */
export interface PortInfo {
  readonly memberId: string;
  readonly capacityMbps: number;
}
export interface PortDirectory {
  port(portId: string): PortInfo | undefined;
}
