/**
 * Idempotency atomicity: the key's record commits in the same transaction as the command. A
 * "crash" between the commit and storing the answer is simulated with a real database trigger
 * that refuses to store any answer (status ≠ 0) — exactly what a process dying at that moment
 * leaves behind. After a restart, the retry must not run the command a second time.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { runInCommandContext } from '../../src/store/index.ts';
import { describeStores, type TestEnv } from '../support/harness.ts';

async function refuseAnswers(env: TestEnv, on: boolean): Promise<void> {
  const db = env.app.ctx.store.db;
  if (env.dialect === 'sqlite') {
    if (on) {
      await sql`create trigger bx_crash_i before insert on idempotency_keys when new.status <> 0 begin select raise(abort, 'simulated crash'); end`.execute(db);
      await sql`create trigger bx_crash_u before update on idempotency_keys when new.status <> 0 begin select raise(abort, 'simulated crash'); end`.execute(db);
    } else {
      await sql`drop trigger bx_crash_i`.execute(db);
      await sql`drop trigger bx_crash_u`.execute(db);
    }
    return;
  }
  if (on) {
    await sql`create function bx_crash() returns trigger language plpgsql as $$ begin if new.status <> 0 then raise exception 'simulated crash'; end if; return new; end $$`.execute(db);
    await sql`create trigger bx_crash before insert or update on idempotency_keys for each row execute function bx_crash()`.execute(db);
  } else {
    await sql`drop trigger bx_crash on idempotency_keys`.execute(db);
    await sql`drop function bx_crash()`.execute(db);
  }
}

describeStores('idempotency atomicity', (env) => {
  it('a command acknowledged by the journal is remembered: the retry after a crash does not run it again', async () => {
    const headers = { 'idempotency-key': 'crash-1' };
    const keysBefore = await env.call('GET', `/v1/members/${env.alice.id}/keys`, { token: env.alice.token });
    await refuseAnswers(env, true);
    const first = await env.call('POST', `/v1/members/${env.alice.id}/keys`, { token: env.alice.token, body: { label: 'once' }, headers });
    expect(first.status).toBe(201); // the command committed; only storing its answer "crashed"
    const seq = env.app.ctx.journal.lastSeq();
    await env.restart();
    await refuseAnswers(env, false);
    const retry = await env.call('POST', `/v1/members/${env.alice.id}/keys`, { token: env.alice.token, body: { label: 'once' }, headers });
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('IDEMPOTENCY_ANSWER_LOST');
    expect(retry.body.error.details.seqs).toEqual([seq]);
    expect(env.app.ctx.journal.lastSeq()).toBe(seq);
    const keysAfter = await env.call('GET', `/v1/members/${env.alice.id}/keys`, { token: env.alice.token });
    expect(keysAfter.body.items.length).toBe(keysBefore.body.items.length + 1);
    // A different body with the same key is still refused as a reuse, not as a lost answer.
    const other = await env.call('POST', `/v1/members/${env.alice.id}/keys`, { token: env.alice.token, body: { label: 'other' }, headers });
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a command whose projection fails leaves no record: its error answer is stored and replayed', async () => {
    const name = env.unique('dup');
    expect((await env.call('POST', '/v1/members', { body: { name, asns: [65101] } })).status).toBe(201);
    const headers = { 'idempotency-key': 'dup-1' };
    const body = { name: env.unique('other'), asns: [65101] };
    const first = await env.call('POST', '/v1/members', { body, headers });
    expect(first.status).toBe(409);
    const retry = await env.call('POST', '/v1/members', { body, headers });
    expect(retry.status).toBe(409);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('appends made by the stored answer’s request carry the record; appends outside a request do not', async () => {
    const headers = { 'idempotency-key': 'normal-1' };
    const a = await env.call('POST', `/v1/members/${env.bob.id}/keys`, { token: env.bob.token, body: {}, headers });
    const b = await env.call('POST', `/v1/members/${env.bob.id}/keys`, { token: env.bob.token, body: {}, headers });
    expect(b.body).toEqual(a.body);
    const rows = await env.app.ctx.store.db.selectFrom('idempotency_keys').selectAll().where('key', '=', 'normal-1').execute();
    expect(rows.map((r) => [r.principal, Number(r.status)])).toEqual([[`member:${env.bob.id}`, 201]]);
    const before = (await env.app.ctx.store.db.selectFrom('idempotency_keys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())!.n;
    await env.app.ctx.journal.append({ type: 'TestNoted', payload: {} });
    const after = (await env.app.ctx.store.db.selectFrom('idempotency_keys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())!.n;
    expect(Number(after)).toBe(Number(before));
  });

  it('the record shares the command’s fate: a failing projection leaves none, commands of one batch each get theirs', async () => {
    const j = env.app.ctx.journal;
    const rec = (key: string) => ({ idempotency: { principal: 'admin', key, method: 'POST', url: '/t', bodyHash: 'h', createdAt: 1 } });
    const results = await Promise.allSettled([
      runInCommandContext(rec('j-ok'), () => j.append({ type: 'TestNoted', payload: {} })),
      runInCommandContext(rec('j-fail'), () =>
        j.append({ type: 'TestNoted', payload: {} }, () => {
          throw new Error('projection refused');
        }),
      ),
      runInCommandContext(rec('j-two'), async () => {
        const a = await j.append({ type: 'TestNoted', payload: {} });
        const b = await j.append({ type: 'TestNoted', payload: {} });
        return [a, b];
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const rows = await env.app.ctx.store.db.selectFrom('idempotency_keys').selectAll().where('key', 'in', ['j-ok', 'j-fail', 'j-two']).orderBy('key').execute();
    expect(rows.map((r) => [r.key, Number(r.status)])).toEqual([
      ['j-ok', 0],
      ['j-two', 0],
    ]);
    const ok = (results[0] as PromiseFulfilledResult<{ seq: number }>).value;
    expect(JSON.parse(rows[0]!.response)).toEqual({ seqs: [ok.seq] });
    const two = (results[2] as PromiseFulfilledResult<{ seq: number }[]>).value;
    expect(JSON.parse(rows[1]!.response)).toEqual({ seqs: [two[0]!.seq] }); // the first command's record stays
  });
});
