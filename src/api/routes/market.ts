/**
 * The market over HTTP (SPEC B2, B3):
 *   POST   /v1/orders              place an order (member); the answer comes after it is journaled
 *   GET    /v1/orders              my orders (?status=open|closed; admin: ?memberId=)
 *   GET    /v1/orders/:id          one of my orders
 *   PATCH  /v1/orders/:id          amend price and/or capacity (priority rules: docs/market.md)
 *   DELETE /v1/orders/:id          cancel
 *   GET    /v1/book?destination=   anonymous aggregated depth of one destination (no key needed)
 *   GET    /v1/trades              my trades (as buyer or seller; admin: ?memberId=)
 *   POST   /v1/trades/:id/cancel   cancel a trade (admin)
 * Stream topics: `market.book` (BookChanged), `market.trades` (TradesPrinted, anonymous),
 * `orders` (private order updates) and `trades` (private trades).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { marketErrors, type OrderInput } from '../../market/index.ts';
import { requireAdmin, requireMember, viewerOf } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { pageLimit, PageQuery } from '../pagination.ts';
import { authErrors, IdParams } from '../schemas.ts';

const Str = (max: number, description?: string) => Type.String({ maxLength: max, ...(description ? { description } : {}) });
const Num = (description?: string) => Type.Number(description ? { description } : {});

const OrderBody = Type.Object(
  {
    clientOrderId: Type.Optional(Str(64, 'unique per member; a retry with the same id returns the original order')),
    side: Str(8, 'buy | sell'),
    destination: Str(64, 'IPv4/IPv6 prefix in CIDR form, or "any" (then give protocol)'),
    protocol: Type.Optional(Str(8, 'ipv4 | ipv6')),
    prefixType: Str(16, 'customer | peer | transit | specific'),
    trafficType: Type.Optional(Str(40, '"any" (default) or a token such as video')),
    capacityMbps: Type.Integer({ description: 'Mbps' }),
    minBlockMbps: Type.Optional(Type.Integer({ description: 'fills are multiples of it (default 1)' })),
    price: Type.Optional(Str(40, 'limit orders: money per Mbps per month, decimal string')),
    priceGuard: Type.Optional(Str(40, 'market orders: the worst price accepted')),
    orderType: Type.Optional(Str(8, 'limit (default) | market')),
    timeInForce: Type.Optional(Str(4, 'GTC (default for limit) | GTD | IOC (default for market) | FOK')),
    expiresAt: Type.Optional(Str(40, 'GTD: ISO 8601')),
    start: Str(40, 'delivery period start, ISO 8601, whole second'),
    end: Str(40, 'delivery period end (exclusive), ISO 8601, whole second'),
    portId: Str(100, 'one of your ports'),
    quality: Type.Optional(
      Type.Object(
        {
          maxLatencyMs: Type.Optional(Num('buy: limit on mean latency')),
          maxLossPct: Type.Optional(Num('buy: limit on packet loss, %')),
          maxAsHops: Type.Optional(Num('buy: limit on AS hops')),
          verifiedOnly: Type.Optional(Type.Boolean({ description: 'buy: only measured quality counts' })),
          latencyMs: Type.Optional(Num('sell: declared latency (unverified until measured)')),
          lossPct: Type.Optional(Num('sell: declared loss')),
          asHops: Type.Optional(Num('sell: declared AS hops')),
        },
        { additionalProperties: false },
      ),
    ),
    ranking: Type.Optional(Str(16, 'buy: price (default) | performance | weighted')),
    weights: Type.Optional(
      Type.Object(
        { latency: Type.Optional(Str(40, 'money per ms')), loss: Type.Optional(Str(40, 'money per %')), distance: Type.Optional(Str(40, 'money per AS hop')) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const AmendBody = Type.Object(
  { price: Type.Optional(Str(40)), capacityMbps: Type.Optional(Type.Integer()) },
  { additionalProperties: false },
);

const OrdersQuery = Type.Composite([
  PageQuery,
  Type.Object({ status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])), memberId: Type.Optional(Str(100)) }),
], { additionalProperties: false });
const TradesQuery = Type.Composite([PageQuery, Type.Object({ memberId: Type.Optional(Str(100)) })], { additionalProperties: false });
const BookQuery = Type.Object(
  { destination: Str(64, 'CIDR, any, any4 or any6'), protocol: Type.Optional(Type.Union([Type.Literal('ipv4'), Type.Literal('ipv6')])) },
  { additionalProperties: false },
);
const CancelTradeBody = Type.Object({ reason: Type.Optional(Str(200)) }, { additionalProperties: false });

/** Member: itself. Admin: the `memberId` it names (required). */
function listSubject(req: FastifyRequest, memberId: string | undefined): string {
  const viewer = viewerOf(req);
  if (viewer !== null) return viewer;
  if (!memberId) throw marketErrors.make('MARKET_INVALID_ORDER', 'an admin lists the orders or trades of one member: give memberId', { field: 'memberId' });
  return memberId;
}

