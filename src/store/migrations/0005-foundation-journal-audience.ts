/**
 * The audience of a private event moves into its journal row (column `audience`, see audience.ts
 * for the encoding) and `journal_audience` goes: a market order wrote ~3.6 audience rows (each a
 * table row plus its primary-key entry) beside ~1.8 events, and a member read needed a second
 * query to attach them. On SQLite the table is also rebuilt with `seq integer primary key`: a
 * `bigint primary key` is not the rowid there, so every event paid for a separate seq index.
 * Existing rows keep their seq, time, payload and audience (tested in test/store).
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table journal add column audience text`.execute(db);
    await sql`update journal j set audience = (
        select ',' || string_agg(replace(replace(a.member_id, '%', '%25'), ',', '%2C'), ',' order by a.member_id) || ','
        from journal_audience a where a.seq = j.seq)
      where j.private = 1`.execute(db);
    await sql`drop table journal_audience`.execute(db);
    return;
  }
  await sql`create table journal_next (
      seq integer primary key,
      time bigint not null,
      type text not null,
      actor text not null,
      topic text,
      private integer not null,
      audience text,
      payload text not null)`.execute(db);
  await sql`insert into journal_next (seq, time, type, actor, topic, private, audience, payload)
    select j.seq, j.time, j.type, j.actor, j.topic, j.private,
      case when j.private = 1 then (
        select ',' || group_concat(m, ',') || ',' from (
          select replace(replace(a.member_id, '%', '%25'), ',', '%2C') as m
          from journal_audience a where a.seq = j.seq order by a.member_id)) end,
      j.payload
    from journal j order by j.seq`.execute(db);
  await sql`drop table journal_audience`.execute(db);
  await sql`drop table journal`.execute(db);
  await sql`alter table journal_next rename to journal`.execute(db);
  await sql`create index journal_type_seq on journal (type, seq)`.execute(db);
}
