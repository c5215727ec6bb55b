/**
 * The trade route registry (SPEC B1, B7): every route each member router announces to the route
 * server, accepted or rejected (with its reasons), recallable by member, by session and by prefix
 * (exact, longest match, covering, covered); plus the prefixes and routing policy members
 * register.
 *
 * Learned routes live in memory: they are the Adj-RIB-In of live sessions and come back by
 * themselves when a session re-establishes. Registered prefixes and policies are the members'
 * own statements; the caller persists them (a repository in src/store) and restores them here
 * at start.
 *
 * Without add-path a session holds at most one path per prefix (RFC 4271 §9), so a route is
 * keyed by (router, prefix).
 */
import { parsePrefix, formatPrefix } from '../lib/index.ts';
import type { Clock, Family, Prefix } from '../lib/index.ts';
import { createBogonMatcher } from './route-bogons.ts';
import { routeErrors } from './route-errors.ts';
import type { FilterAttrs, ImportFilter } from './route-filter.ts';
import { LearnedRoutes, type LearnContext, type PrefixBatch, type RouteChange } from './route-learned.ts';
import { indexAll, indexCovered, indexCovering, indexGet, prefixKey, type MemberIndex } from './route-table.ts';
import type { PrefixList } from './route-irr.ts';
import {
  DEFAULT_ROUTING_POLICY,
  type AnnouncedRoute,
  type MemberRouting,
  type RegisteredPrefix,
  type RouteAttributes,
  type RoutingPolicy,
  type StoredRoute,
} from './route-model.ts';
import type { RoaSet } from './route-rpki.ts';

export type PrefixMatch = 'exact' | 'longest' | 'covering' | 'covered';

export interface RouteQuery {
  readonly member?: string;
  readonly router?: string;
  /** Canonical CIDR; with `match` (default `exact`). */
  readonly prefix?: string;
  readonly match?: PrefixMatch;
  readonly status?: 'accepted' | 'rejected';
  readonly family?: Family;
}

export type { RouteChange } from './route-learned.ts';

export interface RouteRegistryDeps {
  readonly clock: Clock;
  readonly filter: ImportFilter;
}

export class RouteRegistry {
  private readonly members = new Map<string, MemberRouting>();
  private readonly routerOwner = new Map<string, string>();
  /** Learned routes in compact columns, indexed per member (the export engine asks per seller). */
  private readonly learned = new LearnedRoutes();
  private readonly registered = new Map<string, Map<string, RegisteredPrefix>>();
  private readonly policies = new Map<string, RoutingPolicy>();
  private readonly lists = new Map<string, PrefixList>();
  private roas: RoaSet | undefined;
  private readonly bogons;

  constructor(private readonly deps: RouteRegistryDeps) {
    this.bogons = createBogonMatcher(deps.filter.config.bogons);
  }

  // ---- members (fed from the foundation registry's members and ports) ----

  setMember(m: MemberRouting): void {
    this.contexts.clear();
    const old = this.members.get(m.memberId);
    for (const r of old?.routers ?? []) if (this.routerOwner.get(r) === m.memberId) this.routerOwner.delete(r);
    this.members.set(m.memberId, { memberId: m.memberId, asns: [...m.asns], routers: [...m.routers] });
    for (const r of m.routers) this.routerOwner.set(r, m.memberId);
  }

  member(memberId: string): MemberRouting | undefined {
    return this.members.get(memberId);
  }

  memberIds(): string[] {
    return [...this.members.keys()];
  }

  memberByRouter(router: string): MemberRouting | undefined {
    const id = this.routerOwner.get(router);
    return id === undefined ? undefined : this.members.get(id);
  }

  // ---- validation sources ----

  setRoas(roas: RoaSet | undefined): void {
    this.contexts.clear();
    this.roas = roas;
  }

  /** Replaces the IRR prefix lists; a member's list is `AS<asn>` for one of its ASNs. */
  setPrefixLists(lists: readonly PrefixList[]): void {
    this.contexts.clear();
    this.lists.clear();
    for (const l of lists) this.lists.set(l.name.toUpperCase(), l);
  }

  private prefixListFor(m: MemberRouting): PrefixList | undefined {
    for (const a of m.asns) {
      const l = this.lists.get(`AS${a}`);
      if (l) return l;
    }
    return undefined;
  }

  // ---- learned routes ----

  /** Filter contexts per member, rebuilt after any change to members, ROAs, lists or policies. */
  private readonly contexts = new Map<string, LearnContext>();

