// The route registry and looking glass through the HTTP API of the whole app (src/app.ts), on
// SQLite and PostgreSQL, with the route server listening on loopback and a real BIRD as the
// seller's router. The trade arrives as the market journals it (`TradeMatched`).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BirdDaemon } from '../bgp/harness/bird.ts';
import { waitFor } from '../bgp/harness/proc.ts';
import { describeStores } from '../support/harness.ts';
import { tradeNumber } from '../../src/arbiter/trade-view.ts';

const RS = '127.0.4.1';
const RS_PORT = 12795;
const SELLER_RTR = '127.0.4.2';

describeStores(
  'route registry API',
  (env) => {
    let bird: BirdDaemon | undefined;
    let alicePort = '';
    let aliceAsn = 0;
    beforeAll(async () => {
      const a = await env.call('GET', `/v1/members/${env.alice.id}`);
      aliceAsn = a.body.asns[0];
      const p = await env.call('POST', '/v1/ports', {
        body: { memberId: env.alice.id, name: env.unique('a1'), capacityMbps: 10_000, routerIps: [SELLER_RTR] },
      });
      expect(p.status).toBe(201);
      alicePort = p.body.id;
      await env.call('POST', '/v1/ports', { body: { memberId: env.bob.id, name: env.unique('b1'), capacityMbps: 10_000, routerIps: ['127.0.4.3'] } });
      bird = new BirdDaemon({
        address: SELLER_RTR,
        port: 12796,
        asn: aliceAsn,
        nextHop4: SELLER_RTR,
        neighbors: [{ address: RS, port: RS_PORT, asn: 64999, families: ['ipv4'] }],
        // (not documentation prefixes: the harness BIRD routes those via lo, which would shadow them)
      routes: [{ prefix: '100.40.0.0/24' }, { prefix: '100.41.0.0/24' }, { prefix: '10.9.0.0/16' }],
      });
      await bird.start();
    }, 30_000);
    afterAll(async () => {
      await bird?.stop();
    });

    it('registers prefixes and a routing policy, refuses bad ones, keeps them across a restart', async () => {
      const url = `/v1/members/${env.bob.id}/prefixes`;
      const ok = await env.call('POST', url, { token: env.bob.token, body: { prefix: '100.2.0.0/24', description: 'office' } });
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ memberId: env.bob.id, prefix: '100.2.0.0/24', description: 'office' });
      const bogon = await env.call('POST', url, { token: env.bob.token, body: { prefix: '10.0.0.0/8' } });
      expect([bogon.status, bogon.body.error.code, bogon.body.error.field]).toEqual([400, 'ROUTES_PREFIX_NOT_ALLOWED', 'prefix']);
      const hostBits = await env.call('POST', url, { token: env.bob.token, body: { prefix: '100.2.0.1/24' } });
      expect([hostBits.status, hostBits.body.error.code]).toEqual([400, 'ROUTES_PREFIX_INVALID']);
      const other = await env.call('POST', url, { token: env.alice.token, body: { prefix: '100.3.0.0/24' } });
      expect(other.status).toBe(404);
      const pol = await env.call('PATCH', `/v1/members/${env.bob.id}/routing-policy`, { token: env.bob.token, body: { noExport: false } });
      expect(pol.body).toEqual({ noExport: false, receiveBuyerPrefixes: true, maxPrefixes: null });
      const badPol = await env.call('PATCH', `/v1/members/${env.bob.id}/routing-policy`, { token: env.bob.token, body: { noExport: 'yes' } });
      expect(badPol.status).toBe(400);
      await env.restart();
      expect((await env.call('GET', url, { token: env.bob.token })).body.items.map((p: { prefix: string }) => p.prefix)).toEqual(['100.2.0.0/24']);
      expect((await env.call('GET', `/v1/members/${env.bob.id}/routing-policy`, { token: env.bob.token })).body.noExport).toBe(false);
      const del = await env.call('DELETE', url, { token: env.bob.token, query: { prefix: '100.2.0.0/24' } });
      expect(del.status).toBe(200);
      expect((await env.call('DELETE', url, { token: env.bob.token, query: { prefix: '100.2.0.0/24' } })).body.error.code).toBe('ROUTES_PREFIX_NOT_REGISTERED');
    });

    it('files the routes the seller router announces, with the reasons for the rejected ones', async () => {
      await waitFor('seller routes learned', async () => {
        const r = await env.call('GET', '/v1/routes', { query: { member: env.alice.id } });
        return r.body.items.length === 3 ? r.body.items : undefined;
      }, 30_000, 200);
      const all = (await env.call('GET', '/v1/routes', { query: { member: env.alice.id } })).body.items;
      const byPrefix = Object.fromEntries(all.map((r: { prefix: string }) => [r.prefix, r]));
      expect(byPrefix['100.40.0.0/24']).toMatchObject({ status: 'accepted', router: SELLER_RTR, attrs: { nextHop: SELLER_RTR, asPath: String(aliceAsn) } });
      expect(byPrefix['10.9.0.0/16'].reasons.map((x: { code: string }) => x.code)).toEqual(['BOGON_PREFIX']);
      // longest match and covering lookups across members
      const lm = await env.call('GET', '/v1/routes', { query: { prefix: '100.40.0.77/32', match: 'longest' } });
      expect(lm.body.items.map((r: { prefix: string }) => r.prefix)).toEqual(['100.40.0.0/24']);
      // another member sees accepted routes, not the rejected ones
      const asBob = await env.call('GET', '/v1/routes', { token: env.bob.token, query: { member: env.alice.id } });
      expect(asBob.body.items.map((r: { prefix: string }) => r.prefix).sort()).toEqual(['100.40.0.0/24', '100.41.0.0/24']);
      const sessions = await env.call('GET', '/v1/bgp/sessions', { token: env.alice.token });
      expect(sessions.body.items).toMatchObject([{ memberId: env.alice.id, address: SELLER_RTR, state: 'Established', prefixesIn: 3 }]);
    });

    it('a trade matched by the market (orders through the API) shows in the looking glass, and why', async () => {
      const bobPort = (await env.call('GET', '/v1/ports', { query: { memberId: env.bob.id } })).body.items[0].id;
      expect((await env.call('GET', `/v1/members/${env.bob.id}/exports`, { token: env.bob.token })).body.items).toEqual([]); // default deny: no trade yet
      const start = new Date(Math.ceil(env.clock.now() / 1000) * 1000).toISOString();
      const end = new Date(Math.ceil(env.clock.now() / 1000) * 1000 + 86_400_000).toISOString();
      const order = { destination: '100.41.0.0/24', protocol: 'ipv4', prefixType: 'specific', capacityMbps: 100, minBlockMbps: 100, price: '2.000000', orderType: 'limit', timeInForce: 'GTC', start, end };
      const sell = await env.call('POST', '/v1/orders', { token: env.alice.token, body: { ...order, side: 'sell', portId: alicePort } });
      expect(sell.status).toBe(201);
      const buy = await env.call('POST', '/v1/orders', { token: env.bob.token, body: { ...order, side: 'buy', portId: bobPort } });
      expect(buy.status).toBe(201);
      const trades = await env.call('GET', '/v1/trades', { token: env.bob.token });
      const tradeId = trades.body.items[0].id as string;
      const ex = await waitFor('export of the matched trade', async () => {
        const r = await env.call('GET', `/v1/members/${env.bob.id}/exports`, { token: env.bob.token });
        return r.body.items.length ? r.body.items : undefined;
      }, 5_000, 50);
      expect(ex).toEqual([
        {
          prefix: '100.41.0.0/24',
          source: { memberId: env.alice.id, router: SELLER_RTR },
          // bob switched NO_EXPORT off above, so only the trade's large community is added
          attrs: { origin: 'igp', asPath: String(aliceAsn), nextHop: SELLER_RTR, communities: [], largeCommunities: [`64999:1:${tradeNumber(tradeId)}`] },
          reasons: [{ tradeId, tradeNumber: tradeNumber(tradeId), role: 'delivery' }],
          shadowed: [],
        },
      ]);
      expect((await env.call('GET', `/v1/members/${env.bob.id}/exports`, { token: env.alice.token })).status).toBe(404);
      // the arbiter journals what it did, visible to buyer and seller
      await env.app.ctx.journal.flush();
      const started = await env.app.ctx.journal.read({ types: ['TradeExportStarted'], visibleTo: env.bob.id });
      expect(started.map((e) => (e.payload as { tradeId: string }).tradeId)).toContain(tradeId);
      // after a restart the trade comes back from the journal and the seller's routes from BGP
      await env.restart();
      const again = await waitFor('exports after restart', async () => {
        const r = await env.call('GET', `/v1/members/${env.bob.id}/exports`, { token: env.bob.token });
        return r.body.items.length ? r.body.items : undefined;
      }, 30_000, 200);
      expect(again.map((r: { prefix: string }) => r.prefix)).toEqual(['100.41.0.0/24']);
    }, 60_000);

    it('generates the neighbor configuration for a port (bandex port config)', async () => {
      const bird = await env.call('GET', `/v1/ports/${alicePort}/bgp-config`, { token: env.alice.token });
      expect(bird.body.format).toBe('bird');
      expect(bird.body.config).toContain(`neighbor ${RS} port ${RS_PORT} as 64999;`);
      expect(bird.body.config).toContain(`local ${SELLER_RTR} as ${aliceAsn};`);
      const frr = await env.call('GET', `/v1/ports/${alicePort}/bgp-config`, { token: env.alice.token, query: { format: 'frr' } });
      expect(frr.body.config).toContain(`neighbor ${RS} remote-as 64999`);
      expect((await env.call('GET', `/v1/ports/${alicePort}/bgp-config`, { token: env.bob.token })).status).toBe(404);
    });
  },
  {
    config: {
      bgp: {
        listen: `${RS}:${RS_PORT}`,
        passive: true,
        holdTime: 30,
        allowDocumentationPrefixes: true,
        allowDocumentationAsns: true,
        allowPrivateAsns: true,
      },
    },
  },
);
