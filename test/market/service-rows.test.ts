/**
 * The market service's rows after a batch in which a trade ended (its handle released) and a new
 * trade was matched in the same command: each trade's row must be its own (trade handles are
 * reused once a trade has ended; the service must not confuse the two).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, createReporter, sequentialIds } from '../../src/lib/index.ts';
import { createMarket, marketConfigDefaults } from '../../src/market/index.ts';
import { createJournal, createStore } from '../../src/store/index.ts';
import { createMarketRepo } from '../../src/store/repos/market-repo.ts';

describe('market service rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-market-rows-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps an ended trade and the new trade that took its handle apart', async () => {
    const reporter = createReporter({ destination: false });
    const store = createStore({ kind: 'sqlite', path: join(dir, 'm.sqlite') }, { reporter });
    await store.migrate();
    const clock = new ManualClock('2026-11-01T00:00:00Z');
    const journal = createJournal({ db: store.db, dialect: store.dialect, ...(store.sqlite ? { sqlite: store.sqlite } : {}), clock, reporter });
    await journal.start();
    const ports = new Map(['a', 'b'].map((m) => [`p-${m}`, { memberId: m, capacityMbps: 100_000 }]));
    const market = createMarket(
      { clock, ids: sequentialIds(), reporter, repo: createMarketRepo(store.db, journal, store.sqlite), quality: { lookup: () => undefined }, ports: { port: (id) => ports.get(id) } },
      marketConfigDefaults,
    );
    await market.start();
    try {
      const order = (m: string, side: 'buy' | 'sell', start: string, end: string) =>
        market.submit(m, { side, destination: '10.0.0.0/8', prefixType: 'transit', capacityMbps: 1000, price: '1.00', start, end, portId: `p-${m}` });
      const first = await order('a', 'buy', '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z');
      expect(first.trades).toHaveLength(0);
      const t1 = (await order('b', 'sell', '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z')).trades[0];
      await order('b', 'sell', '2026-12-03T00:00:00Z', '2026-12-04T00:00:00Z');
      // Past the first trade's end: the next command first ends it (releasing its handle), then
      // matches a second trade.
      clock.set('2026-12-02T12:00:00Z');
      const t2 = (await order('a', 'buy', '2026-12-03T00:00:00Z', '2026-12-04T00:00:00Z')).trades[0];
      expect(t2.id).not.toBe(t1.id);
      const rows = (await market.listTrades('a', { limit: 10 })).items;
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get(t1.id as string)).toMatchObject({ status: 'ended', start: '2026-12-01T00:00:00.000Z', end: '2026-12-02T00:00:00.000Z' });
      expect(byId.get(t2.id as string)).toMatchObject({ status: 'scheduled', start: '2026-12-03T00:00:00.000Z', end: '2026-12-04T00:00:00.000Z' });
      expect(market.engine.state.trades.size).toBe(1);
    } finally {
      await market.stop();
      await journal.close();
      await store.close();
    }
  });
});
