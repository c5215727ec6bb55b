/**
 * The arbiter component: the exchange's route server (SPEC B1, B5, B7).
 *
 * It keeps one BGP session per member router (from the members' ports; a new port adds a peer
 * at once, no restart), files every route learned into the trade route registry through the
 * import filter, and turns live trades into per-member exports (export-policy.ts), sending only
 * the deltas. Trades start and end on the injected clock: a timer is armed for the next period
 * boundary and `tick()` applies it (tests call it after moving a ManualClock). When a session
 * (re-)establishes, the member gets exactly its current export table — the active trades'
 * routes and nothing else (RFC 8212). When it goes down, its routes leave the registry and the
 * buyers that received them lose them (TradeRouteLost).
 */
import type { Clock, Family, Reporter } from '../lib/index.ts';
import type { Speaker } from '../bgp/speaker.ts';
import type { PathAttributes, Route } from '../bgp/types.ts';
import { createImportFilter, type ImportFilterConfig } from '../registry/route-filter.ts';
import type { MemberRouting } from '../registry/route-model.ts';
import { RouteRegistry, type RouteChange } from '../registry/route-registry.ts';
import { convertBgp, exportToBgp } from './bgp-routes.ts';
import { type ArbiterEvent, type ExportDelta, ExportEngine, type ExportedRoute } from './export-policy.ts';
import type { TradeView } from './trade-view.ts';

/** Members and their routers as the registry of members/ports knows them. */
export interface MemberSource {
  list(): MemberRouting[];
  /** Called with the member's new routing whenever its ports or ASNs change; returns unsubscribe. */
  subscribe(fn: (m: MemberRouting) => void): () => void;
}

/** Trades as the market knows them. */
export interface TradeSource {
  list(): TradeView[];
  /** Called with a trade whenever it is matched or its status changes; returns unsubscribe. */
  subscribe(fn: (t: TradeView) => void): () => void;
}

export interface ArbiterConfig {
  /** The route server's ASN (global administrator of trade communities). */
  readonly asn: number;
  readonly filter?: Partial<ImportFilterConfig>;
  /** TCP port the route server dials on member routers (they also may dial us). Default 179. */
  readonly peerPort?: number;
  /** Never dial members, only accept their connections. Default false. */
  readonly passive?: boolean;
  /**
   * `reject`: routes beyond a session's max-prefix limit are rejected (kept with the reason);
   * `teardown`: additionally the speaker closes the session (Cease / Maximum Number of Prefixes
   * Reached, RFC 4486) and restarts it after `maxPrefixRestartSec`.
   */
  readonly maxPrefixAction?: 'reject' | 'teardown';
  /** Seconds between the route server's connection attempts to a member router (the speaker's default when absent). */
  readonly connectRetrySec?: number;
  readonly maxPrefixRestartSec?: number;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
}

export interface ArbiterDeps {
  readonly clock: Clock;
  readonly reporter: Reporter;
  /**
   * src/bgp's speaker, created in route-server mode (RFC 7947: transparent). Without one the
   * arbiter still files routes and computes exports (the looking glass shows what would be
   * sent), but talks to nobody.
   */
  readonly speaker?: Speaker;
  readonly members: MemberSource;
  readonly trades: TradeSource;
  /** Shared registry (the API reads it); one is created when absent. */
  readonly registry?: RouteRegistry;
  /** Arbiter events (TradeRouteLost …) for the journal. */
  readonly onEvent?: (e: ArbiterEvent) => void;
  readonly timers?: Timers;
}

export interface Arbiter {
  readonly registry: RouteRegistry;
  readonly engine: ExportEngine;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Applies trade period boundaries reached at the clock's now; re-arms the timer. */
  tick(): void;
  /** What the route server sends the member now, and why. */
  exportsFor(memberId: string): ExportedRoute[];
  /** Re-evaluates after a member's registered prefixes or policy changed. */
  memberPolicyChanged(memberId: string): void;
  /** Re-runs the import filter over every route (after a ROA / prefix-list reload). */
  revalidate(): void;
}

/** The longest a boundary timer sleeps; the clock is re-read on wake (clock jumps, suspend). */
const MAX_SLEEP_MS = 60_000;