  private learnContext(memberId: string): LearnContext {
    const cached = this.contexts.get(memberId);
    if (cached) return cached;
    const lc = this.buildContext(memberId);
    this.contexts.set(memberId, lc);
    return lc;
  }

  private buildContext(memberId: string): LearnContext {
    const member = this.members.get(memberId) ?? { memberId, asns: [], routers: [] };
    const prefixList = this.prefixListFor(member);
    return {
      filter: this.deps.filter,
      member,
      ctx: { member, ...(this.roas ? { roas: this.roas } : {}), ...(prefixList ? { prefixList } : {}) },
      maxPrefixes: (f) => this.maxPrefixes(memberId, f),
    };
  }

  /** Files one announcement from `route.router`, filtering it; replaces that session's previous path. */
  learn(route: AnnouncedRoute): RouteChange {
    const lc = this.learnContext(route.memberId);
    const r = this.learned.learnBatch(lc, route.router, route.attrs, [route], route.receivedAt, true);
    return r.changes[0];
  }

  /**
   * Files every prefix of one UPDATE (they share one attribute set, RFC 4271 §4.3) from `router`
   * of `memberId`: the attribute rules run once for the batch. `attrs` may be any object with
   * `nextHop` and `asPath` (e.g. the BGP speaker's interned set, kept by reference, never copied)
   * together with `convert`, which turns it into `RouteAttributes` the first time a read needs it.
   * Changes are returned only with `collect` (the export engine needs them only for members in
   * live trades); otherwise a bulk table costs no per-route objects.
   */
  learnBatch(
    memberId: string,
    router: string,
    attrs: FilterAttrs,
    prefixes: PrefixBatch,
    opts: { collect: boolean; receivedAt?: number; convert?: (a: object) => RouteAttributes },
  ): { accepted: number; rejected: number; changes: RouteChange[] } {
    const now = opts.receivedAt ?? this.deps.clock.now();
    return this.learned.learnBatch(this.learnContext(memberId), router, attrs, prefixes, now, opts.collect, opts.convert);
  }

  withdraw(router: string, prefix: string): RouteChange | undefined {
    const p = parsePrefix(prefix);
    if (!p.ok) return undefined;
    const ch = this.learned.withdraw(router, p.prefix, true);
    return typeof ch === 'number' ? undefined : ch;
  }

  /** Withdraws many prefixes of one router (text, or IPv4 (network, length) pairs); changes only with `collect`. */
  withdrawBatch(router: string, prefixes: ArrayLike<string> | Uint32Array, collect: boolean): { removed: number; changes: RouteChange[] } {
    return this.learned.withdrawBatch(router, prefixes, collect);
  }

  /** The session went down: every route it held is gone (RFC 4271 §9.1.1 / §8.2.2). */
  dropSession(router: string): RouteChange[] {
    return this.learned.dropSession(router);
  }

  /** Re-runs the filter over a member's (or every) route, e.g. after a ROA or prefix-list reload. */
  revalidate(memberId?: string): RouteChange[] {
    return this.learned.revalidate((m) => this.learnContext(m), memberId);
  }

  routes(q: RouteQuery = {}): StoredRoute[] {
    const L = this.learned;
    const indexes: MemberIndex[] = [];
    if (q.member !== undefined) {
      const ix = L.perMember.get(q.member);
      if (ix) indexes.push(ix);
    } else indexes.push(...L.perMember.values());
    let rows: number[];
    if (q.prefix !== undefined) {
      const p = parsePrefix(q.prefix);
      if (!p.ok) {
        throw routeErrors.make('ROUTES_PREFIX_INVALID', `prefix ${JSON.stringify(q.prefix)}: ${p.reason}`, {
          field: 'prefix',
        });
      }
      const match = q.match ?? 'exact';
      let heads: number[] = [];
      if (match === 'longest') {
        // the most specific prefix any of the members holds
        let best = -1;
        for (const ix of indexes) {
          const cov = indexCovering(ix, p.prefix);
          if (!cov.length) continue;
          const h = cov[cov.length - 1];
          const len = L.rows.len[h];
          if (len < best) continue;
          if (len > best) heads = [];
          best = len;
          heads.push(h);
        }
      } else {
        for (const ix of indexes) {
          if (match === 'exact') {
            const h = indexGet(ix, p.prefix.family, prefixKey(p.prefix, p.prefix.len), p.prefix.len);
            if (h >= 0) heads.push(h);
          } else heads.push(...(match === 'covering' ? indexCovering(ix, p.prefix) : indexCovered(ix, p.prefix)));
        }
      }
      rows = L.expand(heads);
    } else if (q.router !== undefined) {
      rows = L.routerRows(q.router);
    } else {
      rows = [];
      for (const ix of indexes) rows.push(...L.expand(indexAll(ix, q.family)));
    }
    const R = L.rows;
    const out = rows.filter(
      (r) =>
        (q.member === undefined || L.memberOf(r) === q.member) &&
        (q.router === undefined || L.routerOf(r) === q.router) &&
        (q.status === undefined || L.isAccepted(r) === (q.status === 'accepted')) &&
        (q.family === undefined || (R.fam6[r] ? 6 : 4) === q.family),
    );
    return out.sort((a, b) => L.compare(a, b)).map((r) => L.route(r));
  }

