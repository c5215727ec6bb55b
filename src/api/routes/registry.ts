/** Members, ports and API keys: /v1/members, /v1/ports, /v1/keys. */
import { Type, type Static } from '@sinclair/typebox';
import { registryErrors, LIMITS, type NewMember, type Registry } from '../../registry/index.ts';
import { actorOf, assertOwner, requireAdmin, viewerOf } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { Page, PageQuery, pageArray } from '../pagination.ts';
import { presentKey, presentMember, presentPort } from '../present.ts';
import { IdParams, authErrors } from '../schemas.ts';

const Contact = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: LIMITS.contactMax })),
    email: Type.Optional(Type.String({ maxLength: LIMITS.contactMax })),
    phone: Type.Optional(Type.String({ maxLength: LIMITS.contactMax })),
  },
  { additionalProperties: false },
);

export const NewMemberBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: LIMITS.nameMax }),
    asns: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 4294967294 }), { minItems: 1, maxItems: LIMITS.asnsMax })),
    asn: Type.Optional(Type.Integer({ minimum: 1, maximum: 4294967294, description: 'one ASN; shorthand for asns: [asn]' })),
    roles: Type.Optional(Type.Array(Type.String({ description: 'buyer | seller | reseller' }), { minItems: 1, maxItems: 3, description: 'default [buyer, seller]' })),
    contact: Type.Optional(Contact),
  },
  { additionalProperties: false },
);

const MemberOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  asns: Type.Array(Type.Integer()),
  roles: Type.Array(Type.String()),
  contact: Contact,
  createdAt: Type.String({ format: 'date-time' }),
});

const FlowSource = Type.Object(
  { exporter: Type.String({ maxLength: 64 }), ifIndex: Type.Integer({ minimum: 0, maximum: 4294967295 }) },
  { additionalProperties: false },
);

export const NewPortBody = Type.Object(
  {
    memberId: Type.String({ minLength: 1, maxLength: 100 }),
    name: Type.String({ minLength: 1, maxLength: LIMITS.nameMax }),
    capacityMbps: Type.Integer({ minimum: 1, maximum: LIMITS.capacityMaxMbps }),
    routerIps: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: LIMITS.routerIpsMax }),
    macAddresses: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: LIMITS.macsMax })),
    flowSources: Type.Optional(Type.Array(FlowSource, { maxItems: LIMITS.flowSourcesMax })),
  },
  { additionalProperties: false },
);

const PortOut = Type.Object({
  id: Type.String(),
  memberId: Type.String(),
  name: Type.String(),
  capacityMbps: Type.Integer(),
  routerIps: Type.Array(Type.String()),
  macAddresses: Type.Array(Type.String()),
  flowSources: Type.Array(Type.Object({ exporter: Type.String(), ifIndex: Type.Integer() })),
  createdAt: Type.String({ format: 'date-time' }),
});

