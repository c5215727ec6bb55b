import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Probe agents authenticate with foundation API keys (role `agent`) instead of tokens the quality
 * component checked itself. The active agents' existing tokens become agent keys (same hash), so
 * agents deployed before keep working.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await sql`insert into api_keys (id, member_id, role, agent_id, token_hash, label, created_at, revoked_at)
    select 'key_' || a.id, a.provider, 'agent', a.id, a.token_hash, 'probe agent ' || a.id, a.created_at, null
    from quality_agents a
    where a.revoked_at is null and a.provider in (select id from members)`.execute(db);
}
