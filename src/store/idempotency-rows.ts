/**
 * The Idempotency-Key records a group commit writes beside its events (command-context.ts): one
 * per key among the group's surviving commands (a request that appended several times lists
 * all its seqs), `on conflict do nothing`, so a later command of the same request leaves the
 * first record alone. The rows go as parameters of IDEM_SQL to the writer thread, or are
 * inserted here on the journal's own connection.
 */
import { sql } from 'kysely';
import type SqliteDatabase from 'better-sqlite3';
import { type CommandContext, IDEMPOTENCY_PENDING, type IdempotencyRecord } from './command-context.ts';
import type { Dialect, Tx } from './database.ts';

export const IDEM_SQL = 'insert into idempotency_keys (principal, key, method, url, body_hash, status, response, created_at) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing';
const ROWS_PER_INSERT = 500; // 8 columns × 500 stays under SQLite's 32 766 bound parameters

/** What the records are taken from: a command's context and its events' seqs. */
export interface KeyedCommand {
  ctx?: CommandContext;
  events: ReadonlyArray<{ seq: number }>;
}

/** IDEM_SQL's parameters, one array per record. */
export function idempotencyParams(cmds: readonly KeyedCommand[]): unknown[][] {
  return idempotencyRows(cmds).map((x) => [x.principal, x.key, x.method, x.url, x.body_hash, x.status, x.response, x.created_at]);
}

function idempotencyRows(cmds: readonly KeyedCommand[]) {
  let recs: Map<string, { r: IdempotencyRecord; seqs: number[] }> | undefined;
  for (const c of cmds) {
    if (!c.ctx) continue;
    const r = c.ctx.idempotency;
    recs ??= new Map();
    const id = `${r.principal}\n${r.key}`;
    const have = recs.get(id);
    if (have) have.seqs.push(...c.events.map((e) => e.seq));
    else recs.set(id, { r, seqs: c.events.map((e) => e.seq) });
  }
  if (!recs) return [];
  return [...recs.values()].map(({ r, seqs }) => ({
    principal: r.principal,
    key: r.key,
    method: r.method,
    url: r.url,
    body_hash: r.bodyHash,
    status: IDEMPOTENCY_PENDING,
    response: JSON.stringify({ seqs }),
    created_at: r.createdAt,
  }));
}

/** Inserts the records of `cmds` inside the journal's transaction `tx`, by the store's fastest path. */
export function idempotencyInserter(target: { sqlite?: SqliteDatabase.Database; dialect?: Dialect }): (tx: Tx, cmds: readonly KeyedCommand[]) => Promise<void> {
  let sqliteIdem: SqliteDatabase.Statement | undefined;
  return async (tx, cmds) => {
    const rows = idempotencyRows(cmds);
    if (rows.length === 0) return;
    if (target.sqlite) {
      sqliteIdem ??= target.sqlite.prepare(IDEM_SQL);
      for (const x of rows) sqliteIdem.run(x.principal, x.key, x.method, x.url, x.body_hash, x.status, x.response, x.created_at);
      return;
    }
    if (target.dialect === 'postgres') {
      await sql`insert into idempotency_keys (principal, key, method, url, body_hash, status, response, created_at)
        select * from unnest(${rows.map((x) => x.principal)}::text[], ${rows.map((x) => x.key)}::text[], ${rows.map((x) => x.method)}::text[],
          ${rows.map((x) => x.url)}::text[], ${rows.map((x) => x.body_hash)}::text[], ${rows.map((x) => x.status)}::integer[],
          ${rows.map((x) => x.response)}::text[], ${rows.map((x) => x.created_at)}::bigint[])
        on conflict do nothing`.execute(tx);
      return;
    }
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      await tx.insertInto('idempotency_keys').values(rows.slice(i, i + ROWS_PER_INSERT)).onConflict((oc) => oc.doNothing()).execute();
    }
  };
}
