/**
 * The arbiter as a service of `bandex serve`: the trade route registry (with its import filter,
 * ROA set and IRR prefix lists from the configured files), the members' registered prefixes and
 * policies (durable, journalled), the trades rebuilt from the journal, and — when `bgp.listen`
 * is set — the route server speaking BGP to every member router from the members' ports.
 * Arbiter events (TradeRouteLost, TradeRouteRestored, TradeExportStarted/Ended) are journalled
 * on topic `trades`, visible to the trade's buyer and seller.
 */
import { readFileSync } from 'node:fs';
import { createSpeaker, type Speaker } from '../bgp/speaker.ts';
import type { Clock, EventSource, NewEvent, Reporter } from '../lib/index.ts';
import { parseIP } from '../lib/index.ts';
import type { RegistryReader } from '../registry/index.ts';
import { createImportFilter, type ImportFilterConfig } from '../registry/route-filter.ts';
import { parseBgpq4Json } from '../registry/route-irr.ts';
import { RouteRegistry } from '../registry/route-registry.ts';
import type { RouteRegistryRepo } from '../registry/route-repo.ts';
import { createRoaSet, parseRoaJson } from '../registry/route-rpki.ts';
import { createArbiter, type Arbiter } from './arbiter.ts';
import type { BgpConfig } from './config.ts';
import { arbiterErrors } from './errors.ts';
import type { ArbiterEvent } from './export-policy.ts';
import { createRoutesService, type RoutesService } from './routes-service.ts';
import { registryMemberSource } from './sources.ts';
import { JournalTradeBook } from './trade-book.ts';

export interface ArbiterServiceDeps {
  readonly clock: Clock;
  readonly reporter: Reporter;
  readonly members: RegistryReader;
  readonly events: EventSource;
  readonly repo: RouteRegistryRepo;
  /** Journals arbiter events. */
  readonly append: (e: NewEvent) => Promise<unknown>;
}

export interface ArbiterService {
  readonly registry: RouteRegistry;
  readonly routes: RoutesService;
  readonly arbiter: Arbiter;
  readonly trades: JournalTradeBook;
  readonly config: BgpConfig;
  /** The route server's session addresses members peer with (empty without `bgp.listen`). */
  readonly speaker: Speaker | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function filterConfigOf(c: BgpConfig): Partial<ImportFilterConfig> {
  return {
    nextHop: c.nextHop === 'peer' ? 'peer' : 'member',
    prefixLength: { ipv4: { min: c.ipv4MinLength, max: c.ipv4MaxLength }, ipv6: { min: c.ipv6MinLength, max: c.ipv6MaxLength } },
    maxAsPathLength: c.maxAsPathLength,
    rejectAsSet: c.rejectAsSet,
    rpkiRejectInvalid: c.rpkiRejectInvalid,
    irrRejectUnlisted: c.irrRejectUnlisted,
    bogons: {
      allowDocumentationPrefixes: c.allowDocumentationPrefixes,
      allowPrivateAsns: c.allowPrivateAsns,
      allowDocumentationAsns: c.allowDocumentationAsns,
    },
    maxPrefixes: { ipv4: c.maxPrefixesIpv4, ipv6: c.maxPrefixesIpv6 },
  };
}

/** HOST:PORT or [v6]:PORT. */
export function parseBgpListen(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !parseIP(m[1]) || !(port >= 1 && port <= 65535)) {
    throw arbiterErrors.make('ARBITER_CONFIG_INVALID', `bgp.listen must be HOST:PORT or [IPv6]:PORT, got ${JSON.stringify(s)}`, {
      field: 'bgp.listen',
    });
  }
  return { host: m[1], port };
}

function readConfigured(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw arbiterErrors.make('ARBITER_FILE_UNREADABLE', `${what} ${path}: ${(e as Error).message}`, { field: what, cause: e });
  }
}

export function createArbiterService(deps: ArbiterServiceDeps, config: BgpConfig): ArbiterService {
  const { clock, reporter } = deps;
  const registry = new RouteRegistry({ clock, filter: createImportFilter(filterConfigOf(config)) });
  if (config.rpkiFile) registry.setRoas(createRoaSet(parseRoaJson(readConfigured(config.rpkiFile, 'bgp.rpkiFile'))));
  if (config.irrFile) registry.setPrefixLists(parseBgpq4Json(readConfigured(config.irrFile, 'bgp.irrFile')));
  let speaker: Speaker | undefined;
  if (config.listen) {
    const listen = parseBgpListen(config.listen);
    const routerId = config.routerId || (listen.host.includes(':') ? '' : listen.host);
    if (!routerId || routerId === '0.0.0.0') {
      throw arbiterErrors.make('ARBITER_CONFIG_INVALID', 'bgp.routerId must be set (an IPv4 address) when bgp.listen is not an IPv4 address', {
        field: 'bgp.routerId',
      });
    }
    const log = reporter.log.child({ component: 'bgp' });
    speaker = createSpeaker(
      { clock, log: (level, msg, ctx) => log[level](ctx ?? {}, msg) },
      { asn: config.asn, routerId, listen, routeServer: true, holdTime: config.holdTime },
    );
  }
  const trades = new JournalTradeBook(deps.events);
  const visibility = (e: ArbiterEvent): string[] => {
    const t = trades.get(e.tradeId);
    return t ? [t.buyerId, t.sellerId] : [];
  };
  const arbiter = createArbiter(
    {
      clock,
      reporter,
      ...(speaker ? { speaker } : {}),
      registry,
      members: registryMemberSource(deps.members, deps.events),
      trades,
      onEvent: (e) => {
        const { type, ...payload } = e;
        deps
          .append({ type, actor: 'arbiter', topic: 'trades', visibility: visibility(e), payload })
          .catch((err: unknown) => reporter.error('arbiter', 'EVENT_APPEND_FAILED', err, { type }));
      },
    },
    {
      asn: config.asn,
      peerPort: config.peerPort,
      passive: config.passive,
      maxPrefixAction: config.maxPrefixAction === 'teardown' ? 'teardown' : 'reject',
      maxPrefixRestartSec: config.maxPrefixRestartSec,
    },
  );
  const routes = createRoutesService({ registry, repo: deps.repo, clock, changed: (m) => arbiter.memberPolicyChanged(m) });
  return {
    registry,
    routes,
    arbiter,
    trades,
    config,
    speaker,
    async start() {
      await routes.start();
      await trades.load();
      await arbiter.start();
    },
    async stop() {
      trades.close();
      await arbiter.stop();
    },
  };
}
