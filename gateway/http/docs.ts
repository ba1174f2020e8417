import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';

export const DOCS_PREFIX = '/docs';

/**
 * The OpenAPI document and its UI at /docs, built on the first request to /docs: @fastify/swagger with its YAML
 * and ref-resolver dependencies and @fastify/swagger-ui with its static files cost ≈ 90 module files and a UI file
 * scan at every start, for a page store IT opens now and then. The gateway records its routes (method, url,
 * schema, config) as they are added; the first /docs request builds a docs-only fastify instance (never listening)
 * with the same routes and the same swagger options, and every /docs request is answered by it through inject().
 * The document is therefore the one @fastify/swagger makes from the real routes, as before.
 */
export function lazyDocs(openapi: Record<string, unknown>) {
  const routes: RouteOptions[] = [];
  let docs: Promise<FastifyInstance> | undefined;
  const build = async () => {
    const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')]);
    const d = Fastify({ logger: false });
    // the routes are only described here, never called: nothing to validate or serialise
    d.setValidatorCompiler(() => () => true);
    d.setSerializerCompiler(() => (data) => JSON.stringify(data));
    await d.register(swagger, { openapi });
    await d.register(swaggerUi, { routePrefix: DOCS_PREFIX });
    for (const r of routes) d.route({ method: r.method, url: r.url, schema: r.schema ?? {}, config: r.config ?? {}, handler: async () => null });
    await d.ready();
    return d;
  };
  return {
    /** the gateway's onRoute hook, added before any plugin */
    onRoute(r: RouteOptions) {
      // fastify adds a HEAD route per GET by itself (in the docs instance too); swagger leaves them out
      if (r.method !== 'HEAD' && !r.url.startsWith(DOCS_PREFIX)) routes.push(r);
    },
    /** answers GET /docs and /docs/* */
    async handler(req: FastifyRequest, reply: FastifyReply) {
      docs ??= build().catch((err) => {
        docs = undefined;
        throw err;
      });
      const res = await (await docs).inject({ method: 'GET', url: req.url, headers: req.headers });
      const { 'content-length': _length, 'transfer-encoding': _encoding, connection: _connection, ...headers } = res.headers;
      return reply.code(res.statusCode).headers(headers).send(res.rawPayload);
    },
    async close() {
      const d = await docs?.catch(() => undefined);
      await d?.close();
    },
  };
}