/**
 * The answer to an order command: the order with its trades as a last field. The service presents
 * a new object per call, so the field is added in place — a `{ ...order, trades }` copy of its 25
 * fields cost more than presenting it.
 */
function withTrades(order: Record<string, unknown>, trades: unknown[]): Record<string, unknown> {
  order.trades = trades;
  return order;
}

const notFound = (id: string) => marketErrors.make('MARKET_ORDER_NOT_FOUND', `no order ${id} of yours`, { field: 'id' });

const marketRoutes: RouteModule = (app, ctx) => {
  const market = () => ctx.services.market;

  app.post<{ Body: Static<typeof OrderBody> }>(
    '/v1/orders',
    { schema: { tags: ['market'], summary: 'Place an order', body: OrderBody, response: { ...authErrors } } },
    async (req, reply) => {
      const memberId = requireMember(req);
      const r = await market().submit(memberId, req.body as OrderInput);
      return reply.code(r.duplicate ? 200 : 201).send(withTrades(r.order, r.trades));
    },
  );

  app.get<{ Querystring: Static<typeof OrdersQuery> }>(
    '/v1/orders',
    { schema: { tags: ['market'], summary: 'My orders', querystring: OrdersQuery, response: { ...authErrors } } },
    async (req) => {
      const who = listSubject(req, req.query.memberId);
      const status = req.query.status;
      return market().listOrders(who, {
        limit: pageLimit(ctx.config, req.query),
        ...(req.query.after !== undefined ? { after: req.query.after } : {}),
        ...(status ? { open: status === 'open' } : {}),
      });
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/v1/orders/:id',
    { schema: { tags: ['market'], summary: 'One of my orders', params: IdParams, response: { ...authErrors } } },
    async (req) => {
      const o = await market().getOrder(viewerOf(req), req.params.id);
      if (!o) throw notFound(req.params.id);
      return o;
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof AmendBody> }>(
    '/v1/orders/:id',
    { schema: { tags: ['market'], summary: 'Amend price and/or capacity', params: IdParams, body: AmendBody, response: { ...authErrors } } },
    async (req) => {
      const memberId = requireMember(req);
      const r = await market().amend(memberId, req.params.id, req.body as Record<string, unknown>);
      return withTrades(r.order, r.trades);
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/v1/orders/:id',
    { schema: { tags: ['market'], summary: 'Cancel an order', params: IdParams, response: { ...authErrors } } },
    async (req) => {
      const memberId = requireMember(req);
      return market().cancel(memberId, req.params.id);
    },
  );

  app.get<{ Querystring: Static<typeof BookQuery> }>(
    '/v1/book',
    { config: { public: true }, schema: { tags: ['market'], summary: 'Aggregated depth of one destination (anonymous)', querystring: BookQuery, security: [] } },
    async (req) => market().book(req.query.destination, req.query.protocol),
  );

  app.get<{ Querystring: Static<typeof TradesQuery> }>(
    '/v1/trades',
    { schema: { tags: ['market'], summary: 'My trades', querystring: TradesQuery, response: { ...authErrors } } },
    async (req) => {
      const who = listSubject(req, req.query.memberId);
      return market().listTrades(who, { limit: pageLimit(ctx.config, req.query), ...(req.query.after !== undefined ? { after: req.query.after } : {}) });
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof CancelTradeBody> }>(
    '/v1/trades/:id/cancel',
    { schema: { tags: ['market'], summary: 'Cancel a trade (admin)', params: IdParams, body: CancelTradeBody, response: { ...authErrors } } },
    async (req) => {
      requireAdmin(req);
      await market().cancelTrade(req.params.id, req.body?.reason ?? 'admin');
      return { id: req.params.id, status: 'cancelled' };
    },
  );
};

export default marketRoutes;
