/** The market through the HTTP API, on SQLite and PostgreSQL, including a restart (recovery). */
import { expect, it } from 'vitest';
import { describeStores, type TestEnv } from '../support/harness.ts';

const DEC = '2026-12-01T00:00:00Z';
const JAN = '2027-01-01T00:00:00Z';

async function port(env: TestEnv, memberId: string, capacityMbps = 10_000): Promise<string> {
  const n = Math.floor(Math.random() * 250) + 1;
  const r = await env.call('POST', '/v1/ports', {
    body: { memberId, name: env.unique('port'), capacityMbps, routerIps: [`10.${n}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`] },
  });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body.id;
}

describeStores('market API', (env) => {
  let pa = '';
  let pb = '';
  const order = (side: 'buy' | 'sell', x: Record<string, unknown> = {}) => ({
    side,
    destination: '198.51.100.0/24',
    prefixType: 'transit',
    capacityMbps: 1000,
    price: '2.50',
    start: DEC,
    end: JAN,
    ...x,
  });

  it('matches a sell and a buy, answers with the trade, lists them for both sides only', async () => {
    pa = await port(env, env.alice.id);
    pb = await port(env, env.bob.id);
    const s = await env.call('POST', '/v1/orders', { token: env.alice.token, body: order('sell', { portId: pa, destination: '198.51.100.0/22', quality: { latencyMs: 12 } }) });
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({ side: 'sell', status: 'open', price: '2.50', start: '2026-12-01T00:00:00.000Z', trades: [] });
    const b = await env.call('POST', '/v1/orders', { token: env.bob.token, body: order('buy', { portId: pb, price: '3.00', capacityMbps: 400, quality: { maxLatencyMs: 20 } }) });
    expect(b.status).toBe(201);
    expect(b.body.status).toBe('filled');
    expect(b.body.trades).toHaveLength(1);
    const t = b.body.trades[0];
    // Trade at the resting price; a whole December at 2.50 per Mbps for 400 Mbps is 1000.00.
    expect(t).toMatchObject({ buyerId: env.bob.id, sellerId: env.alice.id, capacityMbps: 400, price: '2.50', value: '1000.00', destination: '198.51.100.0/24', status: 'scheduled' });
    expect(t.quality).toEqual({ latencyMs: 12, verified: false });
    for (const who of [env.alice, env.bob]) {
      const tr = await env.call('GET', '/v1/trades', { token: who.token });
      expect(tr.body.items.map((x: { id: string }) => x.id)).toEqual([t.id]);
    }
    const mine = await env.call('GET', '/v1/orders', { token: env.alice.token, query: { status: 'open' } });
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.items[0]).toMatchObject({ id: s.body.id, filledMbps: 400 });
    expect((await env.call('GET', `/v1/orders/${s.body.id}`, { token: env.bob.token })).status).toBe(404);
    // Book depth is public and anonymous.
    const book = await env.call('GET', '/v1/book', { token: null, query: { destination: '198.51.100.0/22' } });
    expect(book.status).toBe(200);
    expect(book.body).toEqual({ destination: '198.51.100.0/22', protocol: 'ipv4', bids: [], asks: [{ price: '2.50', mbps: 600, orders: 1 }] });
    // Anonymous trades and book deltas are journaled on their public topics.
    const pub = await env.app.ctx.journal.read({ topics: ['market.trades', 'market.book'] });
    expect(pub.map((e) => e.type)).toContain('TradesPrinted');
    expect(JSON.stringify(pub)).not.toContain(env.bob.id);
  });

  it('names every bad field and changes nothing', async () => {
    const before = await env.call('GET', '/v1/book', { token: null, query: { destination: '198.51.100.0/22' } });
    const r = await env.call('POST', '/v1/orders', {
      token: env.bob.token,
      body: order('buy', { portId: pb, destination: '10.0.0.1/8', capacityMbps: 1000, minBlockMbps: 300, price: '-1', end: '2026-12-01' }),
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('MARKET_INVALID_ORDER');
    expect(r.body.error.field).toBe('destination');
    const fields = r.body.error.details.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(['destination', 'capacityMbps', 'price', 'end']);
    const other = await env.call('POST', '/v1/orders', { token: env.bob.token, body: order('buy', { portId: pa }) });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: 'MARKET_PORT_UNKNOWN', field: 'portId' });
    const big = await env.call('POST', '/v1/orders', { token: env.bob.token, body: order('buy', { portId: pb, capacityMbps: 20_000 }) });
    expect(big.body.error).toMatchObject({ code: 'MARKET_CAPACITY_EXCEEDS_PORT', field: 'capacityMbps' });
    const admin = await env.call('POST', '/v1/orders', { body: order('buy', { portId: pb }) });
    expect(admin.status).toBe(403);
    expect((await env.call('GET', '/v1/book', { token: null, query: { destination: '198.51.100.0/22' } })).body).toEqual(before.body);
  });

  it('idempotent client order ids, amend and cancel', async () => {
    const body = order('buy', { portId: pb, price: '1.00', clientOrderId: 'bob-1' });
    const a = await env.call('POST', '/v1/orders', { token: env.bob.token, body });
    expect(a.status).toBe(201);
    const again = await env.call('POST', '/v1/orders', { token: env.bob.token, body });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(a.body.id);
    const reused = await env.call('POST', '/v1/orders', { token: env.bob.token, body: { ...body, price: '1.10' } });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({ code: 'MARKET_CLIENT_ORDER_ID_REUSED', field: 'clientOrderId' });
    // Capacity down keeps priority; a price change loses it.
    const down = await env.call('PATCH', `/v1/orders/${a.body.id}`, { token: env.bob.token, body: { capacityMbps: 500 } });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ capacityMbps: 500, priority: a.body.priority });
    const up = await env.call('PATCH', `/v1/orders/${a.body.id}`, { token: env.bob.token, body: { price: '1.20' } });
    expect(up.body.price).toBe('1.20');
    expect(up.body.priority).toBeGreaterThan(a.body.priority);
    expect((await env.call('PATCH', `/v1/orders/${a.body.id}`, { token: env.alice.token, body: { price: '1.30' } })).status).toBe(404);
    const c = await env.call('DELETE', `/v1/orders/${a.body.id}`, { token: env.bob.token });
    expect(c.body).toMatchObject({ status: 'cancelled', closeReason: 'member' });
    const twice = await env.call('DELETE', `/v1/orders/${a.body.id}`, { token: env.bob.token });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('MARKET_ORDER_CLOSED');
  });

  it('streams book deltas and anonymous trades to everyone, order updates and trades only to their members', async () => {
    type Msg = { type: string; event?: { type: string; topic: string; payload: Record<string, unknown> } };
    const listen = async (token: string) => {
      const ws = await env.app.fastify.injectWS('/v1/stream', { headers: { authorization: `Bearer ${token}` } });
      const msgs: Msg[] = [];
      ws.on('message', (d) => msgs.push(JSON.parse(String(d)) as Msg));
      ws.send(JSON.stringify({ op: 'subscribe', topics: ['market.*', 'orders', 'trades'] }));
      while (!msgs.some((m) => m.type === 'subscribed')) await new Promise((r) => setTimeout(r, 5));
      return { ws, msgs, types: () => msgs.filter((m) => m.event).map((m) => `${m.event!.topic}:${m.event!.type}`) };
    };
    const alice = await listen(env.alice.token);
    const bob = await listen(env.bob.token);
    await env.call('POST', '/v1/orders', { token: env.alice.token, body: order('sell', { portId: pa, destination: '192.0.2.0/24', price: '4.00' }) });
    await env.call('POST', '/v1/orders', { token: env.bob.token, body: order('buy', { portId: pb, destination: '192.0.2.0/24', price: '4.00', capacityMbps: 100 }) });
    while (!bob.types().includes('market.trades:TradesPrinted') || !alice.types().includes('trades:TradeMatched')) await new Promise((r) => setTimeout(r, 5));
    expect(alice.types()).toEqual(expect.arrayContaining(['orders:OrderAccepted', 'market.book:BookChanged', 'trades:TradeMatched', 'market.trades:TradesPrinted']));
    // Bob sees his own order and the trade, never alice's order.
    const bobOrders = bob.msgs.filter((m) => m.event?.topic === 'orders').map((m) => (m.event!.payload.spec as { memberId: string }).memberId);
    expect(bobOrders).toEqual([env.bob.id]);
    const printed = bob.msgs.find((m) => m.event?.type === 'TradesPrinted')!.event!.payload;
    expect(printed).toMatchObject({ trades: [{ destination: '192.0.2.0/24', capacityMbps: 100, price: '4.00' }] });
    expect(JSON.stringify(printed)).not.toContain(env.alice.id);
    const book = alice.msgs.filter((m) => m.event?.type === 'BookChanged').at(-1)!.event!.payload;
    expect(book.levels).toEqual(expect.arrayContaining([{ destination: '192.0.2.0/24', protocol: 'ipv4', side: 'sell', price: '4.00', mbps: 900, orders: 1 }]));
    alice.ws.terminate();
    bob.ws.terminate();
  });

  it('rebuilds the books from the journal after a restart and keeps matching', async () => {
    const book = await env.call('GET', '/v1/book', { token: null, query: { destination: '198.51.100.0/22' } });
    const orders = await env.call('GET', '/v1/orders', { token: env.alice.token });
    await env.restart();
    expect((await env.call('GET', '/v1/book', { token: null, query: { destination: '198.51.100.0/22' } })).body).toEqual(book.body);
    expect((await env.call('GET', '/v1/orders', { token: env.alice.token })).body).toEqual(orders.body);
    // The 600 Mbps left of alice's offer are still for sale after the restart.
    const b = await env.call('POST', '/v1/orders', { token: env.bob.token, body: order('buy', { portId: pb, price: '2.60', capacityMbps: 600, timeInForce: 'FOK' }) });
    expect(b.body.status).toBe('filled');
    expect(b.body.trades[0]).toMatchObject({ capacityMbps: 600, price: '2.50' });
    // Trades start and end on the clock.
    env.clock.set(DEC);
    await env.app.services.market.tick();
    const tr = await env.call('GET', '/v1/trades', { token: env.bob.token });
    expect(tr.body.items.map((x: { status: string }) => x.status)).toEqual(['active', 'active', 'active']);
  });
});