  /**
   * The member's accepted route chosen for export for each prefix inside `within` (or of a
   * whole family): when several of its routers announce one prefix, the shortest AS path wins,
   * then the lowest router address — deterministic, so a re-export sends the same path.
   */
  memberRoutesWithin(memberId: string, within: Prefix): StoredRoute[] {
    const ix = this.learned.perMember.get(memberId);
    return ix ? this.pickAll(indexCovered(ix, within)) : [];
  }

  memberRoutesOfFamily(memberId: string, family: Family): StoredRoute[] {
    const ix = this.learned.perMember.get(memberId);
    return ix ? this.pickAll(indexAll(ix, family)) : [];
  }

  /** The member's most specific accepted route containing `p` (or equal to it). */
  memberCoveringRoute(memberId: string, p: Prefix): StoredRoute | undefined {
    const ix = this.learned.perMember.get(memberId);
    if (!ix) return undefined;
    const cov = indexCovering(ix, p);
    for (let i = cov.length - 1; i >= 0; i--) {
      const best = this.learned.pick(cov[i]);
      if (best >= 0) return this.learned.route(best);
    }
    return undefined;
  }

  memberRoute(memberId: string, p: Prefix): StoredRoute | undefined {
    const ix = this.learned.perMember.get(memberId);
    if (!ix) return undefined;
    const h = indexGet(ix, p.family, prefixKey(p, p.len), p.len);
    const best = h < 0 ? -1 : this.learned.pick(h);
    return best < 0 ? undefined : this.learned.route(best);
  }

  /** Whether the member has any route filed (cheap; for callers that skip work for idle members). */
  hasRoutes(memberId: string): boolean {
    return this.learned.perMember.has(memberId);
  }

  sessionCount(router: string): { 4: number; 6: number } {
    return this.learned.accepted(router);
  }

  get size(): number {
    return this.learned.size;
  }

  private pickAll(heads: readonly number[]): StoredRoute[] {
    const out: StoredRoute[] = [];
    for (const h of heads) {
      const r = this.learned.pick(h);
      if (r >= 0) out.push(this.learned.route(r));
    }
    return out;
  }

  maxPrefixes(memberId: string, family: Family): number {
    const pol = this.policies.get(memberId)?.maxPrefixes ?? this.deps.filter.config.maxPrefixes;
    return family === 4 ? pol.ipv4 : pol.ipv6;
  }

  // ---- registered prefixes and routing policy (SPEC B1) ----

  /** Registers (idempotently) a prefix the member originates; refuses bogons and bad lengths. */
  registerPrefix(memberId: string, prefixText: string, description?: string): RegisteredPrefix {
    const reg = this.prepareRegistration(memberId, prefixText, description);
    this.restorePrefix(reg);
    return reg;
  }

  /** Validates a registration and builds it without storing it (callers persist first, then restore). */
  prepareRegistration(memberId: string, prefixText: string, description?: string): RegisteredPrefix {
    const p = parsePrefix(prefixText);
    if (!p.ok) {
      throw routeErrors.make('ROUTES_PREFIX_INVALID', `prefix ${JSON.stringify(prefixText)}: ${p.reason}`, {
        field: 'prefix',
      });
    }
    const bounds = this.deps.filter.config.prefixLength[p.prefix.family === 4 ? 'ipv4' : 'ipv6'];
    if (p.prefix.len < bounds.min || p.prefix.len > bounds.max) {
      throw routeErrors.make(
        'ROUTES_PREFIX_NOT_ALLOWED',
        `prefix length must be ${bounds.min}..${bounds.max} for IPv${p.prefix.family}`,
        { field: 'prefix', details: { rule: 'length', ...bounds } },
      );
    }
    const bogon = this.bogons.prefix(p.prefix);
    if (bogon) {
      throw routeErrors.make('ROUTES_PREFIX_NOT_ALLOWED', `prefix is a bogon (inside ${bogon.prefix}, ${bogon.rfc})`, {
        field: 'prefix',
        details: { rule: 'bogon', bogon: bogon.prefix },
      });
    }
    const canonical = formatPrefix(p.prefix);
    const existing = this.registered.get(memberId)?.get(canonical);
    if (existing && existing.description === description) return existing;
    return {
      memberId,
      prefix: canonical,
      family: p.prefix.family,
      ...(description === undefined ? {} : { description }),
      registeredAt: existing?.registeredAt ?? this.deps.clock.now(),
    };
  }

