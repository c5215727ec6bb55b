/**
 * The arbiter's view of trades, rebuilt from the journal (the market's events are the source of
 * truth): `TradeMatched` carries the trade; `TradeActivated`, `TradeEnded`, `TradeCancelled`
 * change its status. At start the journal is read from the beginning (page by page); afterwards
 * every committed event arrives through the subscription. The arbiter needs nothing else from
 * the market, so it never imports the market's service.
 */
import { parseIso } from '../lib/index.ts';
import type { EventSource, JournalEvent } from '../lib/index.ts';
import type { TradeSource } from './arbiter.ts';
import type { TradeView, TradeViewStatus } from './trade-view.ts';

export const TRADE_EVENT_TYPES = ['TradeMatched', 'TradeActivated', 'TradeEnded', 'TradeCancelled'] as const;

function time(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = parseIso(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** Reads a trade from a `TradeMatched` payload (`{trade}` or the trade itself); undefined if it is not one. */
export function tradeFromPayload(payload: unknown): TradeView | undefined {
  const p = payload as Record<string, unknown> | null;
  const t = ((p?.trade as Record<string, unknown> | undefined) ?? p) as Record<string, unknown> | null;
  if (!t) return undefined;
  const start = time(t.start);
  const end = time(t.end);
  const { id, buyerId, sellerId, destination, protocol } = t;
  if (typeof id !== 'string' || typeof buyerId !== 'string' || typeof sellerId !== 'string') return undefined;
  if (typeof destination !== 'string' || (protocol !== 'ipv4' && protocol !== 'ipv6')) return undefined;
  if (start === undefined || end === undefined) return undefined;
  const status = (['scheduled', 'active', 'ended', 'cancelled'] as const).includes(t.status as TradeViewStatus)
    ? (t.status as TradeViewStatus)
    : 'scheduled';
  return {
    id,
    buyerId,
    sellerId,
    destination,
    protocol,
    start,
    end,
    status,
    ...(typeof t.capacityMbps === 'number' ? { capacityMbps: t.capacityMbps } : {}),
  };
}

export class JournalTradeBook implements TradeSource {
  private readonly trades = new Map<string, TradeView>();
  private readonly subs = new Set<(t: TradeView) => void>();
  private loadedSeq = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly events: EventSource) {}

  async load(): Promise<void> {
    const upTo = this.events.lastSeq();
    // Subscribe first so nothing committed during the read is missed, but hold what arrives until
    // the read is done: applied at once, a TradeEnded committed during the read would meet no
    // trade (its TradeMatched is still on a page to come) and be dropped, leaving it scheduled.
    let held: JournalEvent[] | null = [];
    this.unsubscribe = this.events.subscribe((e) => {
      if (held) held.push(e);
      else if (e.seq > this.loadedSeq) this.apply(e, true);
    });
    let after = 0;
    try {
      while (after < upTo) {
        const page = await this.events.read({ afterSeq: after, limit: 10_000, types: TRADE_EVENT_TYPES });
        if (!page.length) break;
        for (const e of page) if (e.seq <= upTo) this.apply(e, false);
        after = page[page.length - 1].seq;
      }
    } finally {
      this.loadedSeq = upTo;
      const late = held;
      held = null;
      for (const e of late) if (e.seq > upTo) this.apply(e, true);
    }
  }

  close(): void {
    this.unsubscribe?.();
  }

  list(): TradeView[] {
    return [...this.trades.values()];
  }

  get(id: string): TradeView | undefined {
    return this.trades.get(id);
  }

  subscribe(fn: (t: TradeView) => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  private apply(e: JournalEvent, notify: boolean): void {
    let t: TradeView | undefined;
    if (e.type === 'TradeMatched') t = tradeFromPayload(e.payload);
    else if (e.type === 'TradeActivated' || e.type === 'TradeEnded' || e.type === 'TradeCancelled') {
      const id = (e.payload as { tradeId?: unknown } | null)?.tradeId;
      const cur = typeof id === 'string' ? this.trades.get(id) : undefined;
      if (cur) {
        const status: TradeViewStatus = e.type === 'TradeActivated' ? 'active' : e.type === 'TradeEnded' ? 'ended' : 'cancelled';
        t = { ...cur, status };
      }
    }
    if (!t) return;
    this.trades.set(t.id, t);
    if (notify) for (const f of this.subs) f(t);
    // An ended or cancelled trade changes no more: once its subscribers have seen the final
    // status (and the arbiter's events about it have found their audience through get), it is
    // forgotten, so the book holds the trades that are scheduled or active, not every trade ever.
    if (t.status === 'ended' || t.status === 'cancelled') this.trades.delete(t.id);
  }
}
