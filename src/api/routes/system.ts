/** /healthz (no key), /metrics (admin key, or open with api.openMetrics), /v1/me. */
import { Type } from '@sinclair/typebox';
import { requireAdmin, principalOf } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { presentMember } from '../present.ts';
import { authErrors } from '../schemas.ts';

const systemRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: { tags: ['system'], summary: 'Liveness and journal position (no key needed)', response: { 200: Type.Object({ status: Type.String(), seq: Type.Integer() }) } },
    },
    async () => ({ status: 'ok', seq: ctx.journal.lastSeq() }),
  );

  app.get(
    '/metrics',
    { config: { public: ctx.config.api.openMetrics }, schema: { tags: ['system'], summary: 'Prometheus metrics (admin key unless api.openMetrics)' } },
    async (req, reply) => {
      if (!ctx.config.api.openMetrics) requireAdmin(req);
      return reply.type(ctx.reporter.registry.contentType).send(await ctx.reporter.registry.metrics());
    },
  );

  app.get(
    '/v1/me',
    {
      config: { agents: true },
      schema: {
        tags: ['system'],
        summary: 'Who the key belongs to',
        response: {
          200: Type.Object({
            kind: Type.String({ description: 'admin | member | agent' }),
            keyId: Type.String(),
            agentId: Type.Optional(Type.String({ description: 'agent keys: the probe agent' })),
            memberId: Type.Optional(Type.String()),
            member: Type.Optional(Type.Unknown()),
          }),
          ...authErrors,
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (p.kind === 'admin') return { kind: 'admin', keyId: p.keyId };
      if (p.kind === 'agent') return { kind: 'agent', keyId: p.keyId, agentId: p.agentId, memberId: p.providerMemberId };
      const m = ctx.services.registry.getMember(p.memberId);
      return { kind: 'member', keyId: p.keyId, memberId: p.memberId, ...(m ? { member: presentMember(m) } : {}) };
    },
  );
};

export default systemRoutes;
