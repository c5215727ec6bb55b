/**
 * market: orders, books, matching and trades (SPEC B2, B3, B4; A7).
 *
 * Design. One engine matches on one thread without awaiting (DESIGN "one shard per thread"). An
 * order is validated at the edge (validate-order.ts: decimal money → integer micro-units, ISO
 * times → epoch ms, every bad field named) and handed to `MarketEngine.submit`, which returns the
 * events it produced; the caller journals them before answering. Books are per destination
 * (prefix or `any`), price levels in sorted arrays with intrusive FIFO lists (time priority by a
 * global sequence). A sell covers a buy when its prefix contains the buy's — the covering books
 * come from one PrefixTrie. Sell capacity and port capacity are timelines, so a December offer can
 * be sold in pieces of the month. Quality comes from the quality database (QualitySource) or,
 * unverified, from the seller's declaration. Replaying the events through `MarketState.apply`
 * rebuilds the same books and trades (property-tested). Rules in detail: docs/market.md.
 */
export * from './types.ts';
export * from './errors.ts';
export { MarketEngine, defaultMarketEngineConfig } from './engine.ts';
export type { MarketEngineDeps, MarketEngineConfig, SubmitResult, AmendChanges, BookDepth, DepthLevel } from './engine.ts';
export { MarketState, type MarketSnapshot, type MarketCounters } from './state.ts';
export { validateOrder, validateAmend, MAX_PRICE_MICROS, MAX_CAPACITY_MBPS, type OrderInput } from './validate-order.ts';
export { tradeValue } from './trade-value.ts';
export { Timeline } from './timeline.ts';
export { destKey } from './book.ts';
export { createMarket, type MarketService, type MarketDeps } from './service.ts';
export { marketConfigDefaults, type MarketConfig } from './config.ts';
export type { MarketRepository, OrderRow, TradeRow, ListQuery } from './market-repo.ts';
export { MARKET_EVENT_TYPES, encodeEvent, decodeEvent } from './event-codec.ts';
export { presentOrder, presentTrade, presentPublicTrade } from './present.ts';
