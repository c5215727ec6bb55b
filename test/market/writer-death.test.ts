/**
 * The journal's writer thread dies under order flow (a crash of the thread, not of the process).
 * A long turn's orders are recorded in several batches, each built on the state the earlier
 * ones left (a buy in one batch takes a sell accepted in the batch before). When the batch on
 * the thread is lost, the batches after it must not commit either, or the journal would hold
 * trades of orders it never accepted and could no longer be replayed. What the members were
 * told must be what the journal holds: every acknowledged order and trade survives the rebuild
 * and a restart, and the market takes orders again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ManualClock, createReporter, sequentialIds } from '../../src/lib/index.ts';
import { createMarket, marketConfigDefaults, type OrderInput } from '../../src/market/index.ts';
import { createJournal, createStore } from '../../src/store/index.ts';
import { createMarketRepo } from '../../src/store/repos/market-repo.ts';
import { startedWorkers } from '../support/captured-workers.ts';

vi.mock('node:worker_threads', async (real) => (await import('../support/captured-workers.ts')).capturing(await real()));

const dir = mkdtempSync(join(tmpdir(), 'bandex-writer-death-market-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, 'm.sqlite');
const ports = new Map(['a', 'b'].map((m) => [`p-${m}`, { memberId: m, capacityMbps: 1_000_000 }]));
const clock = new ManualClock('2026-11-01T00:00:00Z');

async function open() {
  const reporter = createReporter({ destination: false });
  const store = createStore({ kind: 'sqlite', path: file }, { reporter });
  await store.migrate();
  const journal = createJournal({ db: store.db, dialect: store.dialect, sqlite: store.sqlite!, clock, reporter });
  await journal.start();
  const market = createMarket(
    { clock, ids: sequentialIds(), reporter, repo: createMarketRepo(store.db, journal, store.sqlite), quality: { lookup: () => undefined }, ports: { port: (id) => ports.get(id) } },
    { ...marketConfigDefaults, batchEvents: 20 },
  );
  await market.start();
  return {
    market,
    async close() {
      await market.stop();
      await journal.close();
      await store.close();
    },
  };
}

const order = (side: 'buy' | 'sell', k: number): OrderInput => ({
  side, destination: '10.0.0.0/8', prefixType: 'transit', capacityMbps: 100, minBlockMbps: 100, price: '1.00',
  start: '2026-12-01T00:00:00Z', end: '2027-01-01T00:00:00Z', portId: side === 'sell' ? 'p-a' : 'p-b', clientOrderId: `${side}-${k}`,
});

describe('market under a writer thread that dies', () => {
  it('keeps every acknowledged order and trade, commits nothing built on a lost batch, rebuilds and goes on', async () => {
    const m1 = await open();
    try {
      const writer = startedWorkers.at(-1)!;
      const answer = (p: ReturnType<typeof m1.market.submit>) =>
        p.then(
          (r) => ({ ok: true as const, id: r.order.id as string, trades: r.trades.map((t) => t.id as string) }),
          (e: { code?: string }) => ({ ok: false as const, code: e.code }),
        );
      // Acknowledged before the thread dies: 40 sells, then 20 buys that take half of them.
      const first = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) => answer(m1.market.submit('a', order('sell', 1000 + i)))),
        ...Array.from({ length: 20 }, (_, i) => answer(m1.market.submit('b', order('buy', 1000 + i)))),
      ]);
      expect(first.every((s) => s.ok)).toBe(true);
      // One long turn: 200 sells, then 200 buys that take them in time priority, recorded in
      // batches of about 20 events; the journal sends the first ~256 events (the sells and a few
      // buys) to the thread as one group, which is lost: the thread is stopped in the same turn.
      const answers = Array.from({ length: 400 }, (_, i) => {
        const side = i < 200 ? 'sell' : 'buy';
        return answer(m1.market.submit(side === 'sell' ? 'a' : 'b', order(side, i % 200)));
      });
      void writer.terminate();
      const settled = await Promise.all(answers);
      const refused = settled.filter((s) => !s.ok);
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused.map((s) => s.code))).toEqual(new Set(['STORE_UNAVAILABLE']));
      const acked = [...first, ...settled].filter((s) => s.ok);

      // The market rebuilds from the journal, then takes orders again.
      let next: Awaited<ReturnType<typeof m1.market.submit>> | undefined;
      for (const until = Date.now() + 10_000; next === undefined && Date.now() < until; ) {
        next = await m1.market.submit('a', order('sell', 9999)).catch((e: { code?: string }) => {
          if (e.code !== 'SHUTTING_DOWN' && e.code !== 'STORE_UNAVAILABLE') throw e;
          return new Promise<undefined>((r) => setTimeout(() => r(undefined), 20));
        });
      }
      expect(next?.order.status).toBe('open');
      // A refused order's outcome is unknown: usually its group was lost, but the thread may have
      // committed it just before it died. Either way its retry (same client order id) leaves
      // exactly one such order: a new one, or the one the journal holds (duplicate).
      const k = settled.findIndex((s) => !s.ok);
      const [member, side] = k < 200 ? (['a', 'sell'] as const) : (['b', 'buy'] as const);
      const retry = await m1.market.submit(member, order(side, k % 200));
      const same = (await m1.market.listOrders(member, { limit: 1000 })).items.filter((o) => o.clientOrderId === `${side}-${k % 200}`);
      expect(same.map((o) => o.id)).toEqual([retry.order.id]);
      for (const s of acked) expect(await m1.market.getOrder(null, s.id)).toBeDefined();
      const tradesOf = async (member: string) => new Set((await m1.market.listTrades(member, { limit: 1000 })).items.map((t) => t.id as string));
      const bought = await tradesOf('b');
      for (const s of acked) for (const t of s.trades) expect(bought.has(t)).toBe(true);
      const open1 = (await m1.market.listOrders('a', { limit: 1000, open: true })).items.map((o) => o.id);
      await m1.close();

      // A restart replays the same journal into the same book.
      const m2 = await open();
      try {
        expect((await m2.market.listOrders('a', { limit: 1000, open: true })).items.map((o) => o.id)).toEqual(open1);
        expect(m2.market.engine.state.orders.size).toBe(open1.length);
        const again = await m2.market.submit('b', order('buy', 9999));
        expect(again.trades).toHaveLength(1);
      } finally {
        await m2.close();
      }
    } finally {
      await m1.close().catch(() => undefined);
    }
  }, 60_000);
});
