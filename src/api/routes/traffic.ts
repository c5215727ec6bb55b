/**
 * Traffic levels from flow telemetry (SPEC A1, A5, B8):
 *   GET /v1/ports/:id/traffic?from&to&step      bits/s series: in/out, by provider port, by class
 *   GET /v1/ports/:id/top-destinations?from&to&limit   destination prefixes by bytes sent
 *   GET /v1/flow/exporters                       exporter status and counters
 * A member sees only its own ports (another member's port answers 404, like a missing one) and
 * only the exporters its ports are mapped to (flowSources exporters, router addresses); admins
 * see everything, plus the collector's own counters.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { parseIso, toIso } from '../../lib/index.ts';
import { meteringErrors, type RatePair } from '../../metering/index.ts';
import { registryErrors } from '../../registry/index.ts';
import { assertOwner, viewerOf } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { IdParams, authErrors } from '../schemas.ts';

const tags = ['traffic'];

const RangeQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 with zone; default: `to` minus 24 h' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 with zone; default: now' })),
    step: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000, description: 'seconds; a multiple of metering.binSeconds (default: one bin)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'top destinations: how many (default 10)' })),
  },
  { additionalProperties: false },
);
type RangeQueryT = Static<typeof RangeQuery>;

const Rate = Type.Object({ in: Type.Number({ description: 'bits/s' }), out: Type.Number({ description: 'bits/s' }) });
const TrafficOut = Type.Object({
  portId: Type.String(),
  from: Type.String(),
  to: Type.String(),
  stepSeconds: Type.Integer(),
  binSeconds: Type.Integer(),
  byteLayer: Type.String({ description: "'l3' (IP bytes, sFlow normalised) or 'exported'" }),
  totals: Type.Object({ inBytes: Type.Number(), outBytes: Type.Number(), inPackets: Type.Number(), outPackets: Type.Number() }),
  points: Type.Array(Type.Object({
    time: Type.String(),
    inBps: Type.Number(),
    outBps: Type.Number(),
    providers: Type.Record(Type.String(), Rate, { description: 'by counterpart port id (the provider that received the traffic); "unknown" when unmapped' }),
    classes: Type.Record(Type.String(), Rate),
  })),
});

const TopOut = Type.Object({
  portId: Type.String(),
  from: Type.String(),
  to: Type.String(),
  items: Type.Array(Type.Object({ prefix: Type.String(), bytes: Type.Number(), bits: Type.Number() })),
});

const ExporterOut = Type.Object({
  exporter: Type.String(),
  protocol: Type.Union([Type.String(), Type.Null()]),
  datagrams: Type.Number(), bytes: Type.Number(), records: Type.Number(), optionsRecords: Type.Number(),
  counterSamples: Type.Number(), templates: Type.Number(), templateWithdrawals: Type.Number(), templatesExpired: Type.Number(),
  templateMisses: Type.Number(), decodeErrors: Type.Number(), lost: Type.Number(), sequenceResets: Type.Number(),
  lostUnit: Type.String(), activeTemplates: Type.Number(),
  sampling: Type.Array(Type.Object({ domainId: Type.Number(), interval: Type.Number() })),
  firstSeen: Type.String(), lastSeen: Type.String(),
});
const ExportersOut = Type.Object({
  collector: Type.Optional(Type.Object({
    listening: Type.Boolean(),
    addresses: Type.Array(Type.String()),
    datagrams: Type.Number(), records: Type.Number(), decodeErrors: Type.Number(), sinkErrors: Type.Number(),
    recvBufferSizes: Type.Array(Type.Number()),
    receivePath: Type.Union([Type.Literal('native'), Type.Literal('dgram'), Type.Literal('inline')], { description: 'native: recvmmsg in the decode worker; dgram: the fallback; inline: no worker' }),
    kernelDrops: Type.Number({ description: 'datagrams the kernel dropped (socket receive buffer full)' }),
    queueDrops: Type.Number({ description: 'datagrams dropped because the decode worker was behind' }),
  })),
  items: Type.Array(ExporterOut),
});

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
function roundPairs(m: Record<string, RatePair>): Record<string, RatePair> {
  const out: Record<string, RatePair> = {};
  for (const [k, v] of Object.entries(m)) out[k] = { in: round(v.in), out: round(v.out) };
  return out;
}

const trafficRoutes: RouteModule = (app, ctx) => {
  const metering = () => ctx.services.metering;
  const binSeconds = () => metering().config.binSeconds;

  function port(req: FastifyRequest<{ Params: { id: string } }>) {
    const p = ctx.services.registry.getPort(req.params.id);
    assertOwner(req, p?.memberId, () => registryErrors.make('REGISTRY_PORT_NOT_FOUND', `no port ${req.params.id}`));
    return p!;
  }

  function range(q: RangeQueryT): { from: number; to: number } {
    const to = q.to === undefined ? ctx.clock.now() : parseIso(q.to);
    if (Number.isNaN(to)) throw meteringErrors.make('METERING_BAD_RANGE', 'to must be ISO 8601 with a zone', { field: 'to' });
    const from = q.from === undefined ? to - 86_400_000 : parseIso(q.from);
    if (Number.isNaN(from)) throw meteringErrors.make('METERING_BAD_RANGE', 'from must be ISO 8601 with a zone', { field: 'from' });
    if (to <= from) throw meteringErrors.make('METERING_BAD_RANGE', 'to must be after from', { field: 'to' });
    return { from, to };
  }

  app.get<{ Params: Static<typeof IdParams>; Querystring: RangeQueryT }>(
    '/v1/ports/:id/traffic',
    { schema: { tags, summary: 'Traffic of a port in bits/s: in/out, by provider, by class (admin, or its member)', params: IdParams, querystring: RangeQuery, response: { 200: TrafficOut, ...authErrors } } },
    async (req) => {
      const p = port(req);
      const { from, to } = range(req.query);
      const s = await metering().traffic(p.id, from, to, (req.query.step ?? binSeconds()) * 1000);
      return {
        portId: s.portId, from: toIso(s.from), to: toIso(s.to), stepSeconds: s.stepMs / 1000, binSeconds: s.binMs / 1000,
        byteLayer: s.byteLayer, totals: s.totals,
        points: s.points.map((x) => ({ time: toIso(x.time), inBps: round(x.inBps), outBps: round(x.outBps), providers: roundPairs(x.providers), classes: roundPairs(x.classes) })),
      };
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: RangeQueryT }>(
    '/v1/ports/:id/top-destinations',
    { schema: { tags, summary: 'Destination prefixes a port sent most bytes to (admin, or its member)', params: IdParams, querystring: RangeQuery, response: { 200: TopOut, ...authErrors } } },
    async (req) => {
      const p = port(req);
      const { from, to } = range(req.query);
      const items = await metering().topDestinations(p.id, from, to, req.query.limit ?? 10);
      return { portId: p.id, from: toIso(from), to: toIso(to), items };
    },
  );

  app.get(
    '/v1/flow/exporters',
    { schema: { tags, summary: 'Flow exporters with their counters (admin: all and the collector; members: those mapped to their ports)', response: { 200: ExportersOut, ...authErrors } } },
    async (req) => {
      const viewer = viewerOf(req);
      const flow = ctx.services.flow;
      let list = flow.exporters();
      if (viewer !== null) {
        const mine = new Set<string>();
        for (const p of ctx.services.registry.listPorts(viewer)) {
          for (const s of p.flowSources) mine.add(s.exporter);
          for (const ip of p.routerIps) mine.add(ip);
        }
        list = list.filter((e) => mine.has(e.exporter));
      }
      const items = list.map(({ firstSeenMs, lastSeenMs, ...e }) => ({ ...e, firstSeen: toIso(firstSeenMs), lastSeen: toIso(lastSeenMs) }));
      if (viewer !== null) return { items };
      const st = flow.stats();
      return {
        collector: { ...st, addresses: flow.addresses().map((a) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`)) },
        items,
      };
    },
  );
};

export default trafficRoutes;
