/**
 * The market's rows are the same whether the journal commits a group on its writer thread (the
 * SQLite file default: the repo's RowWrites) or on the main connection (the repo's projection):
 * one order flow — a long turn split into several batches, fills, cancels, amendments, trades
 * starting and ending — run against both, then every market row and journal event compared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, createReporter, sequentialIds } from '../../src/lib/index.ts';
import { createMarket, marketConfigDefaults } from '../../src/market/index.ts';
import { createJournal, createStore } from '../../src/store/index.ts';
import { createMarketRepo } from '../../src/store/repos/market-repo.ts';

const dir = mkdtempSync(join(tmpdir(), 'bandex-writer-rows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(writerThread: boolean) {
  const reporter = createReporter({ destination: false });
  const store = createStore({ kind: 'sqlite', path: join(dir, `${writerThread ? 'writer' : 'main'}.sqlite`) }, { reporter });
  await store.migrate();
  const clock = new ManualClock('2026-11-01T00:00:00Z');
  const journal = createJournal({ db: store.db, dialect: store.dialect, sqlite: store.sqlite!, clock, reporter }, { writerThread, eagerEvents: 16 });
  await journal.start();
  expect(journal.offloaded).toBe(writerThread);
  const ports = new Map(['a', 'b', 'c', 'd'].map((m) => [`p-${m}`, { memberId: m, capacityMbps: 1_000_000 }]));
  // Both runs cut a long turn into the same batches (the service does so when the repo says it
  // is offloaded), so that their events are the same; only where the groups commit differs.
  const repo = Object.defineProperty(Object.create(createMarketRepo(store.db, journal, store.sqlite)), 'offloaded', { value: true }) as ReturnType<typeof createMarketRepo>;
  const market = createMarket(
    { clock, ids: sequentialIds(), reporter, repo, quality: { lookup: () => undefined }, ports: { port: (id) => ports.get(id) } },
    { ...marketConfigDefaults, batchEvents: 8 },
  );
  await market.start();
  try {
    const members = ['a', 'b', 'c', 'd'];
    const order = (i: number) => {
      const m = members[i % 4];
      const side = i % 2 === 0 ? 'sell' : 'buy';
      return market.submit(m, {
        side, destination: i % 3 === 0 ? '10.0.0.0/8' : '10.1.0.0/16', prefixType: 'transit', capacityMbps: 100 * (1 + (i % 4)), minBlockMbps: 100,
        price: (1 + ((i * 7) % 11) / 100).toFixed(2),
        ...(i >= 1000 ? { start: '2027-02-01T00:00:00Z', end: '2027-03-01T00:00:00Z' } : { start: i % 5 === 0 ? '2026-11-02T00:00:00Z' : '2026-12-01T00:00:00Z', end: '2027-01-01T00:00:00Z' }),
        portId: `p-${m}`,
        ...(i % 7 === 0 ? { clientOrderId: `c-${i}` } : {}),
      });
    };
    // One long turn: 300 orders answered together, recorded in batches of about 8 events.
    const placed = await Promise.all(Array.from({ length: 300 }, (_, i) => order(i)));
    // Resting after the whole turn (an order answered as open may have filled later in it).
    const open = placed.filter((p) => market.engine.state.orders.get(p.order.id as string) !== undefined);
    expect(open.length).toBeGreaterThan(20);
    expect(placed.flatMap((p) => p.trades).length).toBeGreaterThan(50);
    // Cancels and amendments of resting orders (existing rows: updates), in another long turn.
    await Promise.all(
      open.slice(0, 20).map((p, k) =>
        k % 2 === 0 ? market.cancel(p.order.memberId as string, p.order.id as string) : market.amend(p.order.memberId as string, p.order.id as string, { price: '1.20' }),
      ),
    );
    // Trades starting and ending (clock-driven updates of existing trade rows).
    clock.set('2026-11-03T00:00:00Z');
    await market.tick();
    clock.set('2027-01-02T00:00:00Z');
    await market.tick();
    await Promise.all(Array.from({ length: 40 }, (_, i) => order(1000 + i)));
    // Ids carry a per-process random part (service.ts orderedIds): masked, the rest compared.
    const table = (name: string, key: string) =>
      JSON.parse(JSON.stringify(store.sqlite!.prepare(`select * from ${name} order by ${key}`).all()).replace(/\b(ord|trd)_(\w{9})[0-9a-f]{8}(\w{6})\b/g, '$1_$2--------$3')) as unknown[];
    return { orders: table('market_orders', 'id'), trades: table('market_trades', 'id'), journal: table('journal', 'seq') };
  } finally {
    await market.stop();
    await journal.close();
    await store.close();
  }
}

describe('market rows through the journal writer thread', () => {
  it('are exactly those the main-connection projection writes', async () => {
    const main = await run(false);
    const writer = await run(true);
    expect(writer.orders.length).toBeGreaterThan(300);
    expect(writer.trades.length).toBeGreaterThan(50);
    expect((writer.trades as Array<{ status: string }>).some((t) => t.status === 'ended')).toBe(true);
    expect((writer.orders as Array<{ status: string }>).some((o) => o.status === 'cancelled')).toBe(true);
    expect(writer.orders).toEqual(main.orders);
    expect(writer.trades).toEqual(main.trades);
    expect(writer.journal).toEqual(main.journal);
  });
});
