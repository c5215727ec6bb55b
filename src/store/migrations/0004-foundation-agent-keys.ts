import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/** API keys scoped to a probe agent: role `agent`, member_id = the provider, agent_id = the agent. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('agent_id', 'text').execute();
}