export function createArbiter(deps: ArbiterDeps, config: ArbiterConfig): Arbiter {
  const { clock, reporter, speaker } = deps;
  const log = reporter.log.child({ component: 'arbiter' });
  const timers: Timers = deps.timers ?? {
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
  const registry = deps.registry ?? new RouteRegistry({ clock, filter: createImportFilter(config.filter) });
  const engine = new ExportEngine(registry, { rsAsn: config.asn });
  const m = {
    learned: reporter.counter('bandex_arbiter_routes_learned_total', 'Routes received from members', ['status']),
    withdrawn: reporter.counter('bandex_arbiter_routes_withdrawn_total', 'Route withdrawals received from members'),
    announced: reporter.counter('bandex_arbiter_exports_announced_total', 'Routes announced to members'),
    exportWithdrawn: reporter.counter('bandex_arbiter_exports_withdrawn_total', 'Routes withdrawn from members'),
    resets: reporter.counter('bandex_arbiter_sessions_established_total', 'Member sessions established (each gets its full export table)'),
    events: reporter.counter('bandex_arbiter_events_total', 'Arbiter events by type', ['type']),
    unknownPeer: reporter.counter('bandex_arbiter_unknown_peer_updates_total', 'Updates from a router no member owns'),
    stored: reporter.gauge('bandex_arbiter_registry_routes', 'Routes held in the trade route registry'),
    live: reporter.gauge('bandex_arbiter_live_trades', 'Trades whose routes are exported now'),
  };
  const peers = new Map<string, string>(); // router address → member id
  const unsub: Array<() => void> = [];
  let timer: unknown;
  let running = false;

  function routersOf(memberId: string): readonly string[] {
    return registry.member(memberId)?.routers ?? [];
  }

  /**
   * Which of the member's sessions carry a route of `family`: its routers of that address family
   * (the usual IXP set-up: one IPv4 and one IPv6 session per router); a member with no router of
   * the family gets it over MP-BGP on the others (RFC 4760). Routes go to a peer's Adj-RIB-Out
   * whatever the session state: the speaker sends it in full whenever the session (re-)establishes,
   * so a reset re-sends exactly the current export table.
   */
  function sessionsFor(memberId: string, family: Family): readonly string[] {
    const all = routersOf(memberId);
    const same = all.filter((r) => (r.includes(':') ? 6 : 4) === family);
    return same.length ? same : all;
  }

  function send(deltas: Map<string, ExportDelta>): void {
    for (const [member, d] of deltas) {
      for (const fam of [4, 6] as const) {
        const ann = d.announce.filter((r) => r.family === fam);
        const wd = d.withdraw.filter((p) => (p.includes(':') ? 6 : 4) === fam);
        if (!ann.length && !wd.length) continue;
        for (const peer of speaker ? sessionsFor(member, fam) : []) {
          if (wd.length) speaker!.withdraw(peer, wd);
          if (ann.length) speaker!.announce(peer, ann.map(exportToBgp));
        }
        m.announced.inc(ann.length);
        m.exportWithdrawn.inc(wd.length);
      }
    }
  }

  function flush(): void {
    send(engine.drain());
    for (const e of engine.drainEvents()) {
      m.events.inc({ type: e.type });
      if (e.type === 'TradeRouteLost' || e.type === 'TradeRouteRestored') log.info(e, e.type);
      deps.onEvent?.(e);
    }
    m.stored.set(registry.size);
    m.live.set(engine.liveTrades().length);
  }

  function applyChanges(changes: RouteChange[]): void {
    const now = clock.now();
    for (const ch of changes) engine.routeChanged(ch, now);
  }

  function syncMember(mr: MemberRouting): void {
    const before = new Set(routersOf(mr.memberId));
    registry.setMember(mr);
    for (const r of mr.routers) {
      peers.set(r, mr.memberId);
      const fam = r.includes(':') ? 6 : 4;
      const limit = registry.maxPrefixes(mr.memberId, fam);
      const cfg = {
        asn: mr.asns[0],
        port: config.peerPort ?? 179,
        passive: config.passive ?? false,
        description: `member ${mr.memberId}`,
        routeServerClient: true,
        ...(config.connectRetrySec === undefined ? {} : { connectRetrySec: config.connectRetrySec }),
        ...(config.maxPrefixAction === 'teardown'
          ? { maxPrefix: { limit, action: 'restart' as const, restartAfterSec: config.maxPrefixRestartSec ?? 300 } }
          : {}),
      };
      if (speaker?.peer(r)) speaker.updatePeer(r, cfg);
      else if (speaker) {
        speaker.addPeer({ address: r, ...cfg });
        // A new session starts empty on both sides; give it the member's current exports.
        const routes = engine.exportsFor(mr.memberId).filter((x) => sessionsFor(mr.memberId, x.family).includes(r));
        if (routes.length) speaker.announce(r, routes.map(exportToBgp));
      }
      before.delete(r);
    }
    for (const gone of before) {
      peers.delete(gone);
      speaker?.removePeer(gone).catch((e: unknown) => reporter.error('arbiter', 'PEER_REMOVE_FAILED', e, { peer: gone }));
      applyChanges(registry.dropSession(gone));
    }
  }

  function onRoutes(e: { peer: string; announced: Route[] | Uint32Array; withdrawn: string[] | Uint32Array; attrs?: PathAttributes }): void {
    const memberId = peers.get(e.peer);
    if (memberId === undefined) {
      m.unknownPeer.inc();
      return;
    }
    const now = clock.now();
    // Per-route changes matter to the export engine only for members in live trades: for the
    // others (most of a full table) the registry files the batch without making route objects.
    const collect = engine.involves(memberId);
    const changes: RouteChange[] = [];
    if (e.withdrawn.length) {
      const wd = registry.withdrawBatch(e.peer, e.withdrawn, collect);
      for (const ch of wd.changes) changes.push(ch);
      m.withdrawn.inc(e.withdrawn.length);
    }
    let accepted = 0;
    let rejected = 0;
    const file = (attrs: PathAttributes, prefixes: Route[] | Uint32Array) => {
      const r = registry.learnBatch(memberId, e.peer, attrs, prefixes, { collect, receivedAt: now, convert: convertBgp });
      accepted += r.accepted;
      rejected += r.rejected;
      for (const ch of r.changes) changes.push(ch);
    };
    if (e.announced instanceof Uint32Array) {
      if (e.attrs && e.announced.length) file(e.attrs, e.announced);
    } else {
      // The speaker hands over one interned attribute set per UPDATE: file runs of equal sets.
      const a = e.announced;
      let i = 0;
      while (i < a.length) {
        let j = i + 1;
        while (j < a.length && a[j].attrs === a[i].attrs) j++;
        file(a[i].attrs, i === 0 && j === a.length ? a : a.slice(i, j));
        i = j;
      }
    }
    if (accepted) m.learned.inc({ status: 'accepted' }, accepted);
    if (rejected) m.learned.inc({ status: 'rejected' }, rejected);
    if (changes.length) {
      applyChanges(changes);
      flush();
    } else m.stored.set(registry.size);
  }

  function onState(e: { peer: string; from: string; to: string; reason: string }): void {
    const memberId = peers.get(e.peer);
    if (memberId === undefined) return;
    if (e.to === 'Established') {
      m.resets.inc();
      log.info({ peer: e.peer, memberId, exports: engine.exportCount(memberId) }, 'member session established');
    } else if (e.from === 'Established') {
      log.info({ peer: e.peer, memberId, reason: e.reason }, 'member session down');
      // The speaker reported the session's routes withdrawn already (unless graceful restart keeps
      // them stale); dropping what is left keeps the registry equal to the live sessions.
      applyChanges(registry.dropSession(e.peer));
      flush();
    }
  }

  function arm(next: number | undefined): void {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    if (!running || next === undefined) return;
    const wait = Math.max(0, Math.min(MAX_SLEEP_MS, next - clock.now()));
    timer = timers.setTimeout(() => arbiter.tick(), wait);
  }

  const arbiter: Arbiter = {
    registry,
    engine,
    async start() {
      running = true;
      speaker?.on('routes', onRoutes);
      speaker?.on('state', onState);
      for (const mr of deps.members.list()) syncMember(mr);
      unsub.push(
        deps.members.subscribe((mr) => {
          syncMember(mr);
          engine.memberChanged(mr.memberId, clock.now());
          flush();
        }),
      );
      const now = clock.now();
      for (const t of deps.trades.list()) engine.upsertTrade(t, now);
      unsub.push(
        deps.trades.subscribe((t) => {
          engine.upsertTrade(t, clock.now());
          flush();
          arm(engine.tick(clock.now()));
        }),
      );
      await speaker?.start();
      arbiter.tick();
    },
    async stop() {
      running = false;
      arm(undefined);
      for (const u of unsub.splice(0)) u();
      speaker?.off('routes', onRoutes);
      speaker?.off('state', onState);
      await speaker?.stop();
    },
    tick() {
      const next = engine.tick(clock.now());
      flush();
      arm(next);
    },
    exportsFor: (memberId) => engine.exportsFor(memberId),
    memberPolicyChanged(memberId) {
      engine.memberChanged(memberId, clock.now());
      flush();
    },
    revalidate() {
      applyChanges(registry.revalidate());
      flush();
    },
  };
  return arbiter;
}
