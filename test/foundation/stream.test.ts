/** WebSocket /v1/stream: topics, visibility filtering, replay from a seq, auth. */
import { expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { describeStores, type TestEnv } from '../support/harness.ts';

interface Msg {
  type: string;
  event?: { seq: number; type: string; topic: string; payload: unknown };
  seq?: number;
}

function collect(ws: WebSocket): { msgs: Msg[]; next(pred: (m: Msg) => boolean): Promise<Msg> } {
  const msgs: Msg[] = [];
  const waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as Msg;
    msgs.push(m);
    for (const w of [...waiters]) if (w.pred(m)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  return {
    msgs,
    next: (pred) => {
      const found = msgs.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

const open = (env: TestEnv, token: string, viaQuery = false) =>
  env.app.fastify.injectWS(viaQuery ? `/v1/stream?token=${encodeURIComponent(token)}` : '/v1/stream', viaQuery ? {} : { headers: { authorization: `Bearer ${token}` } });

describeStores('stream', (env) => {
  it('delivers events of subscribed topics after commit; a member only public ones and its own', async () => {
    const admin = await open(env, env.adminToken);
    const alice = await open(env, env.alice.token, true);
    const a = collect(admin);
    const b = collect(alice);
    admin.send(JSON.stringify({ op: 'subscribe', topics: ['test.*'] }));
    alice.send(JSON.stringify({ op: 'subscribe', topics: ['test.news', 'test.private'] }));
    await a.next((m) => m.type === 'subscribed');
    await b.next((m) => m.type === 'subscribed');
    const j = env.app.ctx.journal;
    await Promise.all([
      j.append({ type: 'News', topic: 'test.news', payload: { n: 1 } }),
      j.append({ type: 'Secret', topic: 'test.private', visibility: [env.bob.id], payload: { n: 2 } }),
      j.append({ type: 'Mine', topic: 'test.private', visibility: [env.alice.id], payload: { n: 3 } }),
      j.append({ type: 'Other', topic: 'elsewhere', payload: { n: 4 } }),
      j.append({ type: 'Untopical', payload: { n: 5 } }),
    ]);
    await a.next((m) => m.event?.type === 'Mine');
    await b.next((m) => m.event?.type === 'Mine');
    expect(a.msgs.filter((m) => m.type === 'event').map((m) => m.event!.type)).toEqual(['News', 'Secret', 'Mine']);
    expect(b.msgs.filter((m) => m.type === 'event').map((m) => m.event!.type)).toEqual(['News', 'Mine']);
    admin.send(JSON.stringify({ op: 'ping' }));
    await a.next((m) => m.type === 'pong');
    admin.terminate();
    alice.terminate();
  });

  it('replays from afterSeq and then continues live without gaps or duplicates', async () => {
    const j = env.app.ctx.journal;
    const first = await j.append({ type: 'R1', topic: 'replay', payload: null });
    await j.append({ type: 'R2', topic: 'replay', visibility: [env.alice.id], payload: null });
    const ws = await open(env, env.alice.token);
    const c = collect(ws);
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['replay'], afterSeq: first.seq - 1 }));
    await c.next((m) => m.event?.type === 'R2');
    await j.append({ type: 'R3', topic: 'replay', payload: null });
    await c.next((m) => m.event?.type === 'R3');
    expect(c.msgs.filter((m) => m.type === 'event').map((m) => m.event!.type)).toEqual(['R1', 'R2', 'R3']);
    ws.send('not json');
    await c.next((m) => m.type === 'error');
    ws.terminate();
  });

  it('refuses a connection without a valid key', async () => {
    await expect(env.app.fastify.injectWS('/v1/stream')).rejects.toThrow(/401/);
    await expect(open(env, 'bdx_wrong')).rejects.toThrow(/401/);
  });
});
