/**
 * WebSocket `/v1/stream`: live journal events by topic.
 *
 * Client → server (JSON text frames):
 *   {"op":"subscribe","topics":["market.trades","orders"],"afterSeq":123}   afterSeq optional: replay first
 *   {"op":"unsubscribe","topics":["orders"]}
 *   {"op":"ping"}
 * Server → client:
 *   {"type":"subscribed","topics":[...],"seq":N}   N = newest committed seq at that moment
 *   {"type":"event","event":{seq,time,type,actor,topic,payload,...}}
 *   {"type":"error","error":{code,message}} · {"type":"pong"}
 * A topic is an exact name, `prefix.*`, or `*` (all). An event is sent when its topic matches and
 * the caller may see it: public events to everyone, private ones to the listed members, all to
 * admins. Events without a topic are never streamed. Events arrive in seq order, after commit.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { canSee, commonErrors, type JournalEvent } from '../lib/index.ts';
import { viewerOf } from './auth.ts';
import type { ApiContext } from './context.ts';
import { presentEvent } from './present.ts';

const MAX_BUFFERED = 8 * 1024 * 1024;

export function topicMatches(patterns: ReadonlySet<string>, topic: string | null): boolean {
  if (topic === null) return false;
  if (patterns.has('*') || patterns.has(topic)) return true;
  for (const p of patterns) if (p.endsWith('.*') && topic.startsWith(p.slice(0, -1))) return true;
  return false;
}

export function registerStream(app: FastifyInstance, ctx: ApiContext): void {
  const sent = ctx.reporter.counter('bandex_stream_events_sent_total', 'Events sent on WebSocket streams');
  const clients = ctx.reporter.gauge('bandex_stream_clients', 'Open WebSocket stream connections');
  app.get(
    '/v1/stream',
    { websocket: true, config: { queryToken: true }, schema: { tags: ['events'], summary: 'WebSocket event stream (see docs/api.md)', hide: false } },
    (socket: WebSocket, req) => {
      const viewer = viewerOf(req);
      const topics = new Set<string>();
      let lastSent = 0;
      let replaying: JournalEvent[] | null = null;
      clients.inc();

      const send = (msg: unknown) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED) {
          socket.close(1013, 'client too slow');
          return;
        }
        socket.send(JSON.stringify(msg));
      };
      const deliver = (e: JournalEvent) => {
        if (e.seq <= lastSent || !topicMatches(topics, e.topic) || !canSee(e, viewer)) return;
        lastSent = e.seq;
        sent.inc();
        send({ type: 'event', event: presentEvent(e, viewer) });
      };
      const unsubscribe = ctx.journal.subscribe((e) => {
        if (replaying) replaying.push(e);
        else deliver(e);
      });
      socket.on('close', () => {
        unsubscribe();
        clients.dec();
      });

      const fail = (message: string) => send({ type: 'error', error: commonErrors.make('VALIDATION_FAILED', message).toJSON() });

      socket.on('message', (data) => {
        let msg: { op?: unknown; topics?: unknown; afterSeq?: unknown };
        try {
          msg = JSON.parse(String(data)) as typeof msg;
        } catch {
          return fail('message: not valid JSON');
        }
        if (msg.op === 'ping') return send({ type: 'pong' });
        if (msg.op !== 'subscribe' && msg.op !== 'unsubscribe') return fail('op: must be subscribe, unsubscribe or ping');
        const list = msg.topics;
        if (!Array.isArray(list) || list.length === 0 || list.length > 100 || !list.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 200)) {
          return fail('topics: must be 1–100 topic names');
        }
        if (msg.op === 'unsubscribe') {
          for (const t of list as string[]) topics.delete(t);
          return send({ type: 'unsubscribed', topics: list });
        }
        for (const t of list as string[]) topics.add(t);
        const after = msg.afterSeq;
        if (after === undefined) {
          lastSent = Math.max(lastSent, ctx.journal.lastSeq());
          return send({ type: 'subscribed', topics: [...topics], seq: ctx.journal.lastSeq() });
        }
        if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) return fail('afterSeq: must be a non-negative integer');
        void replay(after);
      });

      async function replay(after: number): Promise<void> {
        replaying = [];
        send({ type: 'subscribed', topics: [...topics], seq: ctx.journal.lastSeq() });
        let cursor = Math.max(after, lastSent);
        try {
          for (;;) {
            const rows = await ctx.journal.read({ afterSeq: cursor, limit: 1000, ...(viewer === null ? {} : { visibleTo: viewer }) });
            for (const e of rows) deliver(e);
            if (rows.length < 1000) break;
            cursor = rows[rows.length - 1]!.seq;
          }
        } catch (err) {
          ctx.reporter.error('stream', 'REPLAY_FAILED', err);
          socket.close(1011, 'replay failed');
        }
        const buffered = replaying;
        replaying = null;
        for (const e of buffered) deliver(e);
      }
    },
  );
}
