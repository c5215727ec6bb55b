/**
 * Export policy: which routes the route server sends each member, and why (SPEC B5).
 *
 * Default deny (RFC 8212): a member receives a route only because of a live trade.
 * - To the buyer: the seller's accepted route(s) for the traded destination — the seller's
 *   routes inside the destination (the destination itself and its more-specifics); when the
 *   seller has none inside, its most specific route covering the destination (the buyer then
 *   routes that whole covering prefix via the seller; metering counts only the destination).
 *   `any` is the seller's whole accepted table of the trade's family.
 * - To the seller (unless its policy says `receiveBuyerPrefixes: false`): for each prefix the
 *   buyer registered in the trade's family, the buyer's own route(s) for it, resolved the same
 *   way, so the seller can accept and route the buyer's traffic.
 * Routes are sent transparently (RFC 7947 §2.2): next hop, AS path and MED of the source route
 * unchanged. They are tagged with large communities (RFC 8092) `<rs-asn>:<function>:<trade>`:
 *   function 1 (COMMUNITY_TRADE_DELIVERY) — sent to the buyer for the trade;
 *   function 2 (COMMUNITY_TRADE_BUYER_PREFIX) — a buyer's prefix sent to the seller for the trade;
 * <trade> is tradeNumber(id). Large communities with the route server's ASN as global
 * administrator that a member sent are stripped first, so nobody can forge a trade tag.
 * NO_EXPORT (RFC 1997) is added unless the receiving member's policy sets `noExport: false`.
 *
 * One route per prefix per member (no add-path towards members): when several live trades give
 * a member the same prefix from different sources, the trade that started first (then the lower
 * id) wins and the others are listed as shadowed in the looking glass; trades sharing the
 * winning source all tag it.
 *
 * The engine is incremental: trade start/end and single route changes touch only the prefixes
 * they concern, and every change lands in a pending delta per member (announce / withdraw),
 * which the caller drains and sends. `TradeRouteLost` / `TradeRouteRestored` are raised when a
 * live trade loses routes because the seller withdrew them, and when they come back.
 */
import { containsPrefix, parsePrefix } from '../lib/index.ts';
import type { Family, Prefix } from '../lib/index.ts';
import type { RouteChange, RouteRegistry } from '../registry/route-registry.ts';
import type { LargeCommunity, RouteAttributes, StandardCommunity, StoredRoute } from '../registry/route-model.ts';
import { type TradeView, tradeFamily, tradeIsLive, tradeNumber } from './trade-view.ts';

export const COMMUNITY_TRADE_DELIVERY = 1;
export const COMMUNITY_TRADE_BUYER_PREFIX = 2;
export const NO_EXPORT: StandardCommunity = [0xffff, 0xff01];

export type ExportRole = 'delivery' | 'buyer-prefix';

export interface ExportReason {
  readonly tradeId: string;
  readonly tradeNumber: number;
  /** `delivery`: the seller's route sent to the buyer; `buyer-prefix`: the buyer's sent to the seller. */
  readonly role: ExportRole;
}

export interface ExportedRoute {
  readonly prefix: string;
  readonly family: Family;
  readonly attrs: RouteAttributes;
  /** Whose route it is. */
  readonly source: { readonly memberId: string; readonly router: string };
  readonly reasons: readonly ExportReason[];
  /** Trades that would also send this prefix from another source but lost the tie-break. */
  readonly shadowed: readonly ExportReason[];
}

export interface ExportDelta {
  readonly announce: ExportedRoute[];
  readonly withdraw: string[];
}

export type ArbiterEvent =
  | { type: 'TradeExportStarted'; at: number; tradeId: string; delivered: number; buyerPrefixes: number }
  | { type: 'TradeExportEnded'; at: number; tradeId: string }
  | { type: 'TradeRouteLost'; at: number; tradeId: string; prefixes: string[]; remaining: number }
  | { type: 'TradeRouteRestored'; at: number; tradeId: string; prefixes: string[] };

