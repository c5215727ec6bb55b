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
import { PrefixTrie, parsePrefix, formatPrefix } from '../lib/index.ts';
import type { Clock, Family, Prefix } from '../lib/index.ts';
import { createBogonMatcher } from './route-bogons.ts';
import { routeErrors } from './route-errors.ts';
import type { ImportFilter, RejectReason } from './route-filter.ts';
import type { PrefixList } from './route-irr.ts';
import {
  DEFAULT_ROUTING_POLICY,
  asPathLength,
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

/** The effect of one learn/withdraw: the route before and after (undefined = none). */
export interface RouteChange {
  readonly memberId: string;
  readonly router: string;
  readonly prefix: string;
  readonly before?: StoredRoute;
  readonly after?: StoredRoute;
  /** True when this announcement hit the session's max-prefix limit. */
  readonly maxPrefixExceeded?: boolean;
}

interface AttrSet {
  readonly key: string;
  readonly attrs: RouteAttributes;
  refs: number;
  /** Other objects with equal content that were mapped to `attrs`. */
  readonly objects: RouteAttributes[];
}

/** The routes of one member for one prefix: usually one router, so no container for the common case. */
type Slot = StoredRoute | StoredRoute[];

function slotRoutes(s: Slot): readonly StoredRoute[] {
  return Array.isArray(s) ? s : [s];
}

export interface RouteRegistryDeps {
  readonly clock: Clock;
  readonly filter: ImportFilter;
}

export class RouteRegistry {
  private readonly members = new Map<string, MemberRouting>();
  private readonly routerOwner = new Map<string, string>();
  private readonly sessions = new Map<string, Map<string, StoredRoute>>();
  private readonly accepted = new Map<string, { 4: number; 6: number }>();
  /** One trie per member (the export engine asks per seller); cross-member queries visit each. */
  private readonly perMember = new Map<string, PrefixTrie<Slot>>();
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
    this.roas = roas;
  }

  /** Replaces the IRR prefix lists; a member's list is `AS<asn>` for one of its ASNs. */
  setPrefixLists(lists: readonly PrefixList[]): void {
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

  /** Files one announcement from `route.router`, filtering it; replaces that session's previous path. */
  learn(route: AnnouncedRoute): RouteChange {
    const member = this.members.get(route.memberId) ?? { memberId: route.memberId, asns: [], routers: [] };
    const verdict = this.deps.filter.check(route, {
      member,
      ...(this.roas ? { roas: this.roas } : {}),
      ...(this.prefixListFor(member) ? { prefixList: this.prefixListFor(member) } : {}),
    });
    const reasons: RejectReason[] = [...verdict.reasons];
    const session = this.session(route.router);
    const before = session.get(route.prefix);
    let maxPrefixExceeded = false;
    if (reasons.length === 0 && before?.status !== 'accepted') {
      const count = this.count(route.router)[route.family];
      if (count >= this.maxPrefixes(route.memberId, route.family)) {
        reasons.push('MAX_PREFIX_EXCEEDED');
        maxPrefixExceeded = true;
      }
    }
    const after: StoredRoute = {
      ...route,
      attrs: this.intern(route.attrs),
      status: reasons.length === 0 ? 'accepted' : 'rejected',
      reasons,
      rpki: verdict.rpki,
      irr: verdict.irr,
    };
    this.put(before, after);
    return { memberId: route.memberId, router: route.router, prefix: route.prefix, before, after, maxPrefixExceeded };
  }

  withdraw(router: string, prefix: string): RouteChange | undefined {
    const before = this.sessions.get(router)?.get(prefix);
    if (!before) return undefined;
    this.remove(before);
    return { memberId: before.memberId, router, prefix, before };
  }

  /** The session went down: every route it held is gone (RFC 4271 §9.1.1 / §8.2.2). */
  dropSession(router: string): RouteChange[] {
    const s = this.sessions.get(router);
    if (!s) return [];
    const out: RouteChange[] = [];
    for (const r of [...s.values()]) {
      this.remove(r);
      out.push({ memberId: r.memberId, router, prefix: r.prefix, before: r });
    }
    this.sessions.delete(router);
    this.accepted.delete(router);
    return out;
  }

  /** Re-runs the filter over a member's (or every) route, e.g. after a ROA or prefix-list reload. */
  revalidate(memberId?: string): RouteChange[] {
    const out: RouteChange[] = [];
    for (const [router, s] of this.sessions) {
      for (const r of [...s.values()]) {
        if (memberId !== undefined && r.memberId !== memberId) continue;
        const { status: _s, reasons: _r, rpki: _p, irr: _i, ...ann } = r;
        this.remove(r);
        const ch = this.learn(ann);
        if (ch.after?.status !== r.status || ch.after.reasons.join() !== r.reasons.join()) {
          out.push({ ...ch, before: r, router });
        }
      }
    }
    return out;
  }

  routes(q: RouteQuery = {}): StoredRoute[] {
    const tries: Array<PrefixTrie<Slot>> = [];
    if (q.member !== undefined) {
      const t = this.perMember.get(q.member);
      if (t) tries.push(t);
    } else tries.push(...this.perMember.values());
    let slots: Slot[] = [];
    if (q.prefix !== undefined) {
      const p = parsePrefix(q.prefix);
      if (!p.ok) {
        throw routeErrors.make('ROUTES_PREFIX_INVALID', `prefix ${JSON.stringify(q.prefix)}: ${p.reason}`, {
          field: 'prefix',
        });
      }
      const match = q.match ?? 'exact';
      if (match === 'longest') {
        // the most specific prefix any of the members holds
        let best = -1;
        for (const t of tries) {
          const m = t.longestMatch(p.prefix);
          if (!m || m.len < best) continue;
          if (m.len > best) slots = [];
          best = m.len;
          slots.push(m.value);
        }
      } else for (const t of tries) slots.push(...lookup(t, p.prefix, match));
    } else if (q.router !== undefined) {
      slots = [...(this.sessions.get(q.router)?.values() ?? [])];
    } else {
      for (const t of tries) slots.push(...t.values(q.family));
    }
    const out: StoredRoute[] = [];
    for (const sl of slots) {
      for (const r of slotRoutes(sl)) {
        if (q.member !== undefined && r.memberId !== q.member) continue;
        if (q.router !== undefined && r.router !== q.router) continue;
        if (q.status !== undefined && r.status !== q.status) continue;
        if (q.family !== undefined && r.family !== q.family) continue;
        out.push(r);
      }
    }
    return out;
  }

  /**
   * The member's accepted route chosen for export for each prefix inside `within` (or of a
   * whole family): when several of its routers announce one prefix, the shortest AS path wins,
   * then the lowest router address — deterministic, so a re-export sends the same path.
   */
  memberRoutesWithin(memberId: string, within: Prefix): StoredRoute[] {
    const trie = this.perMember.get(memberId);
    return trie ? pickAll(trie.covered(within)) : [];
  }

  memberRoutesOfFamily(memberId: string, family: Family): StoredRoute[] {
    const trie = this.perMember.get(memberId);
    return trie ? pickAll(trie.values(family)) : [];
  }

  /** The member's most specific accepted route containing `p` (or equal to it). */
  memberCoveringRoute(memberId: string, p: Prefix): StoredRoute | undefined {
    const trie = this.perMember.get(memberId);
    if (!trie) return undefined;
    const cov = trie.covering(p);
    for (let i = cov.length - 1; i >= 0; i--) {
      const best = pick(cov[i].value);
      if (best) return best;
    }
    return undefined;
  }

  memberRoute(memberId: string, p: Prefix): StoredRoute | undefined {
    const m = this.perMember.get(memberId)?.get(p);
    return m === undefined ? undefined : pick(m);
  }

  sessionCount(router: string): { 4: number; 6: number } {
    return { ...this.count(router) };
  }

  get size(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.size;
    return n;
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
    this.policies.set(memberId, next);
    return next;
  }

  /** The policy `patch` would give, without storing it (callers persist first, then restore). */
  preparePolicy(memberId: string, patch: Record<string, unknown>): RoutingPolicy {
    return mergePolicy(this.policy(memberId), patch);
  }

  restorePolicy(memberId: string, policy: RoutingPolicy): void {
    this.policies.set(memberId, policy);
  }

  // ---- internals ----

  /**
   * Routes of one member mostly share a few attribute sets (one per AS path): keep one object
   * per distinct set, counted, so a large table costs one small record per prefix.
   */
  private readonly attrSets = new Map<string, AttrSet>();
  /** Fast path: the same object seen again (the BGP side hands over shared objects). */
  private readonly attrObjects = new Map<RouteAttributes, AttrSet>();

  private intern(a: RouteAttributes): RouteAttributes {
    let set = this.attrObjects.get(a);
    if (!set) {
      const key = JSON.stringify(a);
      set = this.attrSets.get(key);
      if (!set) this.attrSets.set(key, (set = { key, attrs: a, refs: 0, objects: [] }));
      if (set.attrs !== a) {
        set.objects.push(a);
        this.attrObjects.set(a, set);
      } else this.attrObjects.set(a, set);
    }
    set.refs++;
    return set.attrs;
  }

  private release(a: RouteAttributes): void {
    const set = this.attrObjects.get(a);
    if (!set || --set.refs > 0) return;
    this.attrSets.delete(set.key);
    this.attrObjects.delete(set.attrs);
    for (const o of set.objects) this.attrObjects.delete(o);
  }

  private session(router: string): Map<string, StoredRoute> {
    let s = this.sessions.get(router);
    if (!s) this.sessions.set(router, (s = new Map()));
    return s;
  }

  private count(router: string): { 4: number; 6: number } {
    let c = this.accepted.get(router);
    if (!c) this.accepted.set(router, (c = { 4: 0, 6: 0 }));
    return c;
  }

  private put(before: StoredRoute | undefined, after: StoredRoute): void {
    if (before) this.remove(before);
    this.session(after.router).set(after.prefix, after);
    if (after.status === 'accepted') this.count(after.router)[after.family]++;
    const p = parsePrefix(after.prefix);
    if (!p.ok) return;
    let mt = this.perMember.get(after.memberId);
    if (!mt) this.perMember.set(after.memberId, (mt = new PrefixTrie()));
    const cur = mt.get(p.prefix);
    if (cur === undefined) mt.set(p.prefix, after);
    else mt.set(p.prefix, [...slotRoutes(cur).filter((r) => r.router !== after.router), after]);
  }

  private remove(r: StoredRoute): void {
    this.release(r.attrs);
    this.sessions.get(r.router)?.delete(r.prefix);
    if (r.status === 'accepted') this.count(r.router)[r.family]--;
    const p = parsePrefix(r.prefix);
    if (!p.ok) return;
    const trie = this.perMember.get(r.memberId);
    const cur = trie?.get(p.prefix);
    if (!trie || cur === undefined) return;
    const rest = slotRoutes(cur).filter((x) => x.router !== r.router);
    if (rest.length === 0) trie.delete(p.prefix);
    else trie.set(p.prefix, rest.length === 1 ? rest[0] : rest);
  }
}

function lookup(trie: PrefixTrie<Slot>, p: Prefix, match: Exclude<PrefixMatch, 'longest'>): Slot[] {
  switch (match) {
    case 'exact': {
      const m = trie.get(p);
      return m === undefined ? [] : [m];
    }
    case 'covering':
      return trie.covering(p).map((c) => c.value);
    case 'covered':
      return trie.covered(p);
  }
}

function pick(m: Slot): StoredRoute | undefined {
  let best: StoredRoute | undefined;
  for (const r of slotRoutes(m)) {
    if (r.status !== 'accepted') continue;
    if (!best) {
      best = r;
      continue;
    }
    const d = asPathLength(r.attrs.asPath) - asPathLength(best.attrs.asPath);
    if (d < 0 || (d === 0 && r.router < best.router)) best = r;
  }
  return best;
}

function pickAll(slots: Slot[]): StoredRoute[] {
  const out: StoredRoute[] = [];
  for (const m of slots) {
    const r = pick(m);
    if (r) out.push(r);
  }
  return out;
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
