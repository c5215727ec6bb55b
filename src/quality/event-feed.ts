/**
 * What the rest of the exchange tells the quality component, read from the journal (the
 * quality domain imports no other domain): 
 * - B6 member set-up: a prefix a member registers (`RoutePrefixRegistered`) becomes a probe target
 *   through that member (its first host address), removed again on `RoutePrefixUnregistered`;
 * - A4 relevance: open sell orders (`OrderAccepted` … `OrderCancelled`/`OrderExpired`, or sold
 *   out: whole-period trades, `TradeMatched`, that add up to its capacity) and live trades
 *   (`TradeMatched` … `TradeEnded`/`TradeCancelled`) raise the scheduler's interest in the
 *   seller's path towards that destination, so traded paths are probed more often. A sell sold
 *   only in parts of its period stays counted until it is cancelled or expires (telling when
 *   every instant is sold takes the market's capacity timeline);
 * - traffic volume: metering's `UsageSampled` bins (bytes in + out per port and bin) give each
 *   member's current rate, which weighs all of its targets.
 * Payloads are read defensively: an event of an unexpected shape is counted and skipped.
 */
import type { JournalEvent, Reporter } from '../lib/index.ts';
import { formatIP, parsePrefix } from '../lib/index.ts';
import { canonicalDestination } from './measurement.ts';
import { type ActiveMethod, type ProbeScheduler, type ProbeTarget, targetKey } from './scheduler.ts';

export interface EventFeedConfig {
  /** Create probe targets for registered prefixes. */
  routeTargets: boolean;
  routeTargetMethod: string;
  /** Port for tcp/udp route targets. */
  routeTargetPort: number;
  /**
   * `auto`: the exchange's own loop when the member has a source-address binding
   * (`quality.sourceAddresses`), else the member's probe agents — a probe from the exchange
   * without a binding would measure the exchange's own upstream, not the member's path.
   * `exchange` or `agent` force one lane.
   */
  routeTargetLane: string;
  /** Interest added per open sell order and per live trade of a (seller, destination). */
  orderInterest: number;
  tradeInterest: number;
}

export const eventFeedDefaults: EventFeedConfig = {
  routeTargets: true,
  routeTargetMethod: 'icmp',
  routeTargetPort: 7362,
  routeTargetLane: 'auto',
  orderInterest: 1,
  tradeInterest: 4,
};

export interface EventFeedDeps {
  scheduler: ProbeScheduler;
  addTarget(t: ProbeTarget): Promise<string>;
  removeTarget(key: string): Promise<boolean>;
  reporter: Reporter;
  /** The member owning an exchange port, for traffic volume from `UsageSampled`. */
  memberOfPort?: (portId: string) => string | undefined;
  /** True when probes for this provider can be bound to a source address that routes through it. */
  hasSourceAddress?: (provider: string) => boolean;
}

/** The first host of a prefix (network + 1; the address itself for /32 and /128): a conventional router address. */
export function firstHost(cidr: string): string | undefined {
  const r = parsePrefix(cidr);
  if (!r.ok) return undefined;
  const b = Uint8Array.from(r.prefix.bytes);
  const max = b.length * 8;
  if (r.prefix.len < max - 1) {
    for (let i = b.length - 1; i >= 0; i--) {
      if (b[i] === 255) b[i] = 0;
      else {
        b[i]++;
        break;
      }
    }
  }
  return formatIP(r.prefix.family, b);
}