const KeyOut = Type.Object({
  id: Type.String(),
  memberId: Type.Union([Type.String(), Type.Null()]),
  role: Type.String({ description: 'admin | member | agent' }),
  agentId: Type.Union([Type.String(), Type.Null()], { description: 'agent keys: the probe agent (GET /v1/quality/agents)' }),
  label: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const NewKeyBody = Type.Object({ label: Type.Optional(Type.String({ maxLength: LIMITS.nameMax })) }, { additionalProperties: false });
const CreatedKeyOut = Type.Object({ key: KeyOut, token: Type.String({ description: 'The bearer key. Shown once; only its hash is stored.' }) });

const PortQuery = Type.Composite([PageQuery, Type.Object({ memberId: Type.Optional(Type.String({ maxLength: 100 })) })], { additionalProperties: false });

const registryRoutes: RouteModule = (app, ctx) => {
  const reg = (): Registry => ctx.services.registry;
  const memberNotFound = (id: string) => () => registryErrors.make('REGISTRY_MEMBER_NOT_FOUND', `no member ${id}`);
  const tags = ['registry'];

  app.post<{ Body: Static<typeof NewMemberBody> }>(
    '/v1/members',
    { schema: { tags, summary: 'Create a member (admin)', body: NewMemberBody, response: { 201: MemberOut, ...authErrors } } },
    async (req, reply) => {
      requireAdmin(req);
      const { member } = await reg().createMember(req.body as NewMember, actorOf(req));
      return reply.code(201).send(presentMember(member));
    },
  );

  app.get<{ Querystring: PageQuery }>(
    '/v1/members',
    { schema: { tags, summary: 'List members (a member sees only itself)', querystring: PageQuery, response: { 200: Page(MemberOut), ...authErrors } } },
    async (req) => {
      const viewer = viewerOf(req);
      const all = reg().listMembers().filter((m) => viewer === null || m.id === viewer);
      const page = pageArray(all, req.query, ctx.config, (m) => m.id);
      return { items: page.items.map(presentMember), next: page.next };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/members/:id',
    { schema: { tags, summary: 'One member (admin, or the member itself)', params: IdParams, response: { 200: MemberOut, ...authErrors } } },
    async (req) => {
      const m = reg().getMember(req.params.id);
      assertOwner(req, m?.id, memberNotFound(req.params.id));
      return presentMember(m!);
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof NewKeyBody> }>(
    '/v1/members/:id/keys',
    {
      schema: {
        tags,
        summary: 'Create an API key for a member (admin, or the member itself); the token is shown once',
        params: IdParams,
        body: NewKeyBody,
        response: { 201: CreatedKeyOut, ...authErrors },
      },
    },
    async (req, reply) => {
      const m = reg().getMember(req.params.id);
      assertOwner(req, m?.id, memberNotFound(req.params.id));
      const { key, token } = await reg().createKey({ memberId: req.params.id, label: req.body?.label ?? '' }, actorOf(req));
      return reply.code(201).send({ key: presentKey(key), token });
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: PageQuery }>(
    '/v1/members/:id/keys',
    { schema: { tags, summary: "A member's API keys (never the tokens)", params: IdParams, querystring: PageQuery, response: { 200: Page(KeyOut), ...authErrors } } },
    async (req) => {
      const m = reg().getMember(req.params.id);
      assertOwner(req, m?.id, memberNotFound(req.params.id));
      const page = pageArray(reg().listKeys(req.params.id), req.query, ctx.config, (k) => k.id);
      return { items: page.items.map(presentKey), next: page.next };
    },
  );

  app.post<{ Body: Static<typeof NewKeyBody> }>(
    '/v1/keys',
    { schema: { tags, summary: 'Create an admin API key (admin)', body: NewKeyBody, response: { 201: CreatedKeyOut, ...authErrors } } },
    async (req, reply) => {
      requireAdmin(req);
      const { key, token } = await reg().createKey({ memberId: null, label: req.body?.label ?? '' }, actorOf(req));
      return reply.code(201).send({ key: presentKey(key), token });
    },
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/v1/keys/:id/revoke',
    { schema: { tags, summary: 'Revoke an API key (admin, or the member owning it)', params: IdParams, response: { 200: KeyOut, ...authErrors } } },
    async (req) => {
      const k = reg().getKey(req.params.id);
      const notFound = () => registryErrors.make('REGISTRY_KEY_NOT_FOUND', `no API key ${req.params.id}`);
      // Admin keys have no owning member, and agent keys are the admin's to manage (their
      // memberId is the agent's provider): to a member both are as invisible as a missing id.
      assertOwner(req, k ? (k.role === 'member' ? (k.memberId ?? '') : '') : undefined, notFound);
      return presentKey(await reg().revokeKey(req.params.id, actorOf(req)));
    },
  );

  app.post<{ Body: Static<typeof NewPortBody> }>(
    '/v1/ports',
    { schema: { tags, summary: 'Create a port (admin)', body: NewPortBody, response: { 201: PortOut, ...authErrors } } },
    async (req, reply) => {
      requireAdmin(req);
      const { port } = await reg().createPort(req.body, actorOf(req));
      return reply.code(201).send(presentPort(port));
    },
  );

  app.get<{ Querystring: Static<typeof PortQuery> }>(
    '/v1/ports',
    { schema: { tags, summary: 'List ports (a member sees its own)', querystring: PortQuery, response: { 200: Page(PortOut), ...authErrors } } },
    async (req) => {
      const viewer = viewerOf(req);
      const memberId = viewer ?? req.query.memberId;
      const all = reg()
        .listPorts(memberId)
        .filter((p) => req.query.memberId === undefined || p.memberId === req.query.memberId);
      const page = pageArray(all, req.query, ctx.config, (p) => p.id);
      return { items: page.items.map(presentPort), next: page.next };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/ports/:id',
    { schema: { tags, summary: 'One port (admin, or its member)', params: IdParams, response: { 200: PortOut, ...authErrors } } },
    async (req) => {
      const p = reg().getPort(req.params.id);
      assertOwner(req, p?.memberId, () => registryErrors.make('REGISTRY_PORT_NOT_FOUND', `no port ${req.params.id}`));
      return presentPort(p!);
    },
  );
};

export default registryRoutes;
