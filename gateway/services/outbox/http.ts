import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import type { Auth } from '../../http/auth.ts';
import type { Db } from '../../store/db.ts';
import { listDeadLetters, retryDeadLetters } from './repository.ts';

const ByClass = Type.Object({ critical: Type.Number(), normal: Type.Number(), bulk: Type.Number() });
const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

const StatusSchema = Type.Object({
  backlog: Type.Object({
    events: Type.Number(),
    bytes: Type.Number(),
    oldestAgeSeconds: Type.Number(),
    byClass: Type.Object({
      critical: Type.Object({ events: Type.Number(), bytes: Type.Number() }),
      normal: Type.Object({ events: Type.Number(), bytes: Type.Number() }),
      bulk: Type.Object({ events: Type.Number(), bytes: Type.Number() }),
    }),
  }),
  budget: Type.Object({ maxBytes: Type.Number(), maxEvents: Type.Number(), over: Type.Boolean(), alertRaised: Type.Boolean() }),
  dropped: Type.Object({ budget: ByClass, ttl: ByClass }),
  deadLetters: Type.Number(),
  forwarders: Type.Array(
    Type.Object({
      name: Type.String(),
      kind: Type.String(),
      state: Type.Union([Type.Literal('up'), Type.Literal('retrying'), Type.Literal('down')]),
      downSince: Nullable(Type.String()),
      consecutiveFailures: Type.Number(),
      nextAttemptAt: Nullable(Type.String()),
      lastError: Nullable(Type.String()),
      sent: Type.Number(),
      sendRate: Type.Number({ description: 'events per second over the last minute' }),
      pending: Type.Number(),
      deadLettered: Type.Number(),
      deadLetters: Type.Number(),
    }),
  ),
});

const DeadLetterSchema = Type.Object({
  forwarder: Type.String(),
  id: Type.String(),
  type: Type.String(),
  source: Type.String(),
  reason: Type.String(),
  failedAt: Type.String(),
});

/** Admin routes: backlog and circuit state, dead letters, and retrying them. */
export function outboxHttp(deps: { auth: Auth; db: Db; status: () => Promise<Static<typeof StatusSchema>>; wake: () => void }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', deps.auth.requireAdmin);
    const common = { tags: ['outbox'], security: [{ bearer: [] }] };

    app.get('/api/v1/outbox', { schema: { ...common, response: { 200: StatusSchema } } }, async () => deps.status());

    app.get(
      '/api/v1/outbox/dead-letters',
      {
        schema: {
          ...common,
          querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }),
          response: { 200: Type.Object({ total: Type.Number(), items: Type.Array(DeadLetterSchema) }) },
        },
      },
      async (req) => listDeadLetters(deps.db, req.query.limit),
    );

    app.post(
      '/api/v1/outbox/dead-letters/retry',
      {
        schema: {
          ...common,
          body: Type.Object(
            {
              forwarder: Type.Optional(Type.String({ minLength: 1 })),
              ids: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ retried: Type.Number() }) },
        },
      },
      async (req) => {
        // no body at all is `{}`: retry everything
        const retried = await retryDeadLetters(deps.db, req.body ?? {});
        deps.wake();
        return { retried };
      },
    );
  };
}
