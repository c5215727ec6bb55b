/**
 * arbiter: the exchange's route server — trades become BGP announcements (SPEC B1, B5, B7).
 *
 * Design. Member routers peer with src/bgp's speaker in route-server mode (RFC 7947: no own ASN
 * prepended, next hop and MED unchanged); one session per router address of a member's ports,
 * added as ports appear. Every learned route goes through the import filter (RFC 7948 practice:
 * next hop = the member's router, first AS = the member's, length bounds, bogon prefixes and
 * ASNs, AS-path length, AS_SET, RPKI origin validation per RFC 6811, IRR prefix lists,
 * max-prefix) into the trade route registry (src/registry/route-*.ts), accepted or rejected with
 * stable reason codes. Nothing is exported without a live trade (RFC 8212). A trade whose
 * delivery period is running sends the buyer the seller's route(s) for the destination and the
 * seller the buyer's registered prefixes, tagged with large communities (RFC 8092)
 * `<rs-asn>:1:<trade>` / `<rs-asn>:2:<trade>` and NO_EXPORT (RFC 1997) by default; the export
 * engine is incremental and deterministic (export-policy.ts). The speaker's Adj-RIB-Out holds
 * each member's export table, so a session reset re-sends exactly the live trades' routes.
 * Trades come from the journal (trade-book.ts); arbiter events (TradeRouteLost/Restored,
 * TradeExportStarted/Ended) go back to it. Router configuration for members: router-config.ts.
 */
export { createArbiter, type Arbiter, type ArbiterConfig, type ArbiterDeps, type MemberSource, type TradeSource } from './arbiter.ts';
export { createArbiterService, type ArbiterService, type ArbiterServiceDeps } from './service.ts';
export { bgpConfigDefaults, type BgpConfig } from './config.ts';
export { arbiterErrors } from './errors.ts';
export {
  ExportEngine,
  COMMUNITY_TRADE_BUYER_PREFIX,
  COMMUNITY_TRADE_DELIVERY,
  NO_EXPORT,
  type ArbiterEvent,
  type ExportDelta,
  type ExportedRoute,
  type ExportReason,
} from './export-policy.ts';
export { birdNeighborConfig, frrNeighborConfig, type NeighborConfigInput } from './router-config.ts';
export { createRoutesService, type RoutesService } from './routes-service.ts';
export { JournalTradeBook, TRADE_EVENT_TYPES, tradeFromPayload } from './trade-book.ts';
export { tradeFamily, tradeIsLive, tradeNumber, type TradeView } from './trade-view.ts';