export interface ExportPolicyConfig {
  /** The route server's ASN: global administrator of the trade communities. */
  readonly rsAsn: number;
}

interface LiveTrade {
  readonly trade: TradeView;
  readonly number: number;
  readonly dest: Prefix | 'any';
  /** Routes sent to the buyer: prefix → seller route. */
  delivery: Map<string, StoredRoute>;
  /** Routes sent to the seller: prefix → buyer route. */
  buyerPrefixes: Map<string, StoredRoute>;
  /** Delivery prefixes lost while live and not yet restored (or the destination, if nothing came at start). */
  lost: Set<string>;
}

export class ExportEngine {
  private readonly trades = new Map<string, TradeView>();
  private readonly live = new Map<string, LiveTrade>();
  /** memberId → live trade ids the member is part of. */
  private readonly memberTrades = new Map<string, Set<string>>();
  /** memberId → prefix → trade ids contributing a candidate route for it. */
  private readonly contrib = new Map<string, Map<string, Set<string>>>();
  private readonly table = new Map<string, Map<string, ExportedRoute>>();
  private readonly pending = new Map<string, Map<string, ExportedRoute | null>>();
  private events: ArbiterEvent[] = [];
  /**
   * Period boundaries (start, end) of known trades as a min-heap of [time, trade id], so a tick
   * touches only the trades whose boundary passed instead of every trade ever seen (which made a
   * burst of N trade events cost O(N²)). Entries are checked lazily: applying a trade is
   * idempotent, so a stale entry costs one no-op.
   */
  private readonly boundaries: Array<[number, string]> = [];

  constructor(
    private readonly registry: RouteRegistry,
    private readonly config: ExportPolicyConfig,
  ) {}

  // ---- inputs ----

  /** Adds or updates a trade (status, period); applies it at `now`. */
  upsertTrade(t: TradeView, now: number): void {
    this.trades.set(t.id, t);
    this.applyTrade(t.id, now);
    if (t.status !== 'cancelled' && t.status !== 'ended') {
      if (t.start > now) heapPush(this.boundaries, [t.start, t.id]);
      if (t.end > now) heapPush(this.boundaries, [t.end, t.id]);
    } else {
      // Final: applyTrade has stopped its export; nothing will start it again (its boundaries
      // left in the heap are skipped by tick), so it is not kept.
      this.trades.delete(t.id);
    }
  }

  removeTrade(id: string, now: number): void {
    if (this.live.has(id)) this.stopTrade(id, now);
    this.trades.delete(id);
  }

  /** Starts and ends trades whose period boundaries passed; returns the next boundary after `now`. */
  tick(now: number): number | undefined {
    const due = new Set<string>();
    while (this.boundaries.length && this.boundaries[0][0] <= now) due.add(heapPop(this.boundaries)![1]);
    // Trade id order, as everywhere in the engine, so replays emit the same deltas and events.
    for (const id of [...due].sort()) this.applyTrade(id, now);
    // Skip boundaries of trades that were removed, cancelled or ended in the meantime.
    while (this.boundaries.length) {
      const [at, id] = this.boundaries[0];
      const t = this.trades.get(id);
      if (t && t.status !== 'cancelled' && t.status !== 'ended' && (t.start === at || t.end === at)) return at;
      heapPop(this.boundaries);
    }
    return undefined;
  }

  /** A route of some member was learned, replaced or withdrawn (a registry change). */
  routeChanged(ch: RouteChange, now: number): void {
    const ids = this.memberTrades.get(ch.memberId);
    if (!ids || ids.size === 0) return;
    const pp = parsePrefix(ch.prefix);
    if (!pp.ok) return;
    const p = pp.prefix;
    for (const id of [...ids].sort()) {
      const lt = this.live.get(id)!;
      const t = lt.trade;
      if (t.sellerId === ch.memberId) this.updateDelivery(lt, p, ch.prefix, now);
      if (t.buyerId === ch.memberId) this.refreshBuyerPrefixes(lt);
    }
  }

