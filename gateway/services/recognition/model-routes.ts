import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerAsyncHookHandler } from 'fastify';
import { Errors } from '../../errors.ts';
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
          summary: 'Make the shadow model live (the live one becomes the previous, for a rollback); body {sha256?}: only if that is the shadow',
          security: [{ bearer: [] }],
        },
      },
      (req) => {
        // the body is optional (a bare POST promotes whatever the shadow is), so it is checked here, not by a body schema
        const sha256 = (req.body as { sha256?: unknown } | undefined)?.sha256;
        if (sha256 !== undefined && (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))) throw new Errors.invalid('sha256 must be 64 hex digits');
        return deps.ops.promote('admin-api', sha256);
      },
    );
    app.post(
      '/api/v1/recognition/models/rollback',
      { schema: { tags: ['recognition'], summary: 'Make the previous model live again', security: [{ bearer: [] }] } },
      () => deps.ops.rollback('admin-api'),
    );
  };
}
