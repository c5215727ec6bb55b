/** The registry's tables, written through the journal so each row lands with its event. */
import type { FlowSource, Member, MemberRole, Port, RegistryRepo, StoredKey } from '../../registry/index.ts';
import type { Db } from '../database.ts';
import type { Journal } from '../journal.ts';

export function createRegistryRepo(db: Db, journal: Journal): RegistryRepo {
  return {
    async load() {
      const [m, p, k] = await Promise.all([
        db.selectFrom('members').selectAll().orderBy('id').execute(),
        db.selectFrom('ports').selectAll().orderBy('id').execute(),
        db.selectFrom('api_keys').selectAll().orderBy('id').execute(),
      ]);
      return {
        members: m.map(
          (r): Member => ({
            id: r.id,
            name: r.name,
            asns: JSON.parse(r.asns) as number[],
            roles: JSON.parse(r.roles) as MemberRole[],
            contact: JSON.parse(r.contact) as Member['contact'],
            createdAt: Number(r.created_at),
          }),
        ),
        ports: p.map(
          (r): Port => ({
            id: r.id,
            memberId: r.member_id,
            name: r.name,
            capacityMbps: Number(r.capacity_mbps),
            routerIps: JSON.parse(r.router_ips) as string[],
            macAddresses: JSON.parse(r.mac_addresses) as string[],
            flowSources: JSON.parse(r.flow_sources) as FlowSource[],
            createdAt: Number(r.created_at),
          }),
        ),
        keys: k.map(
          (r): StoredKey => ({
            id: r.id,
            memberId: r.member_id,
            role: r.role === 'admin' ? 'admin' : r.role === 'agent' ? 'agent' : 'member',
            agentId: r.agent_id ?? null,
            label: r.label,
            createdAt: Number(r.created_at),
            revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
            tokenHash: r.token_hash,
          }),
        ),
      };
    },
    insertMember(m, event) {
      return journal.append(event, async (tx) => {
        await tx
          .insertInto('members')
          .values({
            id: m.id,
            name: m.name,
            asns: JSON.stringify(m.asns),
            roles: JSON.stringify(m.roles),
            contact: JSON.stringify(m.contact),
            created_at: m.createdAt,
          })
          .execute();
      });
    },
    insertPort(p, event) {
      return journal.append(event, async (tx) => {
        await tx
          .insertInto('ports')
          .values({
            id: p.id,
            member_id: p.memberId,
            name: p.name,
            capacity_mbps: p.capacityMbps,
            router_ips: JSON.stringify(p.routerIps),
            mac_addresses: JSON.stringify(p.macAddresses),
            flow_sources: JSON.stringify(p.flowSources),
            created_at: p.createdAt,
          })
          .execute();
      });
    },
    insertKey(k, event) {
      return journal.append(event, async (tx) => {
        await tx
          .insertInto('api_keys')
          .values({
            id: k.id,
            member_id: k.memberId,
            role: k.role,
            agent_id: k.agentId,
            token_hash: k.tokenHash,
            label: k.label,
            created_at: k.createdAt,
            revoked_at: null,
          })
          .execute();
      });
    },
    revokeKey(id, at, event) {
      return journal.append(event, async (tx) => {
        await tx.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).execute();
      });
    },
  };
}
