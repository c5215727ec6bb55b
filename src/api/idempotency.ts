/**
 * `Idempotency-Key` on every POST, for every route without extra code: the first answer (status
 * and body, any status below 500) is stored with the key, scoped to the caller (admin, the
 * member, or the agent), and a retry with the same key and the same request gets exactly that
 * answer back with `Idempotent-Replayed: true`. The same key with a different method, path or
 * body is refused with IDEMPOTENCY_KEY_REUSED. A retry that arrives while the first is still
 * running waits for it.
 *
 * Atomicity: the handler runs inside the journal's command context (`runInCommandContext`), so
 * every journal append it makes also writes the key's record in the SAME transaction as the
 * command's events and rows (status 0 = "committed, answer not stored yet", with the events'
 * seqs). The answer then replaces that record before it is sent. If the process dies in between,
 * a retry finds the record and is refused with IDEMPOTENCY_ANSWER_LOST instead of running the
 * command a second time: "acknowledged" (durable) always includes "remembered".
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock, Reporter } from '../lib/index.ts';
import { IDEMPOTENCY_PENDING, runInCommandContext, type Db, type Journal } from '../store/index.ts';
import { apiErrors } from './errors.ts';

const HEADER = 'idempotency-key';
/** `status` of a record written with the command but whose answer is not stored yet. */
const PENDING = IDEMPOTENCY_PENDING;
const REMEMBER_SQL =
  'insert into idempotency_keys (principal, key, method, url, body_hash, status, response, created_at) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (principal, key) do update set status = excluded.status, response = excluded.response';

/** Keys are scoped per caller: one caller's key never answers another's request. */
export function scopeOf(p: FastifyRequest['principal']): string {
  if (p === null) return 'anonymous';
  return p.kind === 'admin' ? 'admin' : p.kind === 'agent' ? `agent:${p.agentId}` : `member:${p.memberId}`;
}

interface Slot {
  scope: string;
  key: string;
  hash: string;
  done: Promise<void>;
  finish(): void;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: Slot | null;
  }
}

export function installIdempotency(app: FastifyInstance, deps: { db: Db; journal: Journal; clock: Clock; reporter: Reporter; ttlHours: number }): { prune(): Promise<void> } {
  const { db, clock } = deps;
  const replays = deps.reporter.counter('bandex_idempotent_replays_total', 'POSTs answered from the idempotency store');
  const inflight = new Map<string, Slot>();
  app.decorateRequest('idempotency', null);
  const release = (slot: Slot) => {
    if (inflight.get(`${slot.scope}\n${slot.key}`) === slot) inflight.delete(`${slot.scope}\n${slot.key}`);
    slot.finish();
  };

  // The hooks are callback-style so that a request without the header (the common case) pays
  // no promise and no microtask for them; only a keyed POST runs the async part.
  app.addHook('preHandler', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (req.method !== 'POST') return done();
    const raw = req.headers[HEADER];
    if (raw === undefined) return done();
    // A replayed answer is sent from the hook: then the request goes no further (no done()).
    claim(req, reply, raw).then((replayed) => replayed || done(), done);
  });

  /** Claims the key for this request, or answers it from the store (true). */
  async function claim(req: FastifyRequest, reply: FastifyReply, raw: string | string[]): Promise<boolean> {
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw apiErrors.make('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1–200 visible ASCII characters', { field: 'Idempotency-Key' });
    }
    const p = req.principal;
    const scope = scopeOf(p);
    const url = req.url;
    const hash = createHash('sha256')
      .update(`${req.method} ${url}\n${JSON.stringify(req.body ?? null)}`)
      .digest('hex');
    const id = `${scope}\n${key}`;
    for (;;) {
      const running = inflight.get(id);
      if (!running) break;
      await running.done;
    }
    // Claim the key before the look-up, so a concurrent duplicate waits instead of running too.
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const slot: Slot = { scope, key, hash, done, finish };
    inflight.set(id, slot);
    let row;
    try {
      row = await db.selectFrom('idempotency_keys').selectAll().where('principal', '=', scope).where('key', '=', key).executeTakeFirst();
    } catch (e) {
      release(slot);
      throw e;
    }
    if (row) {
      release(slot);
      if (row.body_hash !== hash) {
        throw apiErrors.make('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key "${key}" was already used for a different request (${row.method} ${row.url})`, {
          field: 'Idempotency-Key',
        });
      }
      if (Number(row.status) === PENDING) {
        const seqs = (JSON.parse(row.response) as { seqs?: number[] }).seqs ?? [];
        throw apiErrors.make(
          'IDEMPOTENCY_ANSWER_LOST',
          `the request with Idempotency-Key "${key}" was committed (journal seq ${seqs.join(', ')}) but its answer was lost in a restart; it was not run again — read the result (GET) instead`,
          { field: 'Idempotency-Key', details: { seqs } },
        );
      }
      replays.inc();
      void reply.code(Number(row.status)).header('idempotent-replayed', 'true').type('application/json').send(row.response);
      return true;
    }
    req.idempotency = slot;
    return false;
  }

  // Every handler runs in the journal's command context while it holds a key: its appends write
  // the pending record in their own transaction (see the note at the top).
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function (this: unknown, req: FastifyRequest, reply: FastifyReply) {
      const slot = req.idempotency;
      if (!slot) return handler.call(this as never, req, reply);
      return runInCommandContext(
        { idempotency: { principal: slot.scope, key: slot.key, method: req.method, url: req.url, bodyHash: slot.hash, createdAt: clock.now() } },
        () => handler.call(this as never, req, reply),
      );
    } as typeof handler;
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    if (!req.idempotency) return done(null, payload);
    remember(req, reply, payload).then(() => done(null, payload), (e: Error) => done(e));
  });

  async function remember(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
    const slot = req.idempotency!;
    req.idempotency = null;
    try {
      if (reply.statusCode < 500 && typeof payload === 'string') {
        const row = { principal: slot.scope, key: slot.key, method: req.method, url: req.url, body_hash: slot.hash, status: reply.statusCode, response: payload, created_at: clock.now() };
        // Through the journal's next group rather than on its own: on SQLite that group may run on
        // the journal's writer thread, and a write here meanwhile would wait for its lock.
        await deps.journal.write(
          async (tx) => {
            await tx
              .insertInto('idempotency_keys')
              .values(row)
              .onConflict((oc) => oc.columns(['principal', 'key']).doUpdateSet({ status: row.status, response: row.response }))
              .execute();
          },
          () => [[REMEMBER_SQL, [row.principal, row.key, row.method, row.url, row.body_hash, row.status, row.response, row.created_at], 0, 0]],
        );
      }
    } catch (e) {
      // The command itself succeeded; failing to remember the answer must not turn it into an error.
      deps.reporter.error('api', 'IDEMPOTENCY_STORE_FAILED', e);
    } finally {
      release(slot);
    }
  }

  // A request that fails before onSend (aborted connection) must not block its retries.
  app.addHook('onResponse', (req, _reply, done) => {
    const slot = req.idempotency;
    if (slot) {
      req.idempotency = null;
      release(slot);
    }
    done();
  });

  return {
    async prune() {
      await db
        .deleteFrom('idempotency_keys')
        .where('created_at', '<', clock.now() - deps.ttlHours * 3_600_000)
        .execute();
    },
  };
}
