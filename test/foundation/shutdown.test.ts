/**
 * Graceful shutdown over real sockets: once close() has begun, a request that arrives (its
 * headers complete) is answered 503 SHUTTING_DOWN, while a request already in flight (its body
 * still streaming in) completes normally and is durable.
 */
import { connect, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import { describeStores } from '../support/harness.ts';

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Collects one whole HTTP/1.1 response (Content-Length framed). */
function response(s: Socket): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers = buf.slice(0, end);
      const len = Number(/content-length:\s*(\d+)/i.exec(headers)?.[1] ?? 0);
      if (buf.length - end - 4 < len) return;
      resolve({ status: Number(headers.split(' ')[1]), headers, body: buf.slice(end + 4, end + 4 + len) });
    });
    s.once('error', reject);
    s.once('close', () => reject(new Error(`connection closed; got ${JSON.stringify(buf)}`)));
  });
}

describeStores('shutdown', (env) => {
  it('a request arriving during shutdown gets 503 SHUTTING_DOWN; the in-flight one completes and is kept', async () => {
    await env.app.fastify.listen({ port: 0, host: '127.0.0.1' });
    const port = (env.app.fastify.server.address() as { port: number }).port;
    const name = env.unique('inflight');
    const body = JSON.stringify({ name, asns: [65201] });
    const auth = `Authorization: Bearer ${env.adminToken}\r\n`;

    // In flight: headers and half the body sent before shutdown begins.
    const a = await open(port);
    const aAnswer = response(a);
    a.write(`POST /v1/members HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    // Arriving: its headers are not complete yet when shutdown begins.
    const b = await open(port);
    const bAnswer = response(b);
    b.write(`GET /v1/members HTTP/1.1\r\nHost: x\r\n`);
    await new Promise((r) => setTimeout(r, 200)); // let the server read both partial requests

    const closed = env.app.close();
    await new Promise((r) => setTimeout(r, 50)); // shutdown has begun (preClose ran)
    b.write(`${auth}\r\n`);
    const refused = await bAnswer;
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.code).toBe('SHUTTING_DOWN');

    a.write(body.slice(10));
    const done = await aAnswer;
    expect(done.status).toBe(201);
    expect(JSON.parse(done.body).name).toBe(name);
    expect(done.headers.toLowerCase()).toContain('connection: close');
    a.destroy();
    b.destroy();
    await closed;

    // The in-flight command was committed before the journal closed.
    await env.restart();
    const list = await env.call('GET', '/v1/members', { query: { limit: 500 } });
    expect(list.body.items.map((m: { name: string }) => m.name)).toContain(name);
  });
});