  /** A member's registered prefixes or policy changed: recompute everything it takes part in. */
  memberChanged(memberId: string, now: number): void {
    for (const id of [...(this.memberTrades.get(memberId) ?? [])].sort()) {
      const lt = this.live.get(id)!;
      this.setDelivery(lt, this.resolveDelivery(lt), now);
      this.refreshBuyerPrefixes(lt);
    }
    // The policy's NO_EXPORT switch changes the attributes of everything sent to the member.
    for (const prefix of [...(this.contrib.get(memberId)?.keys() ?? [])]) this.recompute(memberId, prefix);
  }

  // ---- outputs ----

  /** Pending announce/withdraw deltas per member since the last drain (deterministic order). */
  drain(): Map<string, ExportDelta> {
    const out = new Map<string, ExportDelta>();
    for (const member of [...this.pending.keys()].sort()) {
      const m = this.pending.get(member)!;
      const announce: ExportedRoute[] = [];
      const withdraw: string[] = [];
      for (const prefix of [...m.keys()].sort()) {
        const r = m.get(prefix)!;
        if (r) announce.push(r);
        else withdraw.push(prefix);
      }
      if (announce.length || withdraw.length) out.set(member, { announce, withdraw });
    }
    this.pending.clear();
    return out;
  }

  drainEvents(): ArbiterEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** Exactly what the member should hold from the route server now (for a session reset). */
  exportsFor(memberId: string): ExportedRoute[] {
    const m = this.table.get(memberId);
    if (!m) return [];
    return [...m.keys()].sort().map((k) => m.get(k)!);
  }

  /** Whether the member takes part in a live trade (only then do its route changes matter here). */
  involves(memberId: string): boolean {
    return (this.memberTrades.get(memberId)?.size ?? 0) > 0;
  }

  exportCount(memberId: string): number {
    return this.table.get(memberId)?.size ?? 0;
  }

  liveTrades(): TradeView[] {
    return [...this.live.values()].map((l) => l.trade);
  }

  trade(id: string): TradeView | undefined {
    return this.trades.get(id);
  }

  /** The looking glass of one trade: what it delivers to each side right now. */
  tradeRoutes(id: string): { delivery: string[]; buyerPrefixes: string[]; lost: string[] } | undefined {
    const lt = this.live.get(id);
    if (!lt) return undefined;
    return { delivery: [...lt.delivery.keys()].sort(), buyerPrefixes: [...lt.buyerPrefixes.keys()].sort(), lost: [...lt.lost].sort() };
  }

  // ---- trade lifecycle ----

  private applyTrade(id: string, now: number): void {
    const t = this.trades.get(id);
    if (!t) return;
    const isLive = this.live.has(id);
    const shouldLive = tradeIsLive(t, now);
    if (shouldLive && !isLive) this.startTrade(t, now);
    else if (!shouldLive && isLive) this.stopTrade(id, now);
    else if (isLive) {
      // Still live with a possibly changed view (e.g. status scheduled → active): keep routes.
      (this.live.get(id) as { trade: TradeView }).trade = t;
    }
  }

  private startTrade(t: TradeView, now: number): void {
    let dest: Prefix | 'any' = 'any';
    if (t.destination !== 'any') {
      const p = parsePrefix(t.destination);
      if (!p.ok || p.prefix.family !== tradeFamily(t)) return; // the market validated it; never export garbage
      dest = p.prefix;
    }
    const lt: LiveTrade = {
      trade: t,
      number: tradeNumber(t.id),
      dest,
      delivery: new Map(),
      buyerPrefixes: new Map(),
      lost: new Set(),
    };
    this.live.set(t.id, lt);
    for (const m of [t.buyerId, t.sellerId]) {
      let s = this.memberTrades.get(m);
      if (!s) this.memberTrades.set(m, (s = new Set()));
      s.add(t.id);
    }
    this.setDelivery(lt, this.resolveDelivery(lt), now, true);
    this.refreshBuyerPrefixes(lt);
    if (lt.delivery.size === 0) lt.lost.add(t.destination);
    this.events.push({
      type: 'TradeExportStarted',
      at: now,
      tradeId: t.id,
      delivered: lt.delivery.size,
      buyerPrefixes: lt.buyerPrefixes.size,
    });
    if (lt.delivery.size === 0) {
      this.events.push({ type: 'TradeRouteLost', at: now, tradeId: t.id, prefixes: [t.destination], remaining: 0 });
    }
  }

