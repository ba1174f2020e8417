import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerAsyncHookHandler } from 'fastify';
import Type from 'typebox';
import type { ModelOps } from './model-ops.ts';

/**
 * Model operations for store IT and `storegate model`: what is live, shadow and previous with the shadow's agreement
 * and the history; promote the shadow; roll back to the previous model. Admin only: a model decides what every mirror
 * shows.
 */
export function modelOpsRoutes(deps: { ops: ModelOps; guard: preHandlerAsyncHookHandler }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', deps.guard);
    app.get(
      '/api/v1/recognition/models',
      { schema: { tags: ['recognition'], summary: 'Live, shadow and previous model, rollout history', security: [{ bearer: [] }] } },
      () => deps.ops.status(),
    );
    app.post(
      '/api/v1/recognition/models/promote',
      {
        schema: {
          tags: ['recognition'],
          summary: 'Make the shadow model live (the live one becomes the previous, for a rollback)',
          security: [{ bearer: [] }],
          body: Type.Optional(
            Type.Object(
              { sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'refuse unless this is the shadow' })) },
              { additionalProperties: false },
            ),
          ),
        },
      },
      (req) => deps.ops.promote('admin-api', req.body?.sha256),
    );
    app.post(
      '/api/v1/recognition/models/rollback',
      { schema: { tags: ['recognition'], summary: 'Make the previous model live again', security: [{ bearer: [] }] } },
      () => deps.ops.rollback('admin-api'),
    );
  };
}
