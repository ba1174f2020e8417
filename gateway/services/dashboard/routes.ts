import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { Errors } from '../../errors.ts';
import type { Auth } from '../../http/auth.ts';
import { PACKAGE_ROOT } from '../../paths.ts';
import { dashboardPage } from './page.ts';
import type { SseHub } from '../../http/sse.ts';

const CLIENT_DIR = join(PACKAGE_ROOT, 'gateway', 'services', 'dashboard', 'client');
const require = createRequire(import.meta.url);
const uplotDir = join(require.resolve('uplot'), '..');

/**
 * Static assets: the page's own scripts and uPlot from node_modules, read once, with the first asset request
 * rather than at start (a store's gateway is ready before anyone opens the dashboard).
 */
async function assets(): Promise<Map<string, { type: string; body: Buffer }>> {
  const js = 'text/javascript; charset=utf-8';
  const files: [string, string, string][] = [
    ['app.js', join(CLIENT_DIR, 'app.js'), js],
    ['core.js', join(CLIENT_DIR, 'core.js'), js],
    ['views.js', join(CLIENT_DIR, 'views.js'), js],
    ['panels.js', join(CLIENT_DIR, 'panels.js'), js],
    ['charts.js', join(CLIENT_DIR, 'charts.js'), js],
    ['staff.js', join(CLIENT_DIR, 'staff.js'), js],
    ['alerts.js', join(CLIENT_DIR, 'alerts.js'), js],
    ['app.css', join(CLIENT_DIR, 'app.css'), 'text/css; charset=utf-8'],
    ['vendor/uplot.js', join(uplotDir, 'uPlot.iife.min.js'), js],
    ['vendor/uplot.css', join(uplotDir, 'uPlot.min.css'), 'text/css; charset=utf-8'],
  ];
  return new Map(await Promise.all(files.map(async ([name, path, type]) => [name, { type, body: await readFile(path) }] as const)));
}

export interface DashboardApi {
  overview(): Promise<unknown>;
  deviceLog(id: string, limit: number): Promise<unknown[]>;
  hub: SseHub;
  logLimit: number;
}

/**
 * The dashboard: a public page shell (it holds no data and no token; it logs in by itself), its static
 * assets, and admin-only JSON + the live stream. The stream accepts the `sg_token` cookie the page sets,
 * since EventSource cannot send headers.
 */
export function dashboardHttp(deps: { auth: Auth; api: DashboardApi }): FastifyPluginAsyncTypebox {
  let files: Promise<Map<string, { type: string; body: Buffer }>> | undefined;
  const common = { tags: ['dashboard'], security: [{ bearer: [] }] };

  const api: FastifyPluginAsyncTypebox = async (app) => {
    app.addHook('onRequest', deps.auth.requireAdmin);
    app.get('/api/v1/dashboard/overview', { schema: { ...common, description: 'Everything the dashboard shows at load.' } }, async () => deps.api.overview());
    app.get(
      '/api/v1/dashboard/devices/:id/log',
      {
        schema: {
          ...common,
          description: "A device's latest stored messages, newest first, decoded.",
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        },
      },
      async (req) => {
        return { messages: await deps.api.deviceLog(req.params.id, req.query.limit ?? deps.api.logLimit) };
      },
    );
    app.get(
      '/api/v1/dashboard/stream',
      {
        schema: {
          ...common,
          description:
            'Server-sent events: device, event, alert, panel, sample. Replays from Last-Event-ID (or `after`, the `seq` of an overview) while still buffered. Slow clients are dropped.',
          querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })) }),
        },
      },
      async (req, reply) => {
        if (deps.api.hub.full()) throw new Errors.unavailable('too many dashboard clients');
        reply.hijack();
        const last = req.headers['last-event-id'];
        const { after } = req.query;
        deps.api.hub.attach(reply.raw, typeof last === 'string' ? last : after !== undefined ? String(after) : undefined);
      },
    );
  };

  return async (app) => {
    await app.register(api);
    app.addHook('preClose', (done) => {
      deps.api.hub.close();
      done();
    });
    const page = (_req: unknown, reply: import('fastify').FastifyReply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(dashboardPage());
    app.get('/', { schema: { hide: true } }, page);
    app.get('/dashboard', { schema: { hide: true } }, page);
    app.get('/dashboard/*', { schema: { hide: true, params: Type.Object({ '*': Type.String() }) } }, async (req, reply) => {
      files ??= assets().catch((err) => {
        files = undefined;
        throw err;
      });
      const f = (await files).get(req.params['*']);
      if (!f) throw new Errors.notFound('file');
      return reply.type(f.type).header('cache-control', 'no-cache').send(f.body);
    });
  };
}
