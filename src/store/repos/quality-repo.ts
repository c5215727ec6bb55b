/**
 * The quality database's tables, written through the journal: each filed batch of measurements
 * is one `QualityMeasured` event (topic `quality`, visible to the providers concerned) whose
 * projection inserts the raw rows; targets and agents likewise. Raw rows are what the quality
 * component replays into its in-memory statistics on start.
 */
import type { ProbeAgentRecord, ProbeTarget, QualityRepository, StoredMeasurement } from '../../quality/index.ts';
import type { Db } from '../database.ts';
import type { Journal } from '../journal.ts';

const ROWS_PER_INSERT = 1000; // 12 columns × 1000 stays under SQLite's 32 766 bound parameters

export function createQualityRepo(db: Db, journal: Journal): QualityRepository {
  return {
    async saveMeasurements(ms: StoredMeasurement[]) {
      if (ms.length === 0) return;
      const providers = [...new Set(ms.map((m) => m.provider))];
      await journal.append(
        {
          type: 'QualityMeasured',
          actor: ms[0].source.startsWith('member:') ? ms[0].source : 'quality',
          topic: 'quality',
          visibility: providers,
          payload: {
            measurements: ms.map((m) => ({
              id: m.id,
              provider: m.provider,
              destination: m.destination,
              method: m.method,
              source: m.source,
              verified: m.verified,
              at: m.at,
              sent: m.sent,
              received: m.rtts.length,
            })),
          },
        },
        async (tx, ev) => {
          for (let i = 0; i < ms.length; i += ROWS_PER_INSERT) {
            await tx
              .insertInto('quality_measurements')
              .values(
                ms.slice(i, i + ROWS_PER_INSERT).map((m, k) => ({
                  id: m.id,
                  provider: m.provider,
                  destination: m.destination,
                  target: m.target,
                  method: m.method,
                  at: m.at,
                  sent: m.sent,
                  rtts: JSON.stringify(m.rtts),
                  source: m.source,
                  verified: m.verified ? 1 : 0,
                  as_hops: m.asHops ?? null,
                  received_at: m.receivedAt,
                  seq: ev.seq,
                  pos: i + k,
                })),
              )
              .execute();
          }
        },
      );
    },

    async measurementsSince(since, limit, cursor) {
      let q = db.selectFrom('quality_measurements').selectAll().where('at', '>=', since);
      if (cursor !== undefined) {
        const [cs, cp] = cursor.split(':').map(Number);
        q = q.where((eb) => eb.or([eb('seq', '>', cs), eb.and([eb('seq', '=', cs), eb('pos', '>', cp)])]));
      }
      const rows = await q.orderBy('seq').orderBy('pos').limit(limit + 1).execute();
      const more = rows.length > limit;
      const page = more ? rows.slice(0, limit) : rows;
      const last = page[page.length - 1];
      const items = page.map(
        (r): StoredMeasurement => ({
          id: r.id,
          provider: r.provider,
          destination: r.destination,
          target: r.target,
          method: r.method as StoredMeasurement['method'],
          at: Number(r.at),
          sent: Number(r.sent),
          rtts: JSON.parse(r.rtts) as number[],
          source: r.source,
          verified: Number(r.verified) === 1,
          ...(r.as_hops === null ? {} : { asHops: Number(r.as_hops) }),
          receivedAt: Number(r.received_at),
        }),
      );
      return { items, next: more && last ? `${Number(last.seq)}:${Number(last.pos)}` : null };
    },

    async pruneMeasurements(before) {
      // Raw rows only: the QualityMeasured events in the journal keep the summary.
      const r = await db.deleteFrom('quality_measurements').where('at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async listTargets() {
      const rows = await db.selectFrom('quality_targets').selectAll().orderBy('key').execute();
      return rows.map((r) => ({
        key: r.key,
        provider: r.provider,
        destination: r.destination,
        target: r.target,
        method: r.method as ProbeTarget['method'],
        ...(r.port === null ? {} : { port: Number(r.port) }),
        count: Number(r.count),
        lane: r.lane,
        ...(r.source_address === null ? {} : { sourceAddress: r.source_address }),
      }));
    },

    async saveTarget(t) {
      const row = {
        key: t.key,
        provider: t.provider,
        destination: t.destination,
        target: t.target,
        method: t.method,
        port: t.port ?? null,
        count: t.count ?? 10,
        lane: t.lane ?? 'exchange',
        source_address: t.sourceAddress ?? null,
      };
      await journal.append({ type: 'QualityTargetSaved', actor: 'quality', topic: 'quality', visibility: [t.provider], payload: row }, async (tx) => {
        await tx.deleteFrom('quality_targets').where('key', '=', t.key).execute();
        await tx.insertInto('quality_targets').values(row).execute();
      });
    },

    async deleteTarget(key) {
      await journal.append({ type: 'QualityTargetRemoved', actor: 'quality', topic: 'quality', visibility: [key.split('|')[0]], payload: { key } }, async (tx) => {
        await tx.deleteFrom('quality_targets').where('key', '=', key).execute();
      });
    },

    async listAgents() {
      const rows = await db.selectFrom('quality_agents').selectAll().orderBy('id').execute();
      return rows.map(
        (r): ProbeAgentRecord => ({
          id: r.id,
          provider: r.provider,
          tokenHash: r.token_hash,
          createdAt: Number(r.created_at),
          revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
        }),
      );
    },

    async saveAgent(a) {
      const type = a.revokedAt === null ? 'QualityAgentRegistered' : 'QualityAgentRevoked';
      // The payload never carries the token hash.
      const payload = { id: a.id, provider: a.provider, createdAt: a.createdAt, revokedAt: a.revokedAt };
      await journal.append({ type, actor: 'admin', topic: 'quality', visibility: [a.provider], payload }, async (tx) => {
        await tx.deleteFrom('quality_agents').where('id', '=', a.id).execute();
        await tx
          .insertInto('quality_agents')
          .values({ id: a.id, provider: a.provider, token_hash: a.tokenHash, created_at: a.createdAt, revoked_at: a.revokedAt })
          .execute();
      });
    },
  };
}