  private stopTrade(id: string, now: number): void {
    const lt = this.live.get(id)!;
    this.live.delete(id);
    for (const m of [lt.trade.buyerId, lt.trade.sellerId]) this.memberTrades.get(m)?.delete(id);
    for (const prefix of lt.delivery.keys()) this.uncontribute(lt.trade.buyerId, prefix, id);
    for (const prefix of lt.buyerPrefixes.keys()) this.uncontribute(lt.trade.sellerId, prefix, id);
    this.events.push({ type: 'TradeExportEnded', at: now, tradeId: id });
  }

  // ---- resolution of what a trade sends ----

  private resolveFor(memberId: string, dest: Prefix | 'any', family: Family): StoredRoute[] {
    if (dest === 'any') return this.registry.memberRoutesOfFamily(memberId, family);
    const inside = this.registry.memberRoutesWithin(memberId, dest);
    if (inside.length) return inside;
    const cover = this.registry.memberCoveringRoute(memberId, dest);
    return cover ? [cover] : [];
  }

  private resolveDelivery(lt: LiveTrade): Map<string, StoredRoute> {
    const m = new Map<string, StoredRoute>();
    for (const r of this.resolveFor(lt.trade.sellerId, lt.dest, tradeFamily(lt.trade))) m.set(r.prefix, r);
    return m;
  }

  /** A seller route at `p` changed: update the trade's delivery set with the least work. */
  private updateDelivery(lt: LiveTrade, p: Prefix, prefixText: string, now: number): void {
    if (p.family !== tradeFamily(lt.trade)) return;
    if (lt.dest === 'any') {
      this.patchDelivery(lt, prefixText, this.registry.memberRoute(lt.trade.sellerId, p), now);
      return;
    }
    const dest = lt.dest;
    const inside = containsPrefix(dest, p);
    if (!inside && !containsPrefix(p, dest)) return;
    // Inside the destination while other inside routes exist: only this prefix changes.
    // Otherwise the covering fallback may switch on or off: resolve again (cheap: nothing inside).
    const usingFallback = [...lt.delivery.keys()].some((k) => !insideText(dest, k));
    if (inside && !usingFallback) {
      const r = this.registry.memberRoute(lt.trade.sellerId, p);
      if (r || [...lt.delivery.keys()].some((k) => k !== prefixText)) {
        this.patchDelivery(lt, prefixText, r, now);
        return;
      }
    }
    this.setDelivery(lt, this.resolveDelivery(lt), now);
  }

  private patchDelivery(lt: LiveTrade, prefix: string, r: StoredRoute | undefined, now: number): void {
    const prev = lt.delivery.get(prefix);
    if (sameRoute(prev, r)) return;
    const { id, buyerId } = lt.trade;
    if (r) {
      lt.delivery.set(prefix, r);
      if (prev) this.recompute(buyerId, prefix);
      else {
        this.contribute(buyerId, prefix, id);
        if (lt.lost.size) {
          lt.lost.clear();
          this.events.push({ type: 'TradeRouteRestored', at: now, tradeId: id, prefixes: [prefix] });
        }
      }
    } else {
      lt.delivery.delete(prefix);
      this.uncontribute(buyerId, prefix, id);
      lt.lost.add(prefix);
      this.events.push({ type: 'TradeRouteLost', at: now, tradeId: id, prefixes: [prefix], remaining: lt.delivery.size });
    }
  }

