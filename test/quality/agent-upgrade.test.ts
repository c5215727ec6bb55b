/**
 * Upgrade: probe agents registered before agent keys existed (quality-issued `bxa_…` tokens)
 * keep working — migration 0202 turns each active agent's token into a foundation `agent` key.
 * A revoked agent's token stays refused. SQLite and PostgreSQL.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { makeConfig } from '../../src/config.ts';
import { ManualClock, createReporter, sequentialIds } from '../../src/lib/index.ts';
import { createStore, type StoreConfig } from '../../src/store/index.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createTempDatabase, type TempDatabase } from '../support/postgres.ts';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`agent tokens from before agent keys [${dialect}]`, () => {
    let dir: string | undefined;
    let pgdb: TempDatabase | undefined;
    afterAll(async () => {
      await pgdb?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('an active legacy agent token authenticates as that agent after the upgrade; a revoked one does not', async () => {
      let cfg: StoreConfig;
      if (dialect === 'sqlite') {
        dir = mkdtempSync(join(tmpdir(), 'bandex-upgrade-'));
        cfg = { kind: 'sqlite', path: join(dir, 'bandex.sqlite'), synchronous: 'normal' };
      } else {
        pgdb = await createTempDatabase();
        cfg = { kind: 'postgres', url: pgdb.url, poolSize: 2 };
      }
      // The schema as it was: every migration before agent keys.
      const old = createStore(cfg, { migrations: migrations.filter((m) => m.id < '0004' || (m.id > '0100' && m.id < '0202')) });
      await old.migrate();
      const db = old.db;
      await db.insertInto('members').values({ id: 'mem_prov', name: 'provider', asns: '[64901]', roles: '[]', contact: '{}', created_at: 1 }).execute();
      await db.insertInto('quality_agents').values({ id: 'qagent_old', provider: 'mem_prov', token_hash: sha('bxa_legacy_active'), created_at: 1, revoked_at: null }).execute();
      await db.insertInto('quality_agents').values({ id: 'qagent_gone', provider: 'mem_prov', token_hash: sha('bxa_legacy_revoked'), created_at: 1, revoked_at: 2 }).execute();
      await old.close();

      const clock = new ManualClock('2026-11-01T00:00:00Z');
      const app = await buildApp({ config: makeConfig({}), clock, ids: sequentialIds(), reporter: createReporter({ destination: false }), store: cfg });
      try {
        const call = (url: string, token: string, method: 'GET' | 'POST' = 'GET') =>
          app.fastify.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(method === 'POST' ? { payload: {} } : {}) });
        const me = await call('/v1/me', 'bxa_legacy_active');
        expect(me.statusCode, me.body).toBe(200);
        expect(me.json()).toMatchObject({ kind: 'agent', agentId: 'qagent_old', memberId: 'mem_prov' });
        expect((await call('/v1/quality/jobs/lease', 'bxa_legacy_active', 'POST')).statusCode).toBe(200);
        expect((await call('/v1/quality/jobs/lease', 'bxa_legacy_revoked', 'POST')).statusCode).toBe(401);
      } finally {
        await app.close();
      }
    });
  });
}
