/**
 * The quality database over HTTP (SPEC A4, B6):
 *   GET  /v1/quality?provider=&destination=   statistics and response-time class (any key)
 *   POST /v1/quality/measurements             measurements or a RIPE Atlas / CSV file
 *   POST /v1/quality/jobs/lease               probe agents: take jobs
 *   POST /v1/quality/jobs/:id/result          probe agents: report one job's result
 *   GET|POST /v1/quality/targets, DELETE /v1/quality/targets/:key   (admin)
 *   GET|POST /v1/quality/agents, DELETE /v1/quality/agents/:id       (admin; the token is shown once)
 *
 *   POST /v1/quality/agents/:id/keys                                  (admin; another key for an agent)
 *
 * Probe agents authenticate with foundation API keys of kind `agent` (created with the agent, or
 * later with POST /v1/quality/agents/:id/keys); the measurement and job routes are marked
 * `agents: true` so the foundation's auth lets those keys in. Who may file what is decided by the
 * component (src/quality/quality-service.ts): admin anything; an agent for its own provider,
 * verified; a member claims about itself, unverified.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { parseIso, toIso } from '../../lib/index.ts';
import { type Measurement, PROBE_METHODS, type ProbeJob, type SeriesView, type StoredMeasurement, type Submitter, qualityErrors } from '../../quality/index.ts';
import { hashToken } from '../../registry/index.ts';
import { actorOf, principalOf, requireAdmin, requireAgent } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { apiErrors } from '../errors.ts';
import { presentKey } from '../present.ts';
import { authErrors } from '../schemas.ts';

const MeasurementIn = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: 128 }),
    destination: Type.String({ minLength: 1, maxLength: 64, description: 'CIDR, or any4/any6' }),
    target: Type.String({ minLength: 1, maxLength: 255 }),
    method: Type.Optional(Type.Union(PROBE_METHODS.map((m) => Type.Literal(m)))),
    at: Type.String({ maxLength: 40, description: 'ISO 8601 with zone: when the run started' }),
    sent: Type.Integer({ minimum: 1, maximum: 100000 }),
    rtts: Type.Array(Type.Number({ minimum: 0 }), { maxItems: 100000, description: 'replies, ms, in send order' }),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'admin only; agents and members get their own' })),
    verified: Type.Optional(Type.Boolean({ description: 'admin only (default true); agents always true, members false' })),
    asHops: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  },
  { additionalProperties: false },
);

// One object rather than a union, so a validation error names the field at fault.
const MeasurementsBody = Type.Object(
  {
    measurements: Type.Optional(Type.Array(MeasurementIn, { minItems: 1, maxItems: 10000, description: 'measurements; or give format + data' })),
    format: Type.Optional(Type.Union([Type.Literal('atlas'), Type.Literal('csv')], { description: 'a file to import instead' })),
    data: Type.Optional(Type.String({ minLength: 1, description: 'the file: Atlas ping results (JSON array or lines) or CSV' })),
    provider: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'provider the file’s results are filed under' })),
    probeProviders: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Atlas probe id → provider (admin)' })),
    destination: Type.Optional(Type.String({ maxLength: 64 })),
    source: Type.Optional(Type.String({ maxLength: 200 })),
    verified: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const QualityQuery = Type.Object(
  { provider: Type.String({ minLength: 1, maxLength: 128 }), destination: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);

const LeaseBody = Type.Object({ max: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false });
const ResultBody = Type.Object(
  {
    at: Type.String({ maxLength: 40, description: 'ISO 8601 with zone' }),
    sent: Type.Integer({ minimum: 1, maximum: 100000 }),
    rtts: Type.Array(Type.Number({ minimum: 0 }), { maxItems: 100000 }),
  },
  { additionalProperties: false },
);

const TargetBody = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: 128 }),
    destination: Type.String({ minLength: 1, maxLength: 64 }),
    target: Type.String({ minLength: 1, maxLength: 255 }),
    method: Type.Union([Type.Literal('icmp'), Type.Literal('tcp'), Type.Literal('udp')]),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    lane: Type.Optional(Type.String({ description: '`exchange` (default) or `agent:<provider>` for that provider’s probe agents' })),
    sourceAddress: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
const AgentKeyBody = Type.Object({ label: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false });
const AgentBody = Type.Object({ provider: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });
const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 600 }) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

const iso = (t: number | null): string | null => (t === null ? null : toIso(t));
const presentSeries = (s: SeriesView) => ({ ...s, measuredAt: iso(s.measuredAt) });
const presentMeasurement = (m: StoredMeasurement) => ({ ...m, at: toIso(m.at), receivedAt: toIso(m.receivedAt) });
const presentJob = (j: ProbeJob) => ({ ...j, issuedAt: toIso(j.issuedAt) });

function timeOf(s: string, field: string): number {
  const t = parseIso(s);
  if (!Number.isFinite(t)) throw qualityErrors.make('QUALITY_BAD_MEASUREMENT', `${field}: must be ISO 8601 with a zone`, { field });
  return t;
}

const qualityRoutes: RouteModule = (app, ctx) => {
  const quality = () => ctx.services.quality;

  /** Admin, member, or probe agent (all through the foundation's keys). */
  function submitterOf(req: FastifyRequest): Submitter {
    const p = principalOf(req);
    if (p.kind === 'admin') return { role: 'admin' };
    if (p.kind === 'agent') return { role: 'agent', agentId: p.agentId, provider: p.providerMemberId };
    return { role: 'member', memberId: p.memberId };
  }

  /** Creates an agent key; the token is shown once. */
  async function issueAgentKey(req: FastifyRequest, agentId: string, provider: string) {
    return ctx.services.registry.createAgentKey({ agentId, providerMemberId: provider }, actorOf(req));
  }

  app.get<{ Querystring: Static<typeof QualityQuery> }>(
    '/v1/quality',
    { schema: { tags: ['quality'], summary: 'Statistics and response-time class of a provider (towards a destination)', querystring: QualityQuery, response: authErrors } },
    async (req) => {
      const { provider, destination } = req.query;
      const s = quality().stats(provider, destination);
      const p = s.provider;
      return {
        provider,
        responseClass: p?.responseClass ?? null,
        classReason: p?.classReason ?? null,
        classChangedAt: p ? iso(p.classChangedAt) : null,
        overall: p ? { ...p.stats, measuredAt: iso(p.stats.measuredAt) } : null,
        lookup: destination === undefined ? null : (quality().lookup(provider, destination) ?? null),
        series: s.series.map(presentSeries),
      };
    },
  );

  app.post<{ Body: Static<typeof MeasurementsBody> }>(
    '/v1/quality/measurements',
    { config: { agents: true }, schema: { tags: ['quality'], summary: 'File measurements, or import a RIPE Atlas / CSV file', body: MeasurementsBody, response: authErrors } },
    async (req, reply) => {
      const by = submitterOf(req);
      const body = req.body;
      if (body.measurements !== undefined) {
        if (body.format !== undefined || body.data !== undefined) {
          throw qualityErrors.make('QUALITY_BAD_IMPORT', 'format: give either measurements or format + data', { field: 'format' });
        }
        const ms: Measurement[] = body.measurements.map((m, i) => {
          if (by.role !== 'admin' && (m.source !== undefined || m.verified !== undefined)) {
            throw qualityErrors.make('QUALITY_NOT_ALLOWED', `measurements[${i}]: only an admin sets source or verified`, { field: `measurements[${i}]` });
          }
          return {
            provider: m.provider,
            destination: m.destination,
            target: m.target,
            method: m.method ?? 'claim',
            at: timeOf(m.at, `measurements[${i}].at`),
            sent: m.sent,
            rtts: m.rtts,
            source: m.source ?? 'admin',
            verified: m.verified ?? true,
            ...(m.asHops === undefined ? {} : { asHops: m.asHops }),
          };
        });
        const stored = await quality().submit(ms, by);
        return reply.code(201).send({ stored: stored.map(presentMeasurement), skipped: [] });
      }
      if (body.format === undefined || body.data === undefined) {
        throw qualityErrors.make('QUALITY_BAD_IMPORT', `${body.format === undefined ? 'format' : 'data'}: required (or give measurements)`, { field: body.format === undefined ? 'format' : 'data' });
      }
      if (by.role !== 'admin' && (body.source !== undefined || body.verified !== undefined)) {
        throw qualityErrors.make('QUALITY_NOT_ALLOWED', 'only an admin sets source or verified', { field: 'source' });
      }
      const provider = by.role === 'member' ? by.memberId : by.role === 'agent' ? by.provider : body.provider;
      const probeMap = body.probeProviders;
      const r = await quality().importFile(
        body.format,
        body.data,
        {
          ...(provider ? { provider } : {}),
          ...(probeMap && by.role === 'admin' ? { providerOf: (id: number) => probeMap[String(id)] } : {}),
          ...(body.destination ? { destination: body.destination } : {}),
          ...(body.source ? { source: body.source } : {}),
          ...(body.verified === undefined ? {} : { verified: body.verified }),
        },
        by,
      );
      return reply.code(201).send({ stored: r.stored.map(presentMeasurement), skipped: r.skipped });
    },
  );

  app.post<{ Body: Static<typeof LeaseBody> }>(
    '/v1/quality/jobs/lease',
    { config: { agents: true }, schema: { tags: ['quality'], summary: 'Probe agents: lease probe jobs of their provider', body: LeaseBody, response: authErrors } },
    async (req) => {
      const a = requireAgent(req);
      return { jobs: quality().leaseJobs({ role: 'agent', agentId: a.agentId, provider: a.providerMemberId }, req.body?.max ?? 10).map(presentJob) };
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ResultBody> }>(
    '/v1/quality/jobs/:id/result',
    { config: { agents: true }, schema: { tags: ['quality'], summary: 'Probe agents: report the result of a leased job', params: IdParams, body: ResultBody, response: authErrors } },
    async (req, reply) => {
      const a = requireAgent(req);
      const m = await quality().reportJob({ role: 'agent', agentId: a.agentId, provider: a.providerMemberId }, req.params.id, { at: timeOf(req.body.at, 'at'), sent: req.body.sent, rtts: req.body.rtts });
      return reply.code(201).send(presentMeasurement(m));
    },
  );

  app.get('/v1/quality/targets', { schema: { tags: ['quality'], summary: 'Probe targets and their schedule (admin)', response: authErrors } }, async (req) => {
    requireAdmin(req);
    return { items: quality().listTargets().map((t) => ({ ...t, lastProbedAt: iso(t.lastProbedAt), dueAt: toIso(t.dueAt) })) };
  });

  app.post<{ Body: Static<typeof TargetBody> }>(
    '/v1/quality/targets',
    { schema: { tags: ['quality'], summary: 'Add or replace a probe target (admin)', body: TargetBody, response: authErrors } },
    async (req, reply) => {
      requireAdmin(req);
      const key = await quality().addTarget(req.body);
      return reply.code(201).send(quality().listTargets().find((t) => t.key === key));
    },
  );

  app.delete<{ Params: Static<typeof KeyParams> }>(
    '/v1/quality/targets/:key',
    { schema: { tags: ['quality'], summary: 'Remove a probe target (admin)', params: KeyParams, response: authErrors } },
    async (req, reply) => {
      requireAdmin(req);
      if (!(await quality().removeTarget(req.params.key))) throw apiErrors.make('NOT_FOUND', `no probe target ${req.params.key}`);
      return reply.code(204).send();
    },
  );

  app.get('/v1/quality/agents', { schema: { tags: ['quality'], summary: 'Probe agents (admin)', response: authErrors } }, async (req) => {
    requireAdmin(req);
    return { items: quality().listAgents().map(({ tokenHash: _h, ...a }) => ({ ...a, createdAt: toIso(a.createdAt), revokedAt: iso(a.revokedAt) })) };
  });

  app.post<{ Body: Static<typeof AgentBody> }>(
    '/v1/quality/agents',
    { schema: { tags: ['quality'], summary: 'Register a probe agent for a provider; the token is shown once (admin)', body: AgentBody, response: authErrors } },
    async (req, reply) => {
      requireAdmin(req);
      if (!ctx.services.registry.getMember(req.body.provider)) throw apiErrors.make('NOT_FOUND', `provider: no member ${req.body.provider}`);
      let created: Awaited<ReturnType<typeof issueAgentKey>> | undefined;
      const agent = await quality().registerAgent(req.body.provider, async (agentId) => {
        created = await issueAgentKey(req, agentId, req.body.provider);
        return hashToken(created.token);
      });
      return reply.code(201).send({ id: agent.id, provider: agent.provider, createdAt: toIso(agent.createdAt), keyId: created!.key.id, token: created!.token });
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/v1/quality/agents/:id',
    { schema: { tags: ['quality'], summary: 'Revoke a probe agent (admin)', params: IdParams, response: authErrors } },
    async (req, reply) => {
      requireAdmin(req);
      if (!(await quality().revokeAgent(req.params.id))) throw apiErrors.make('NOT_FOUND', `no active probe agent ${req.params.id}`);
      // Its keys go too (the component refuses a revoked agent's key anyway).
      for (const k of ctx.services.registry.listAgentKeys(req.params.id)) {
        if (k.revokedAt === null) await ctx.services.registry.revokeKey(k.id, actorOf(req));
      }
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof AgentKeyBody> }>(
    '/v1/quality/agents/:id/keys',
    { schema: { tags: ['quality'], summary: 'Create another API key for an active probe agent (key rotation); the token is shown once (admin)', params: IdParams, body: AgentKeyBody, response: authErrors } },
    async (req, reply) => {
      requireAdmin(req);
      const a = quality().activeAgent(req.params.id);
      if (!a) throw apiErrors.make('NOT_FOUND', `no active probe agent ${req.params.id}`);
      const { key, token } = await ctx.services.registry.createAgentKey({ agentId: a.id, providerMemberId: a.provider, ...(req.body?.label ? { label: req.body.label } : {}) }, actorOf(req));
      return reply.code(201).send({ key: presentKey(key), token });
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/quality/agents/:id/keys',
    { schema: { tags: ['quality'], summary: 'A probe agent’s API keys, never the tokens (admin)', params: IdParams, response: authErrors } },
    async (req) => {
      requireAdmin(req);
      if (!quality().listAgents().some((x) => x.id === req.params.id)) throw apiErrors.make('NOT_FOUND', `no probe agent ${req.params.id}`);
      return { items: ctx.services.registry.listAgentKeys(req.params.id).map(presentKey) };
    },
  );
};

export default qualityRoutes;
