/** The arbiter's trade book: rebuilt from the journal, and holding only trades that can still export. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JournalTradeBook } from '../../src/arbiter/trade-book.ts';
import { ExportEngine } from '../../src/arbiter/export-policy.ts';
import type { TradeView } from '../../src/arbiter/trade-view.ts';
import { ManualClock, createReporter, type EventSource, type JournalEvent } from '../../src/lib/index.ts';
import { createJournal, createStore } from '../../src/store/index.ts';
import { labRegistry } from './helpers.ts';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const H = 3_600_000;
const trade = (id: string) => ({
  id, buyerId: 'm2', sellerId: 'm1', destination: '203.0.113.0/24', protocol: 'ipv4',
  start: new Date(T0 + H).toISOString(), end: new Date(T0 + 2 * H).toISOString(), capacityMbps: 100,
});

describe('arbiter trade book [sqlite]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-tradebook-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('forgets ended and cancelled trades after telling its subscribers, live and when rebuilt from the journal', async () => {
    const reporter = createReporter({ destination: false });
    const store = createStore({ kind: 'sqlite', path: join(dir, 'j.sqlite') }, { reporter });
    await store.migrate();
    const journal = createJournal({ db: store.db, dialect: store.dialect, sqlite: store.sqlite!, clock: new ManualClock('2026-12-01T00:00:00Z'), reporter });
    await journal.start();
    const append = (type: string, payload: unknown) => journal.append({ type, actor: 'market', topic: 'trades', payload });
    // Before the book loads: three trades, one ended and one cancelled.
    for (const id of ['trd_a', 'trd_b', 'trd_c']) await append('TradeMatched', { at: T0, trade: trade(id) });
    await append('TradeActivated', { tradeId: 'trd_a' });
    await append('TradeEnded', { tradeId: 'trd_a' });
    await append('TradeCancelled', { tradeId: 'trd_b', reason: 'operator' });

    const book = new JournalTradeBook(journal);
    await book.load();
    expect(book.list().map((t) => t.id)).toEqual(['trd_c']);

    // Live: a subscriber (the arbiter) sees the final status, and can still look the trade up
    // while it handles it (the arbiter's events find their buyer and seller that way).
    const seen: Array<[string, string, string | undefined]> = [];
    book.subscribe((t) => seen.push([t.id, t.status, book.get(t.id)?.status]));
    await append('TradeMatched', { at: T0, trade: trade('trd_d') });
    await append('TradeActivated', { tradeId: 'trd_c' });
    await append('TradeEnded', { tradeId: 'trd_c' });
    await append('TradeCancelled', { tradeId: 'trd_d', reason: 'operator' });
    expect(seen).toEqual([
      ['trd_d', 'scheduled', 'scheduled'],
      ['trd_c', 'active', 'active'],
      ['trd_c', 'ended', 'ended'],
      ['trd_d', 'cancelled', 'cancelled'],
    ]);
    expect(book.list()).toEqual([]);
    expect(book.get('trd_c')).toBeUndefined();
    // A status event for a trade already forgotten changes nothing.
    await append('TradeEnded', { tradeId: 'trd_c' });
    expect(seen).toHaveLength(4);
    book.close();
    await journal.close();
    await store.close();
  });

  it('a trade that ends while the book is still reading the journal at start ends in the book too', async () => {
    // An event source whose read answers only when told, so an event can commit mid-read.
    const stored: JournalEvent[] = [];
    const subs = new Set<(e: JournalEvent) => void>();
    let answer!: () => void;
    const ev = (seq: number, type: string, payload: unknown) => ({ seq, time: T0, type, actor: 'market', topic: 'trades', visibleTo: null, payload }) as JournalEvent;
    const source: EventSource = {
      lastSeq: () => stored.length,
      subscribe: (fn) => (subs.add(fn), () => subs.delete(fn)),
      read: (q) => new Promise((r) => (answer = () => r(stored.filter((e) => e.seq > (q.afterSeq ?? 0)).slice(0, q.limit)))),
    };
    stored.push(ev(1, 'TradeMatched', { at: T0, trade: trade('trd_x') }), ev(2, 'TradeMatched', { at: T0, trade: trade('trd_y') }));
    const book = new JournalTradeBook(source);
    const loading = book.load();
    // Committed while the read is out: trd_x ends, trd_y activates.
    for (const e of [ev(3, 'TradeEnded', { tradeId: 'trd_x' }), ev(4, 'TradeActivated', { tradeId: 'trd_y' })]) {
      stored.push(e);
      for (const f of subs) f(e);
    }
    answer();
    await loading;
    expect(book.list().map((t) => [t.id, t.status])).toEqual([['trd_y', 'active']]);
    book.close();
  });

  it('the export engine keeps a trade until it ends or is cancelled, then stops its export and drops it', () => {
    const { reg } = labRegistry();
    const eng = new ExportEngine(reg, { rsAsn: 64999 });
    const view = (id: string, status: TradeView['status']): TradeView => ({ id, buyerId: 'm2', sellerId: 'm1', destination: '203.0.113.0/24', protocol: 'ipv4', start: T0, end: T0 + H, status });
    eng.upsertTrade(view('trd_a', 'active'), T0 + 1);
    eng.upsertTrade(view('trd_b', 'active'), T0 + 1);
    expect(eng.liveTrades().map((t) => t.id)).toEqual(['trd_a', 'trd_b']);
    eng.upsertTrade(view('trd_a', 'ended'), T0 + 2);
    eng.upsertTrade(view('trd_b', 'cancelled'), T0 + 2);
    expect(eng.liveTrades()).toEqual([]);
    expect(eng.trade('trd_a')).toBeUndefined();
    expect(eng.trade('trd_b')).toBeUndefined();
    expect(eng.drainEvents().map((e) => `${e.type} ${e.tradeId}`)).toEqual([
      'TradeExportStarted trd_a', 'TradeRouteLost trd_a', 'TradeExportStarted trd_b', 'TradeRouteLost trd_b', 'TradeExportEnded trd_a', 'TradeExportEnded trd_b',
    ]);
    // Its boundaries left in the heap are skipped.
    expect(eng.tick(T0 + 2 * H)).toBeUndefined();
  });
});
