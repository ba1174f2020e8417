import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Auth } from '../../http/auth.ts';
import type { AlertBook } from './alert-book.ts';

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
export const AlertSchema = Type.Object({
  id: Type.Integer(),
  key: Type.String(),
  severity: Type.String(),
  message: Type.String(),
  deviceId: Type.String(),
  source: Type.String(),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  raisedAt: Type.Number({ description: 'ms since the epoch' }),
  updatedAt: Type.Number(),
  resolvedAt: Nullable(Type.Number()),
});

/** Admin routes: open alerts and recent history, and a "check now" for store IT after fixing something. */
export function alertsHttp(deps: { auth: Auth; book: AlertBook; check: () => Promise<void> }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', deps.auth.requireAdmin);
    const common = { tags: ['alerts'], security: [{ bearer: [] }] };

    app.get(
      '/api/v1/alerts',
      {
        schema: {
          ...common,
          description: 'Open alerts (oldest first) and the most recent ones, open or resolved.',
          querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }),
          response: { 200: Type.Object({ open: Type.Array(AlertSchema), recent: Type.Array(AlertSchema) }) },
        },
      },
      async (req) => ({ open: deps.book.openAlerts(), recent: await deps.book.recent(req.query.limit) }),
    );

    app.post(
      '/api/v1/alerts/check',
      { schema: { ...common, description: 'Run the health checks now (they also run on a timer).', response: { 200: Type.Object({ open: Type.Integer() }) } } },
      async () => {
        await deps.check();
        return { open: deps.book.openAlerts().length };
      },
    );
  };
}
