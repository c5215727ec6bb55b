/**
 * Adapters from the rest of the exchange to the arbiter's two inputs:
 * - members and their routers, from the registry reader, refreshed on the journal's
 *   `MemberCreated` / `PortCreated` / `PortUpdated` / `PortDeleted` events (a new port becomes a
 *   BGP peer without a restart);
 * - trades, from whatever lists them, refreshed on trade events carrying the trade.
 */
import type { EventSource, JournalEvent } from '../lib/index.ts';
import type { RegistryReader } from '../registry/index.ts';
import type { MemberRouting } from '../registry/route-model.ts';
import type { MemberSource, TradeSource } from './arbiter.ts';
import type { TradeView } from './trade-view.ts';

export function memberRouting(reader: RegistryReader, memberId: string): MemberRouting | undefined {
  const m = reader.getMember(memberId);
  if (!m) return undefined;
  const routers = [...new Set(reader.listPorts(memberId).flatMap((p) => p.routerIps))];
  return { memberId, asns: [...m.asns], routers };
}

const MEMBER_EVENTS = new Set(['MemberCreated', 'MemberUpdated', 'PortCreated', 'PortUpdated', 'PortDeleted']);

export function registryMemberSource(reader: RegistryReader, events: EventSource): MemberSource {
  return {
    list: () =>
      reader
        .listMembers()
        .map((m) => memberRouting(reader, m.id))
        .filter((x): x is MemberRouting => x !== undefined),
    subscribe(fn) {
      return events.subscribe((e: JournalEvent) => {
        if (!MEMBER_EVENTS.has(e.type)) return;
        const p = e.payload as { memberId?: string; id?: string };
        const memberId = e.type.startsWith('Member') ? p.id : p.memberId;
        if (memberId === undefined) return;
        // Subscribers run right after commit, before the registry has applied the change to its
        // memory (it does so when its append resolves): read it a turn later.
        setImmediate(() => {
          const mr = memberRouting(reader, memberId);
          if (mr) fn(mr);
        });
      });
    },
  };
}

/**
 * Trades from a list function and journal events: every event whose type is in `types` and
 * whose payload holds a trade (or `{ trade }`) with an id is looked up again through `get`, so
 * the arbiter always sees the trade's current status.
 */
export function journalTradeSource(
  opts: { list(): TradeView[]; get(id: string): TradeView | undefined; types: readonly string[] },
  events: EventSource,
): TradeSource {
  const types = new Set(opts.types);
  return {
    list: opts.list,
    subscribe(fn) {
      return events.subscribe((e) => {
        if (!types.has(e.type)) return;
        const p = e.payload as { id?: string; tradeId?: string; trade?: { id?: string } };
        const id = p.trade?.id ?? p.tradeId ?? p.id;
        if (typeof id !== 'string') return;
        const t = opts.get(id);
        if (t) fn(t);
      });
    },
  };
}
