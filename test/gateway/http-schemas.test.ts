import Type from 'typebox';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createAuth } from '../../gateway/http/auth.ts';
import { buildHttp, type HttpPlugin } from '../../gateway/http/server.ts';
import { createLogger } from '../../gateway/log.ts';
import { createMetrics } from '../../gateway/metrics.ts';
import { ADMIN_TOKEN, logSink, startGateway } from '../helpers/gateway.ts';

/** Route schemas compile on a route's first request (gateway/http/lazy-schemas.ts), with fastify's own compilers. */
async function appWith(plugin: HttpPlugin['plugin']) {
  const logs = logSink();
  const app = await buildHttp({
    log: createLogger({ level: 'debug', destination: logs.stream }),
    metrics: createMetrics({ defaults: false }),
    auth: createAuth({ admin: ADMIN_TOKEN }),
    plugins: [{ name: 'test', plugin }],
    version: '0.0.0-test',
  });
  onTestFinished(() => app.close());
  await app.ready();
  return { app, logs };
}

const Reply = Type.Object({ name: Type.String(), n: Type.Integer(), tags: Type.Array(Type.String()) });

describe('route schemas compiled on first use', () => {
  it('validates, coerces and defaults a request on the first call exactly as fastify does at start', async () => {
    const { app } = await appWith(async (a) => {
      a.post(
        '/t/:id',
        {
          schema: {
            params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
            querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 10, default: 5 }), flag: Type.Optional(Type.Boolean()) }),
            body: Type.Object({ name: Type.String({ minLength: 2 }) }, { additionalProperties: false }),
          },
        },
        async (req) => ({ id: req.params.id, query: req.query, body: req.body }),
      );
    });
    const bad = await app.inject({ method: 'POST', url: '/t/7?limit=50', payload: { name: 'ok' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'SG_INVALID', message: expect.stringContaining('limit') });
    expect((await app.inject({ method: 'POST', url: '/t/7', payload: { name: 'x' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/t/0', payload: { name: 'ok' } })).statusCode).toBe(400);
    // strings from the URL become numbers and booleans, a missing limit gets its default, and (fastify's ajv
    // option removeAdditional) a property the body schema forbids is dropped
    const ok = await app.inject({ method: 'POST', url: '/t/7?flag=true', payload: { name: 'ok', extra: 1 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ id: 7, query: { limit: 5, flag: true }, body: { name: 'ok' } });
  });

  it('serialises a reply by its schema: fields the schema does not name never leave, numbers are coerced', async () => {
    const { app } = await appWith(async (a) => {
      a.get('/r', { schema: { response: { 200: Reply } } }, async () => ({ name: 'lk-01', n: '3', tags: ['a'], secretHash: 'never-sent' }) as never);
    });
    for (let i = 0; i < 2; i++) {
      const res = await app.inject({ url: '/r' });
      expect(res.body).toBe('{"name":"lk-01","n":3,"tags":["a"]}');
    }
  });

  it('reports a broken schema on compileSchemas() and answers its route with a logged 500, not a crash', async () => {
    const { app, logs } = await appWith(async (a) => {
      a.get('/broken', { schema: { querystring: { type: 'object', properties: { x: { type: 'no-such-type' } } } } }, async () => ({ ok: true }));
      a.get('/fine', async () => ({ ok: true }));
    });
    expect(() => app.compileSchemas()).toThrow(/no-such-type|type/);
    const res = await app.inject({ url: '/broken?x=1' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'SG_INTERNAL', message: 'internal error' });
    expect(logs.parsed().some((l) => l.msg === 'request failed')).toBe(true);
    expect((await app.inject({ url: '/fine' })).json()).toEqual({ ok: true });
  });

  it("compiles every route's request and reply schemas of a whole gateway", async () => {
    const gw = await startGateway();
    expect(() => gw.http.compileSchemas()).not.toThrow();
    expect((await gw.http.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});

describe('OpenAPI docs built on the first /docs request', () => {
  it('describes every capability route, with the same document on later requests, and serves the UI', async () => {
    const gw = await startGateway();
    const first = await gw.http.inject({ url: '/docs/json' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toMatch(/application\/json/);
    const doc = first.json() as { info: { title: string }; paths: Record<string, Record<string, { security?: unknown }>> };
    expect(doc.info.title).toBe('storegate');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/devices', '/api/v1/devices/{id}', '/api/v1/alerts', '/readyz', '/healthz']));
    expect(doc.paths['/api/v1/devices']?.get?.security).toEqual([{ bearer: [] }]);
    // the docs' own routes and the hidden /metrics stay out of the document, as they were
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/docs') || p === '/metrics')).toBe(false);
    expect((await gw.http.inject({ url: '/docs/json' })).body).toBe(first.body);
    expect((await gw.http.inject({ url: '/docs/yaml' })).body).toMatch(/^openapi: 3\./);

    const ui = await gw.http.inject({ url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    expect(ui.body).toMatch(/swagger/i);
    const asset = await gw.http.inject({ url: '/docs/static/swagger-ui.css' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/text\/css/);
  });
});
