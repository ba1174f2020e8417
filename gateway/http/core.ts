import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry as Metrics } from '../metrics.ts';

export interface ReadinessCheck {
  name: string;
  ok(): boolean;
}

/**
 * Probes answer with JSON.stringify of the object their handler builds (exactly their reply schema's shape): the
 * first probe of a starting gateway must not wait for the schema compilers to load (gateway/http/lazy-schemas.ts).
 * The schemas stay for the OpenAPI document.
 */
const probeSerializer = () => (data: unknown) => JSON.stringify(data);

/** Liveness, readiness (broker, store, model…) and Prometheus metrics. */
export function corePlugin(deps: { metrics: Metrics; checks: () => ReadinessCheck[] }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/healthz',
      { serializerCompiler: probeSerializer, schema: { tags: ['ops'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        serializerCompiler: probeSerializer,
        schema: {
          tags: ['ops'],
          response: {
            200: Type.Object({ ready: Type.Boolean(), checks: Type.Record(Type.String(), Type.Boolean()) }),
            503: Type.Object({ ready: Type.Boolean(), checks: Type.Record(Type.String(), Type.Boolean()) }),
          },
        },
      },
      async (_req, reply) => {
        const checks = Object.fromEntries(deps.checks().map((c) => [c.name, safe(c.ok)]));
        const ready = Object.values(checks).every(Boolean);
        return reply.status(ready ? 200 : 503).send({ ready, checks });
      },
    );

    app.get('/metrics', { schema: { tags: ['ops'], hide: true } }, async (_req, reply) => {
      reply.header('content-type', deps.metrics.contentType);
      return deps.metrics.metrics();
    });
  };
}

function safe(fn: () => boolean) {
  try {
    return fn();
  } catch {
    return false;
  }
}