  private setDelivery(lt: LiveTrade, next: Map<string, StoredRoute>, now: number, starting = false): void {
    const prev = lt.delivery;
    lt.delivery = next;
    const buyer = lt.trade.buyerId;
    const removed: string[] = [];
    const added: string[] = [];
    for (const [prefix, r] of prev) {
      if (!next.has(prefix)) {
        removed.push(prefix);
        this.uncontribute(buyer, prefix, lt.trade.id);
      } else if (!sameRoute(next.get(prefix), r)) this.recompute(buyer, prefix);
    }
    for (const prefix of next.keys()) {
      if (!prev.has(prefix)) {
        added.push(prefix);
        this.contribute(buyer, prefix, lt.trade.id);
      }
    }
    if (starting) return;
    if (removed.length && !added.length) {
      removed.sort();
      for (const r of removed) lt.lost.add(r);
      this.events.push({ type: 'TradeRouteLost', at: now, tradeId: lt.trade.id, prefixes: removed, remaining: next.size });
    } else if (added.length && lt.lost.size) {
      lt.lost.clear();
      this.events.push({ type: 'TradeRouteRestored', at: now, tradeId: lt.trade.id, prefixes: added.sort() });
    }
  }

  private refreshBuyerPrefixes(lt: LiveTrade): void {
    const t = lt.trade;
    const next = new Map<string, StoredRoute>();
    if (this.registry.policy(t.sellerId).receiveBuyerPrefixes) {
      for (const reg of this.registry.registeredPrefixes(t.buyerId, tradeFamily(t))) {
        const p = parsePrefix(reg.prefix);
        if (!p.ok) continue;
        for (const r of this.resolveFor(t.buyerId, p.prefix, p.prefix.family)) next.set(r.prefix, r);
      }
    }
    const prev = lt.buyerPrefixes;
    lt.buyerPrefixes = next;
    for (const [prefix, r] of prev) {
      if (!next.has(prefix)) this.uncontribute(t.sellerId, prefix, t.id);
      else if (!sameRoute(next.get(prefix), r)) this.recompute(t.sellerId, prefix);
    }
    for (const prefix of next.keys()) if (!prev.has(prefix)) this.contribute(t.sellerId, prefix, t.id);
  }

  // ---- per member, per prefix export table ----

  private contribute(member: string, prefix: string, tradeId: string): void {
    let m = this.contrib.get(member);
    if (!m) this.contrib.set(member, (m = new Map()));
    let s = m.get(prefix);
    if (!s) m.set(prefix, (s = new Set()));
    s.add(tradeId);
    this.recompute(member, prefix);
  }

  private uncontribute(member: string, prefix: string, tradeId: string): void {
    const m = this.contrib.get(member);
    const s = m?.get(prefix);
    if (!s) return;
    s.delete(tradeId);
    if (s.size === 0) m!.delete(prefix);
    this.recompute(member, prefix);
  }

  private recompute(member: string, prefix: string): void {
    const ids = this.contrib.get(member)?.get(prefix);
    const next = ids && ids.size ? this.build(member, prefix, ids) : undefined;
    let tab = this.table.get(member);
    const prev = tab?.get(prefix);
    if (next) {
      if (!tab) this.table.set(member, (tab = new Map()));
      tab.set(prefix, next);
    } else tab?.delete(prefix);
    if (sameExport(prev, next)) return;
    let p = this.pending.get(member);
    if (!p) this.pending.set(member, (p = new Map()));
    p.set(prefix, next ?? null);
  }