const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export function createEventFeed(deps: EventFeedDeps, cfg: EventFeedConfig): { handle(e: JournalEvent): void } {
  const skipped = deps.reporter.counter('bandex_quality_feed_skipped_total', 'Journal events the quality feed could not read', ['type']);
  /** Per (provider, destination): how many open sells and live trades; each id's key once. */
  const interest = new Map<string, { provider: string; destination: string; orders: number; trades: number }>();
  const orderKey = new Map<string, string>();
  const tradeKey = new Map<string, string>();
  /** Open sells whose capacity and period are known: what whole-period trades sold of them. */
  const sells = new Map<string, { capacity: number; start: number; end: number; sold: number }>();

  function weigh(key: string, e: { provider: string; destination: string; orders: number; trades: number }): void {
    const w = e.orders * cfg.orderInterest + e.trades * cfg.tradeInterest;
    deps.scheduler.setInterest(e.provider, e.destination, w);
    if (w === 0) interest.delete(key);
  }

  function add(provider: string, destination: string, kind: 'orders' | 'trades', id: string): void {
    const ids = kind === 'orders' ? orderKey : tradeKey;
    if (ids.has(id)) return;
    const key = `${provider}|${destination}`;
    let e = interest.get(key);
    if (!e) interest.set(key, (e = { provider, destination, orders: 0, trades: 0 }));
    ids.set(id, key);
    e[kind]++;
    weigh(key, e);
  }

  function drop(kind: 'orders' | 'trades', id: string | undefined): void {
    const ids = kind === 'orders' ? orderKey : tradeKey;
    const key = id === undefined ? undefined : ids.get(id);
    const e = key === undefined ? undefined : interest.get(key);
    if (key === undefined || e === undefined) return;
    ids.delete(id!);
    e[kind]--;
    weigh(key, e);
  }

  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

  /** A sell whose whole period is sold out is no longer open. */
  function soldOut(id: string): void {
    const s = sells.get(id);
    if (s && s.sold >= s.capacity) {
      sells.delete(id);
      drop('orders', id);
    }
  }

  function routeTarget(p: Record<string, unknown> | undefined): ProbeTarget | undefined {
    const member = str(p?.memberId);
    const dest = canonicalDestination(str(p?.prefix) ?? '');
    const host = dest ? firstHost(dest) : undefined;
    if (!member || !dest || !host) return undefined;
    const method = (['icmp', 'tcp', 'udp'].includes(cfg.routeTargetMethod) ? cfg.routeTargetMethod : 'icmp') as ActiveMethod;
    return {
      provider: member,
      destination: dest,
      target: host,
      method,
      ...(method === 'icmp' ? {} : { port: cfg.routeTargetPort }),
      lane:
        cfg.routeTargetLane === 'exchange' || (cfg.routeTargetLane !== 'agent' && deps.hasSourceAddress?.(member)) ? 'exchange' : `agent:${member}`,
    };
  }

  const fail = (type: string, err?: unknown): void => {
    skipped.inc({ type });
    if (err !== undefined) deps.reporter.error('quality', 'QUALITY_FEED_FAILED', err, { type });
  };

  function handle(e: JournalEvent): void {
    const p = obj(e.payload);
    switch (e.type) {
      case 'RoutePrefixRegistered': {
        if (!cfg.routeTargets) return;
        const t = routeTarget(p);
        if (!t) return fail(e.type);
        deps.addTarget(t).catch((err: unknown) => fail(e.type, err));
        return;
      }
      case 'RoutePrefixUnregistered': {
        const t = routeTarget(p);
        // The key is derived, not remembered, so this works for targets made before a restart.
        if (t && deps.scheduler.targets().some((x) => x.key === targetKey(t))) {
          deps.removeTarget(targetKey(t)).catch((err: unknown) => fail(e.type, err));
        }
        return;
      }
      case 'OrderAccepted': {
        const spec = obj(p?.spec);
        const id = str(p?.orderId);
        const dest = canonicalDestination(str(spec?.destination) ?? '');
        const member = str(spec?.memberId);
        if (!spec || !id || !member || !dest) return fail(e.type);
        if (spec.side !== 'sell') return;
        add(member, dest, 'orders', id);
        const capacity = num(spec.capacityMbps);
        const start = num(spec.start);
        const end = num(spec.end);
        if (capacity !== undefined && start !== undefined && end !== undefined) sells.set(id, { capacity, start, end, sold: 0 });
        return;
      }
      case 'OrderAmended': {
        const id = str(p?.orderId);
        const s = id === undefined ? undefined : sells.get(id);
        const capacity = num(p?.capacityMbps);
        if (s && capacity !== undefined) {
          s.capacity = capacity;
          soldOut(id!);
        }
        return;
      }
      case 'OrderCancelled':
      case 'OrderExpired': {
        const id = str(p?.orderId);
        if (id !== undefined) sells.delete(id);
        return drop('orders', id);
      }
      case 'TradeMatched': {
        const t = obj(p?.trade);
        const id = str(t?.id) ?? str(t?.tradeId);
        const seller = str(t?.sellerId);
        const dest = canonicalDestination(str(t?.destination) ?? '');
        if (!id || !seller || !dest) return fail(e.type);
        add(seller, dest, 'trades', id);
        const sellId = str(t?.sellOrderId);
        const s = sellId === undefined ? undefined : sells.get(sellId);
        const start = num(t?.start);
        const end = num(t?.end);
        if (s && start !== undefined && end !== undefined && start <= s.start && end >= s.end) {
          s.sold += num(t?.capacityMbps) ?? 0;
          soldOut(sellId!);
        }
        return;
      }
      case 'TradeEnded':
      case 'TradeCancelled':
        return drop('trades', str(p?.tradeId));
      case 'UsageSampled': {
        const bins = p?.bins;
        if (!deps.memberOfPort || !Array.isArray(bins)) return;
        // Rate per member: bits of all its ports' bins over the bins' length, averaged over the
        // distinct bin starts the event carries.
        const bits = new Map<string, { bps: number; starts: Set<number> }>();
        for (const b of bins) {
          const o = obj(b);
          const port = str(o?.portId);
          const binMs = Number(o?.binMs);
          const bytes = Number(o?.inBytes) + Number(o?.outBytes);
          const member = port ? deps.memberOfPort(port) : undefined;
          if (!member || !(binMs > 0) || !Number.isFinite(bytes)) continue;
          const m = bits.get(member) ?? { bps: 0, starts: new Set<number>() };
          m.bps += (bytes * 8 * 1000) / binMs;
          m.starts.add(Number(o?.binStart));
          bits.set(member, m);
        }
        for (const [member, m] of bits) deps.scheduler.setVolume(member, undefined, m.bps / m.starts.size);
        return;
      }
      default:
    }
  }

  return {
    handle(e) {
      try {
        handle(e);
      } catch (err) {
        fail(e.type, err);
      }
    },
  };
}
