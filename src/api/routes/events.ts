/** GET /v1/events: the journal tail. Admin sees every event; a member public events and its own. */
import { Type, type Static } from '@sinclair/typebox';
import { viewerOf } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { pageLimit, pageRows } from '../pagination.ts';
import { presentEvent } from '../present.ts';
import { authErrors } from '../schemas.ts';
import { commonErrors } from '../../lib/index.ts';

const EventsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'The `next` cursor (an event seq); 0 for the start' })),
    type: Type.Optional(Type.String({ maxLength: 1000, description: 'Comma-separated event types' })),
    topic: Type.Optional(Type.String({ maxLength: 1000, description: 'Comma-separated topics' })),
  },
  { additionalProperties: false },
);

const EventOut = Type.Object({
  seq: Type.Integer(),
  time: Type.String({ format: 'date-time' }),
  type: Type.String(),
  actor: Type.String(),
  topic: Type.Union([Type.String(), Type.Null()]),
  visibleTo: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
  private: Type.Optional(Type.Boolean()),
  payload: Type.Unknown(),
});

const split = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));

const eventRoutes: RouteModule = (app, ctx) => {
  app.get<{ Querystring: Static<typeof EventsQuery> }>(
    '/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Journal tail, oldest first; page with after=next',
        querystring: EventsQuery,
        response: { 200: Type.Object({ items: Type.Array(EventOut), next: Type.Union([Type.String(), Type.Null()]) }), ...authErrors },
      },
    },
    async (req) => {
      const viewer = viewerOf(req);
      const limit = pageLimit(ctx.config, req.query);
      const afterSeq = Number(req.query.after ?? '0');
      if (!Number.isSafeInteger(afterSeq)) throw commonErrors.make('VALIDATION_FAILED', 'after: must be an event seq', { field: 'after' });
      const types = split(req.query.type);
      const topics = split(req.query.topic);
      const rows = await ctx.journal.read({
        afterSeq,
        limit: limit + 1,
        ...(types ? { types } : {}),
        ...(topics ? { topics } : {}),
        ...(viewer === null ? {} : { visibleTo: viewer }),
      });
      const page = pageRows(rows, limit, (e) => String(e.seq));
      return { items: page.items.map((e) => presentEvent(e, viewer)), next: page.next };
    },
  );
};

export default eventRoutes;