  private build(member: string, prefix: string, ids: Set<string>): ExportedRoute | undefined {
    const cands: Array<{ lt: LiveTrade; route: StoredRoute; reason: ExportReason }> = [];
    for (const id of ids) {
      const lt = this.live.get(id);
      if (!lt) continue;
      const delivery = lt.trade.buyerId === member ? lt.delivery.get(prefix) : undefined;
      const bp = lt.trade.sellerId === member ? lt.buyerPrefixes.get(prefix) : undefined;
      if (delivery) cands.push({ lt, route: delivery, reason: { tradeId: id, tradeNumber: lt.number, role: 'delivery' } });
      if (bp) cands.push({ lt, route: bp, reason: { tradeId: id, tradeNumber: lt.number, role: 'buyer-prefix' } });
    }
    const own = cands.filter((c) => c.route.memberId !== member);
    if (!own.length) return undefined;
    own.sort((a, b) => a.lt.trade.start - b.lt.trade.start || cmp(a.lt.trade.id, b.lt.trade.id) || cmp(a.reason.role, b.reason.role));
    const win = own[0].route;
    const reasons = own.filter((c) => c.route.router === win.router && c.route.memberId === win.memberId).map((c) => c.reason);
    const shadowed = own.filter((c) => !(c.route.router === win.router && c.route.memberId === win.memberId)).map((c) => c.reason);
    return {
      prefix,
      family: win.family,
      attrs: this.tag(win.attrs, reasons, this.registry.policy(member).noExport),
      source: { memberId: win.memberId, router: win.router },
      reasons,
      shadowed,
    };
  }

  private tag(attrs: RouteAttributes, reasons: readonly ExportReason[], noExport: boolean): RouteAttributes {
    const rs = this.config.rsAsn;
    const large: LargeCommunity[] = attrs.largeCommunities.filter((c) => c[0] !== rs);
    for (const r of reasons) {
      large.push([rs, r.role === 'delivery' ? COMMUNITY_TRADE_DELIVERY : COMMUNITY_TRADE_BUYER_PREFIX, r.tradeNumber]);
    }
    large.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    const communities: StandardCommunity[] = [...attrs.communities];
    if (noExport && !communities.some((c) => c[0] === NO_EXPORT[0] && c[1] === NO_EXPORT[1])) communities.push(NO_EXPORT);
    return { ...attrs, communities, largeCommunities: dedupe(large) };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function insideText(outer: Prefix, inner: string): boolean {
  const p = parsePrefix(inner);
  return p.ok && containsPrefix(outer, p.prefix);
}

function dedupe(l: LargeCommunity[]): LargeCommunity[] {
  return l.filter((c, i) => i === 0 || c[0] !== l[i - 1][0] || c[1] !== l[i - 1][1] || c[2] !== l[i - 1][2]);
}

/** Two exports are the same announcement when source, attributes and reasons match. */
export function sameExport(a: ExportedRoute | undefined, b: ExportedRoute | undefined): boolean {
  if (!a || !b) return a === b;
  return JSON.stringify([a.source, a.attrs]) === JSON.stringify([b.source, b.attrs]);
}

// A binary min-heap of [time, id] ordered by time, then id (deterministic ties).
function before(a: [number, string], b: [number, string]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

function heapPush(h: Array<[number, string]>, x: [number, string]): void {
  h.push(x);
  for (let i = h.length - 1; i > 0; ) {
    const parent = (i - 1) >> 1;
    if (!before(h[i], h[parent])) break;
    [h[i], h[parent]] = [h[parent], h[i]];
    i = parent;
  }
}

function heapPop(h: Array<[number, string]>): [number, string] | undefined {
  const top = h[0];
  const last = h.pop();
  if (h.length && last) {
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
  return top;
}

/**
 * The registry materialises a route object per read, so identity says nothing: the same route is
 * the same session, prefix and received path (attribute sets are shared objects) with the same verdict.
 */
function sameRoute(a: StoredRoute | undefined, b: StoredRoute | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a === b ||
    (a.router === b.router &&
      a.memberId === b.memberId &&
      a.prefix === b.prefix &&
      a.receivedAt === b.receivedAt &&
      a.status === b.status &&
      (a.attrs === b.attrs || JSON.stringify(a.attrs) === JSON.stringify(b.attrs)))
  );
}