  /** The canonical form of a registered prefix of the member, or a ROUTES_PREFIX_NOT_REGISTERED error. */
  registeredPrefix(memberId: string, prefixText: string): RegisteredPrefix {
    const canonical = parsePrefix(prefixText);
    const key = canonical.ok ? formatPrefix(canonical.prefix) : prefixText;
    const reg = this.registered.get(memberId)?.get(key);
    if (!reg) {
      throw routeErrors.make('ROUTES_PREFIX_NOT_REGISTERED', `member ${memberId} has not registered ${prefixText}`, {
        field: 'prefix',
      });
    }
    return reg;
  }

  unregisterPrefix(memberId: string, prefixText: string): RegisteredPrefix {
    const reg = this.registeredPrefix(memberId, prefixText);
    this.registered.get(memberId)!.delete(reg.prefix);
    return reg;
  }

  /** Restores persisted registrations without re-validating them (they were valid when made). */
  restorePrefix(reg: RegisteredPrefix): void {
    const mine = this.registered.get(reg.memberId) ?? new Map<string, RegisteredPrefix>();
    mine.set(reg.prefix, reg);
    this.registered.set(reg.memberId, mine);
  }

  registeredPrefixes(memberId: string, family?: Family): RegisteredPrefix[] {
    const list = [...(this.registered.get(memberId)?.values() ?? [])];
    return (family === undefined ? list : list.filter((r) => r.family === family)).sort((a, b) =>
      a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0,
    );
  }

  policy(memberId: string): RoutingPolicy {
    return this.policies.get(memberId) ?? DEFAULT_ROUTING_POLICY;
  }

  /** Validates and merges `patch` into the member's policy; returns the new policy. */
  setPolicy(memberId: string, patch: Record<string, unknown>): RoutingPolicy {
    const next = this.preparePolicy(memberId, patch);
    this.contexts.clear();
    this.policies.set(memberId, next);
    return next;
  }

  /** The policy `patch` would give, without storing it (callers persist first, then restore). */
  preparePolicy(memberId: string, patch: Record<string, unknown>): RoutingPolicy {
    return mergePolicy(this.policy(memberId), patch);
  }

  restorePolicy(memberId: string, policy: RoutingPolicy): void {
    this.contexts.clear();
    this.policies.set(memberId, policy);
  }
}

function mergePolicy(cur: RoutingPolicy, patch: Record<string, unknown>): RoutingPolicy {
  const bad = (field: string, rule: string) =>
    routeErrors.make('ROUTES_POLICY_INVALID', `${field} ${rule}`, { field });
  const next: { -readonly [K in keyof RoutingPolicy]: RoutingPolicy[K] } = { ...cur };
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'noExport' || k === 'receiveBuyerPrefixes') {
      if (typeof v !== 'boolean') throw bad(k, 'must be true or false');
      next[k] = v;
    } else if (k === 'maxPrefixes') {
      if (v === null) {
        delete next.maxPrefixes;
        continue;
      }
      const o = v as Record<string, unknown>;
      if (!o || typeof o !== 'object') throw bad(k, 'must be {"ipv4": n, "ipv6": n} or null');
      for (const f of ['ipv4', 'ipv6'] as const) {
        const n = o[f];
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10_000_000) {
          throw bad(`maxPrefixes.${f}`, 'must be an integer 1..10000000');
        }
      }
      for (const f of Object.keys(o)) if (f !== 'ipv4' && f !== 'ipv6') throw bad(`maxPrefixes.${f}`, 'is not a known field');
      next.maxPrefixes = { ipv4: o.ipv4 as number, ipv6: o.ipv6 as number };
    } else {
      throw bad(k, 'is not a routing policy field (noExport, receiveBuyerPrefixes, maxPrefixes)');
    }
  }
  return next;
}
