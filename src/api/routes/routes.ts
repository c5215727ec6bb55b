/**
 * The trade route registry and the route server's looking glass (SPEC B1, B5, B7):
 * GET /v1/routes (learned routes by member and prefix: exact, longest, covering, covered),
 * GET /v1/members/{id}/exports (what the route server sends the member now, and why),
 * registered prefixes and routing policy per member, BGP sessions, and the neighbor
 * configuration for a port's router (BIRD or FRR).
 * Visibility: accepted routes are visible to every member (as on an IXP looking glass);
 * rejected ones, exports, prefixes and policy only to their member (and admins).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { ArbiterService } from '../../arbiter/service.ts';
import { arbiterErrors } from '../../arbiter/errors.ts';
import { birdNeighborConfig, frrNeighborConfig } from '../../arbiter/router-config.ts';
import type { ExportedRoute } from '../../arbiter/export-policy.ts';
import { REJECT_REASONS } from '../../registry/route-filter.ts';
import type { RouteAttributes, StoredRoute } from '../../registry/route-model.ts';
import { formatAsPath } from '../../registry/route-model.ts';
import { registryErrors } from '../../registry/index.ts';
import { toIso } from '../../lib/index.ts';
import { actorOf, assertOwner, viewerOf } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { Page, PageQuery, pageArray } from '../pagination.ts';
import { IdParams, authErrors } from '../schemas.ts';

const Attrs = Type.Object({
  origin: Type.String(),
  asPath: Type.String({ description: 'AS path as text, AS_SETs in braces' }),
  nextHop: Type.String(),
  med: Type.Optional(Type.Integer()),
  communities: Type.Array(Type.String(), { description: 'ASN:VALUE' }),
  largeCommunities: Type.Array(Type.String(), { description: 'GLOBAL:LOCAL1:LOCAL2' }),
});

const RouteOut = Type.Object({
  memberId: Type.String(),
  router: Type.String(),
  prefix: Type.String(),
  status: Type.String({ description: 'accepted | rejected' }),
  reasons: Type.Array(Type.Object({ code: Type.String(), rule: Type.String() })),
  rpki: Type.String({ description: 'valid | invalid | not-found | unchecked (RFC 6811)' }),
  irr: Type.String({ description: 'match | no-match | unchecked' }),
  receivedAt: Type.String({ format: 'date-time' }),
  attrs: Attrs,
});

const Reason = Type.Object({ tradeId: Type.String(), tradeNumber: Type.Integer(), role: Type.String({ description: 'delivery | buyer-prefix' }) });
const ExportOut = Type.Object({
  prefix: Type.String(),
  source: Type.Object({ memberId: Type.String(), router: Type.String() }),
  attrs: Attrs,
  reasons: Type.Array(Reason),
  shadowed: Type.Array(Reason),
});

const RoutesQuery = Type.Composite(
  [
    PageQuery,
    Type.Object({
      member: Type.Optional(Type.String({ maxLength: 100 })),
      prefix: Type.Optional(Type.String({ maxLength: 64 })),
      match: Type.Optional(Type.Union([Type.Literal('exact'), Type.Literal('longest'), Type.Literal('covering'), Type.Literal('covered')])),
      status: Type.Optional(Type.Union([Type.Literal('accepted'), Type.Literal('rejected')])),
    }),
  ],
  { additionalProperties: false },
);

const PrefixOut = Type.Object({
  memberId: Type.String(),
  prefix: Type.String(),
  description: Type.Optional(Type.String()),
  registeredAt: Type.String({ format: 'date-time' }),
});
const PrefixBody = Type.Object(
  { prefix: Type.String({ maxLength: 64 }), description: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
const PrefixQuery = Type.Object({ prefix: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

const PolicyOut = Type.Object({
  noExport: Type.Boolean(),
  receiveBuyerPrefixes: Type.Boolean(),
  maxPrefixes: Type.Union([Type.Object({ ipv4: Type.Integer(), ipv6: Type.Integer() }), Type.Null()]),
});
const PolicyBody = Type.Object(
  {
    noExport: Type.Optional(Type.Boolean()),
    receiveBuyerPrefixes: Type.Optional(Type.Boolean()),
    maxPrefixes: Type.Optional(
      Type.Union([
        Type.Object(
          { ipv4: Type.Integer({ minimum: 1, maximum: 10_000_000 }), ipv6: Type.Integer({ minimum: 1, maximum: 10_000_000 }) },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);

const ConfigQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('bird'), Type.Literal('frr')])) },
  { additionalProperties: false },
);

function attrsOut(a: RouteAttributes) {
  return {
    origin: a.origin,
    asPath: formatAsPath(a.asPath),
    nextHop: a.nextHop,
    ...(a.med === undefined ? {} : { med: a.med }),
    communities: a.communities.map(([x, y]) => `${x}:${y}`),
    largeCommunities: a.largeCommunities.map((c) => c.join(':')),
  };
}

function routeOut(r: StoredRoute) {
  return {
    memberId: r.memberId,
    router: r.router,
    prefix: r.prefix,
    status: r.status,
    reasons: r.reasons.map((code) => ({ code, rule: REJECT_REASONS[code as keyof typeof REJECT_REASONS] ?? code })),
    rpki: r.rpki,
    irr: r.irr,
    receivedAt: toIso(r.receivedAt),
    attrs: attrsOut(r.attrs),
  };
}

function exportOut(r: ExportedRoute) {
  return { prefix: r.prefix, source: r.source, attrs: attrsOut(r.attrs), reasons: r.reasons, shadowed: r.shadowed };
}

const routeRoutes: RouteModule = (app, ctx) => {
  const svc = (): ArbiterService => ctx.services.arbiter;
  const tags = ['routes'];
  const memberNotFound = (id: string) => () => registryErrors.make('REGISTRY_MEMBER_NOT_FOUND', `no member ${id}`);
  const ownMember = (req: FastifyRequest, id: string) => {
    assertOwner(req, ctx.services.registry.getMember(id)?.id, memberNotFound(id));
  };

  app.get<{ Querystring: Static<typeof RoutesQuery> }>(
    '/v1/routes',
    {
      schema: {
        tags,
        summary: 'Routes members announced to the route server, by member and prefix (longest / covering / covered match)',
        querystring: RoutesQuery,
        response: { 200: Page(RouteOut), ...authErrors },
      },
    },
    async (req) => {
      const viewer = viewerOf(req);
      const q = req.query;
      const all = svc().registry.routes({
        ...(q.member === undefined ? {} : { member: q.member }),
        ...(q.prefix === undefined ? {} : { prefix: q.prefix, match: q.match ?? 'exact' }),
        ...(q.status === undefined ? {} : { status: q.status }),
      });
      // Another member's rejected routes are its own business.
      const visible = all.filter((r) => viewer === null || r.memberId === viewer || r.status === 'accepted');
      const page = pageArray(visible, q, ctx.config, (r) => `${r.prefix}|${r.router}`);
      return { items: page.items.map(routeOut), next: page.next };
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: PageQuery }>(
    '/v1/members/:id/exports',
    {
      schema: {
        tags,
        summary: 'Looking glass: what the route server sends this member now, and which trade each route is for',
        params: IdParams,
        querystring: PageQuery,
        response: { 200: Page(ExportOut), ...authErrors },
      },
    },
    async (req) => {
      ownMember(req, req.params.id);
      const page = pageArray(svc().arbiter.exportsFor(req.params.id), req.query, ctx.config, (r) => r.prefix);
      return { items: page.items.map(exportOut), next: page.next };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/members/:id/prefixes',
    { schema: { tags, summary: "The member's registered prefixes", params: IdParams, response: { 200: Type.Object({ items: Type.Array(PrefixOut) }), ...authErrors } } },
    async (req) => {
      ownMember(req, req.params.id);
      return {
        items: svc()
          .registry.registeredPrefixes(req.params.id)
          .map((p) => ({ memberId: p.memberId, prefix: p.prefix, ...(p.description === undefined ? {} : { description: p.description }), registeredAt: toIso(p.registeredAt) })),
      };
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof PrefixBody> }>(
    '/v1/members/:id/prefixes',
    { schema: { tags, summary: 'Register a prefix the member originates (idempotent)', params: IdParams, body: PrefixBody, response: { 201: PrefixOut, ...authErrors } } },
    async (req, reply) => {
      ownMember(req, req.params.id);
      const p = await svc().routes.registerPrefix(req.params.id, req.body.prefix, req.body.description, actorOf(req));
      return reply.code(201).send({ memberId: p.memberId, prefix: p.prefix, ...(p.description === undefined ? {} : { description: p.description }), registeredAt: toIso(p.registeredAt) });
    },
  );

  app.delete<{ Params: Static<typeof IdParams>; Querystring: Static<typeof PrefixQuery> }>(
    '/v1/members/:id/prefixes',
    { schema: { tags, summary: 'Unregister a prefix (?prefix=CIDR)', params: IdParams, querystring: PrefixQuery, response: { 200: PrefixOut, ...authErrors } } },
    async (req) => {
      ownMember(req, req.params.id);
      const p = await svc().routes.unregisterPrefix(req.params.id, req.query.prefix, actorOf(req));
      return { memberId: p.memberId, prefix: p.prefix, ...(p.description === undefined ? {} : { description: p.description }), registeredAt: toIso(p.registeredAt) };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/members/:id/routing-policy',
    { schema: { tags, summary: "The member's routing policy", params: IdParams, response: { 200: PolicyOut, ...authErrors } } },
    async (req) => {
      ownMember(req, req.params.id);
      const p = svc().registry.policy(req.params.id);
      return { noExport: p.noExport, receiveBuyerPrefixes: p.receiveBuyerPrefixes, maxPrefixes: p.maxPrefixes ?? null };
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof PolicyBody> }>(
    '/v1/members/:id/routing-policy',
    { schema: { tags, summary: 'Change the routing policy (NO_EXPORT on exports, receive buyer prefixes, max-prefix)', params: IdParams, body: PolicyBody, response: { 200: PolicyOut, ...authErrors } } },
    async (req) => {
      ownMember(req, req.params.id);
      const p = await svc().routes.setPolicy(req.params.id, req.body as Record<string, unknown>, actorOf(req));
      return { noExport: p.noExport, receiveBuyerPrefixes: p.receiveBuyerPrefixes, maxPrefixes: p.maxPrefixes ?? null };
    },
  );

  app.get(
    '/v1/bgp/sessions',
    { schema: { tags, summary: 'Route server sessions (a member sees its own)', response: { ...authErrors } } },
    async (req) => {
      const viewer = viewerOf(req);
      const sp = svc().speaker;
      if (!sp) return { items: [] };
      const owner = (addr: string) => svc().registry.memberByRouter(addr)?.memberId;
      return {
        items: sp
          .peers()
          .filter((p) => viewer === null || owner(p.address) === viewer)
          .map((p) => ({
            memberId: owner(p.address) ?? null,
            address: p.address,
            asn: p.asn,
            state: p.state,
            reason: p.reason,
            since: toIso(p.since),
            prefixesIn: p.prefixesIn.total,
            prefixesOut: p.prefixesOut,
          })),
      };
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof ConfigQuery> }>(
    '/v1/ports/:id/bgp-config',
    {
      schema: {
        tags,
        summary: "Neighbor configuration for the port's router towards the route server (BIRD 2 or FRR), as text",
        params: IdParams,
        querystring: ConfigQuery,
        response: { 200: Type.Object({ format: Type.String(), config: Type.String() }), ...authErrors },
      },
    },
    async (req) => {
      const port = ctx.services.registry.getPort(req.params.id);
      assertOwner(req, port?.memberId, () => arbiterErrors.make('ARBITER_PORT_UNKNOWN', `no port ${req.params.id}`));
      const member = ctx.services.registry.getMember(port!.memberId)!;
      const c = svc().config;
      if (!c.listen) throw arbiterErrors.make('ARBITER_NOT_LISTENING', 'the route server is not configured (bgp.listen is empty)');
      const rsPort = Number(/:(\d+)$/.exec(c.listen)?.[1] ?? 179);
      const rsHost = c.listen.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      const format = req.query.format ?? 'bird';
      const gen = format === 'frr' ? frrNeighborConfig : birdNeighborConfig;
      const parts = port!.routerIps.map((ip) => {
        const fam = ip.includes(':') ? 6 : 4;
        const configured = fam === 4 ? c.lanAddress4 : c.lanAddress6;
        const wildcard = rsHost === '::' || rsHost === '0.0.0.0' || rsHost.includes(':') !== (fam === 6);
        const rsAddress = configured || (wildcard ? '' : rsHost);
        if (!rsAddress) {
          throw arbiterErrors.make('ARBITER_NOT_LISTENING', `set bgp.lanAddress${fam}: the route server's IPv${fam} address on the exchange LAN is not known from bgp.listen`, {
            field: `bgp.lanAddress${fam}`,
          });
        }
        return gen({
          memberAsn: member.asns[0],
          routerAddress: ip,
          rsAsn: c.asn,
          rsAddress,
          rsPort,
          prefixes: svc().registry.registeredPrefixes(member.id, fam).map((p) => p.prefix),
          name: port!.name,
        });
      });
      return { format, config: parts.join('\n') };
    },
  );
};

export default routeRoutes;
