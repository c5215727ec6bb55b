/** The trade route registry's tables (registered prefixes, routing policies), written through the journal. */
import type { RegisteredPrefix, RoutingPolicy } from '../../registry/route-model.ts';
import type { RouteRegistryRepo } from '../../registry/route-repo.ts';
import type { Db } from '../database.ts';
import type { Journal } from '../journal.ts';

export function createRoutesRepo(db: Db, journal: Journal): RouteRegistryRepo {
  return {
    async load() {
      const [p, q] = await Promise.all([
        db.selectFrom('route_prefixes').selectAll().orderBy('member_id').orderBy('prefix').execute(),
        db.selectFrom('route_policies').selectAll().orderBy('member_id').execute(),
      ]);
      return {
        prefixes: p.map(
          (r): RegisteredPrefix => ({
            memberId: r.member_id,
            prefix: r.prefix,
            family: Number(r.family) === 6 ? 6 : 4,
            ...(r.description === null ? {} : { description: r.description }),
            registeredAt: Number(r.registered_at),
          }),
        ),
        policies: q.map((r) => ({ memberId: r.member_id, policy: JSON.parse(r.policy) as RoutingPolicy })),
      };
    },
    insertPrefix(p, event) {
      return journal.append(event, async (tx) => {
        await tx
          .insertInto('route_prefixes')
          .values({
            member_id: p.memberId,
            prefix: p.prefix,
            family: p.family,
            description: p.description ?? null,
            registered_at: p.registeredAt,
          })
          .onConflict((oc) => oc.columns(['member_id', 'prefix']).doUpdateSet({ description: p.description ?? null }))
          .execute();
      });
    },
    deletePrefix(memberId, prefix, event) {
      return journal.append(event, async (tx) => {
        await tx.deleteFrom('route_prefixes').where('member_id', '=', memberId).where('prefix', '=', prefix).execute();
      });
    },
    savePolicy(memberId: string, policy: RoutingPolicy, at: number, event) {
      return journal.append(event, async (tx) => {
        await tx
          .insertInto('route_policies')
          .values({ member_id: memberId, policy: JSON.stringify(policy), updated_at: at })
          .onConflict((oc) => oc.column('member_id').doUpdateSet({ policy: JSON.stringify(policy), updated_at: at }))
          .execute();
      });
    },
  };
}
