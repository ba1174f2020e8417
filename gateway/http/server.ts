import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import { Errors } from '../errors.ts';
import type { Logger } from '../log.ts';
import { counter, type Registry as Metrics } from '../metrics.ts';
import type { Auth } from './auth.ts';
import { DOCS_PREFIX, lazyDocs } from './docs.ts';
import { lazySchemaCompilers } from './lazy-schemas.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** compiles every route schema not compiled yet (they compile on a route's first request) */
    compileSchemas(): void;
  }
}

/** The instance a plugin gets: route schemas (TypeBox) type the handler's body, params, querystring and reply. */
export type App = Parameters<FastifyPluginAsyncTypebox>[0];
export interface HttpPlugin {
  name: string;
  plugin: FastifyPluginAsyncTypebox;
}

/**
 * build() is split from listen() so tests use inject(). Each area is a plugin; plugins read services and
 * never the reverse. Route schemas are the validation and the OpenAPI document at /docs. Both are made when first
 * needed, not at start (lazy-schemas.ts, docs.ts): a store's gateway is ready without compiling 50 routes' schemas.
 */
export async function buildHttp(deps: {
  log: Logger;
  metrics: Metrics;
  auth: Auth;
  plugins: HttpPlugin[];
  version: string;
  https?: { key: Buffer; cert: Buffer };
}) {
  const log = deps.log.child({ module: 'http' });
  const compilers = lazySchemaCompilers();
  const app = Fastify({
    schemaController: { compilersFactory: compilers },
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 25 * 1024 * 1024,
    trustProxy: false,
    ...(deps.https ? { https: deps.https } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const errors = counter(deps.metrics, 'storegate_http_errors_total', 'HTTP error answers', ['code']);
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    const code = err.code ?? (err.validation ? 'SG_INVALID' : 'SG_INTERNAL');
    errors.inc({ code });
    if (status >= 500) {
      req.log.error({ err, url: req.url }, 'request failed');
      return reply.status(status).send({ error: 'SG_INTERNAL', message: 'internal error' });
    }
    return reply.status(status).send({ error: code.startsWith('FST_ERR_VALIDATION') ? 'SG_INVALID' : code, message: err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'SG_NOT_FOUND', message: `${req.method} ${req.url.split('?')[0]} not found` }));

  // AJV coerces `?limit=1e309` to Infinity, which passes `maximum`; no route wants a non-finite number.
  app.addHook('preHandler', async (req) => {
    const q: unknown = req.query;
    if (!q || typeof q !== 'object') return;
    for (const [k, v] of Object.entries(q)) {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Errors.invalid(`query parameter ${k} must be a finite number`);
    }
  });

  app.decorate('compileSchemas', compilers.compileAll);
  const docs = lazyDocs({
    info: { title: 'storegate', version: deps.version, description: 'Smart-store IoT edge gateway API' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  });
  app.addHook('onRoute', docs.onRoute);
  app.addHook('onClose', docs.close);
  app.get(DOCS_PREFIX, { schema: { hide: true } }, docs.handler);
  app.get(`${DOCS_PREFIX}/*`, { schema: { hide: true } }, docs.handler);
  for (const p of deps.plugins) await app.register(p.plugin);
  return app;
}
