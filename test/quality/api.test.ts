import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeStores } from '../support/harness.ts';

const fixture = (n: string): string => readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8');

describeStores(
  'quality API',
  (env) => {
    const at = '2026-11-01T00:00:00.000Z';
    const m = (o: Record<string, unknown> = {}) => ({ provider: env.alice.id, destination: '198.51.100.0/24', target: '198.51.100.7', method: 'icmp', at, sent: 5, rtts: [10, 11, 12, 13], ...o });

    it('files admin measurements and answers statistics, class and the market look-up', async () => {
      const r = await env.call('POST', '/v1/quality/measurements', { body: { measurements: [m(), m({ rtts: [12, 12, 12, 12, 12] })] } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.stored[0]).toMatchObject({ verified: true, source: 'admin', at });
      const q = await env.call('GET', '/v1/quality', { token: env.bob.token, query: { provider: env.alice.id, destination: '198.51.100.0/25' } });
      expect(q.status).toBe(200);
      expect(q.body.responseClass).toBe('premium');
      expect(q.body.lookup).toMatchObject({ verified: true, samples: 10, lossPct: 10 });
      expect(q.body.lookup.latencyMs).toBeCloseTo(106 / 9, 9);
      const s = q.body.series.find((x: { destination: string }) => x.destination === '198.51.100.0/24');
      expect(s).toMatchObject({ sent: 10, received: 9, medianMs: 12, availability: 1, measuredAt: at, sources: { admin: 2 } });
      expect(env.app.services.quality.lookup(env.alice.id, '198.51.100.0/24')?.samples).toBe(10);
    });

    it('keeps a member’s own figures as unverified claims and refuses claims about others', async () => {
      const own = await env.call('POST', '/v1/quality/measurements', {
        token: env.bob.token,
        body: { measurements: [m({ provider: env.bob.id, destination: '203.0.113.0/24', target: '203.0.113.1', rtts: [1, 1, 1, 1, 1] })] },
      });
      expect(own.status).toBe(201);
      expect(own.body.stored[0]).toMatchObject({ verified: false, source: `member:${env.bob.id}`, method: 'claim' });
      expect(env.app.services.quality.lookup(env.bob.id, '203.0.113.0/24')).toMatchObject({ verified: false, latencyMs: 1 });
      const other = await env.call('POST', '/v1/quality/measurements', { token: env.bob.token, body: { measurements: [m()] } });
      expect(other.status).toBe(403);
      expect(other.body.error.code).toBe('QUALITY_NOT_ALLOWED');
      const lie = await env.call('POST', '/v1/quality/measurements', { token: env.bob.token, body: { measurements: [m({ provider: env.bob.id, verified: true })] } });
      expect(lie.status).toBe(403);
      const none = await env.call('POST', '/v1/quality/measurements', { token: null, body: { measurements: [m()] } });
      expect(none.status).toBe(401);
    });

    it('refuses bad measurements naming the field, and files none of the batch', async () => {
      const before = env.app.services.quality.lookup(env.alice.id, '192.0.2.0/24');
      const r = await env.call('POST', '/v1/quality/measurements', {
        body: { measurements: [m({ destination: '192.0.2.0/24', target: '192.0.2.1' }), m({ destination: '192.0.2.1/24' })] },
      });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'QUALITY_BAD_MEASUREMENT', field: 'measurements[1].destination' });
      expect(env.app.services.quality.lookup(env.alice.id, '192.0.2.0/24')).toEqual(before);
      const extra = await env.call('POST', '/v1/quality/measurements', { body: { measurements: [m({ colour: 'red' })] } });
      expect(extra.status).toBe(400);
    });

    const atlasNow = () => {
      const shift = Math.floor(env.clock.now() / 1000) - 1763719500;
      return fixture('atlas-ping.json').replace(/"timestamp":(\d+)/g, (_x, t: string) => `"timestamp":${Number(t) + shift}`);
    };

    it('imports RIPE Atlas results and CSV with their source', async () => {
      const atlas = await env.call('POST', '/v1/quality/measurements', {
        // The sample file is from 2025: move its times to the test clock, inside the statistics window.
        body: { format: 'atlas', data: atlasNow(), probeProviders: { '6001': env.alice.id, '6002': env.bob.id } },
      });
      expect(atlas.status).toBe(201);
      expect(atlas.body.stored).toHaveLength(4);
      expect(atlas.body.skipped).toHaveLength(2);
      const q = await env.call('GET', '/v1/quality', { query: { provider: env.bob.id, destination: '193.0.14.129/32' } });
      expect(q.body.lookup).toMatchObject({ verified: true, samples: 3 });
      expect(q.body.series[0].sources).toEqual({ 'ripe-atlas:msm1001:prb6002': 1 });
      const csv = await env.call('POST', '/v1/quality/measurements', {
        body: { format: 'csv', data: fixture('quality.csv').replaceAll('mem_a', env.alice.id).replaceAll('mem_b', env.bob.id), source: 'csv:partner' },
      });
      expect(csv.status).toBe(201);
      expect(csv.body.stored.map((x: { source: string }) => x.source)).toEqual(['csv:partner', 'csv:partner', 'csv:partner']);
      const bad = await env.call('POST', '/v1/quality/measurements', { body: { format: 'atlas', data: '[{"type":"ping"' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('QUALITY_BAD_IMPORT');
    });

    it('gives probe jobs to the provider’s agent, files its results verified, and revokes it', async () => {
      const reg = await env.call('POST', '/v1/quality/agents', { body: { provider: env.alice.id } });
      expect(reg.status, JSON.stringify(reg.body)).toBe(201);
      const token = reg.body.token as string;
      expect((await env.call('POST', '/v1/quality/agents', { token: env.alice.token, body: { provider: env.alice.id } })).status).toBe(403);
      const t = await env.call('POST', '/v1/quality/targets', {
        body: { provider: env.alice.id, destination: '192.0.2.0/24', target: '192.0.2.9', method: 'udp', port: 7362, count: 4, lane: `agent:${env.alice.id}` },
      });
      expect(t.status).toBe(201);
      const lease = await env.call('POST', '/v1/quality/jobs/lease', { token, body: { max: 5 } });
      expect(lease.status).toBe(200);
      expect(lease.body.jobs).toHaveLength(1);
      const job = lease.body.jobs[0];
      expect(job).toMatchObject({ provider: env.alice.id, destination: '192.0.2.0/24', target: '192.0.2.9', method: 'udp', port: 7362, count: 4 });
      // A member key is not an agent.
      expect((await env.call('POST', '/v1/quality/jobs/lease', { token: env.alice.token, body: {} })).status).toBe(403);
      const res = await env.call('POST', `/v1/quality/jobs/${job.id}/result`, { token, body: { at, sent: 4, rtts: [30, 31, 32] } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ provider: env.alice.id, destination: '192.0.2.0/24', verified: true, sent: 4 });
      expect(res.body.source).toBe(`agent:${reg.body.id}`);
      expect((await env.call('POST', `/v1/quality/jobs/${job.id}/result`, { token, body: { at, sent: 4, rtts: [] } })).status).toBe(404);
      // The agent reports for its provider only.
      const foreign = await env.call('POST', '/v1/quality/measurements', { token, body: { measurements: [m({ provider: env.bob.id })] } });
      expect(foreign.status).toBe(403);
      expect((await env.call('DELETE', `/v1/quality/agents/${reg.body.id}`)).status).toBe(204);
      expect((await env.call('POST', '/v1/quality/jobs/lease', { token, body: {} })).status).toBe(401);
      const list = await env.call('GET', '/v1/quality/agents');
      expect(list.body.items.find((a: { id: string }) => a.id === reg.body.id).revokedAt).not.toBeNull();
      expect(JSON.stringify(list.body)).not.toContain('tokenHash');
    });

    it('turns a prefix a member registers into a probe target through that member (B6), and drops it again', async () => {
      const targets = async () => (await env.call('GET', '/v1/quality/targets')).body.items as Array<{ key: string; weight: number; target: string; method: string; lane: string }>;
      const key = `${env.bob.id}|185.199.108.0/24|icmp|185.199.108.1|`;
      const until = async (ok: () => Promise<boolean>) => {
        for (let i = 0; i < 100 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 20));
      };
      const reg = await env.call('POST', `/v1/members/${env.bob.id}/prefixes`, { token: env.bob.token, body: { prefix: '185.199.108.0/24' } });
      expect(reg.status, JSON.stringify(reg.body)).toBe(201);
      await until(async () => (await targets()).some((t) => t.key === key));
      expect((await targets()).find((t) => t.key === key)).toMatchObject({ target: '185.199.108.1', method: 'icmp', weight: 1 });
      // No source-address binding for bob: the exchange cannot probe through bob itself; bob's agents will.
      expect((await targets()).find((t) => t.key === key)!.lane).toBe(`agent:${env.bob.id}`);
      const del = await env.call('DELETE', `/v1/members/${env.bob.id}/prefixes`, { token: env.bob.token, query: { prefix: '185.199.108.0/24' } });
      expect(del.status).toBe(200);
      await until(async () => !(await targets()).some((t) => t.key === key));
      expect((await targets()).some((t) => t.key === key)).toBe(false);
    });

    it('keeps measurements, targets and agents across a restart', async () => {
      const before = env.app.services.quality.lookup(env.alice.id, '198.51.100.0/24');
      const targets = (await env.call('GET', '/v1/quality/targets')).body.items.length;
      await env.restart();
      expect(env.app.services.quality.lookup(env.alice.id, '198.51.100.0/24')).toEqual(before);
      expect((await env.call('GET', '/v1/quality/targets')).body.items.length).toBe(targets);
      const ev = await env.call('GET', '/v1/events', { query: { types: 'QualityMeasured' } });
      if (ev.status === 200 && Array.isArray(ev.body.items)) expect(ev.body.items.length).toBeGreaterThan(0);
    });

    it('replays page by page and prunes raw measurements past the retention', async () => {
      const q = env.app.services.quality;
      const t0 = env.clock.now();
      // 6 000 runs: more than one replay page (5 000).
      const many = Array.from({ length: 6000 }, (_, i) => ({ provider: env.alice.id, destination: '198.18.0.0/15', target: '198.18.0.1', method: 'udp' as const, at: t0 - i, sent: 1, rtts: [i % 50], source: 'admin', verified: true }));
      for (let i = 0; i < many.length; i += 2000) await q.submit(many.slice(i, i + 2000), { role: 'admin' });
      const before = q.stats(env.alice.id, '198.18.0.0/15').series[0];
      await env.restart();
      const after = env.app.services.quality.stats(env.alice.id, '198.18.0.0/15').series[0];
      expect(after).toEqual(before);
      const count = async (before = Number.MAX_SAFE_INTEGER) =>
        Number((await env.app.ctx.store.db.selectFrom('quality_measurements').select((eb) => eb.fn.countAll().as('n')).where('at', '<', before).executeTakeFirstOrThrow()).n);
      expect(await count()).toBeGreaterThanOrEqual(6000);
      env.clock.advance(31 * 86_400_000);
      await env.restart();
      // Retention 30 days (default): everything older is gone; the CSV rows dated later stay.
      expect(await count(env.clock.now() - 30 * 86_400_000)).toBe(0);
      expect(await count()).toBeLessThan(10);
    });
  },
  { config: { quality: { probing: false } } },
);
