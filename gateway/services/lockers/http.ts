import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { Errors } from '../../errors.ts';
import { listAlerts, resolveAlert } from './alerts.ts';
import { DimsSchema } from './config.ts';
import type { Ctx } from './context.ts';
import { expectedRoutes } from './expected-http.ts';
import type { IncentivePicker } from './incentives.ts';
import { orderRoutes } from './orders-http.ts';
import { posRoutes, returnRoutes } from './returns-http.ts';
import { alertDeviceId, auditLog, overview, parcelById, returnReasons } from './queries.ts';
import { pageLanguage } from '../../http/staff-shell.ts';
import { staffPage } from './page.ts';
import { cancelLoad, loadParcel, reclaimParcel, setOutOfService, staffOpen } from './staff.ts';

const tags = ['lockers'];
const security = [{ bearer: [] }];
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Compartment = Type.Object({
  id: Type.String(),
  bankId: Type.String(),
  controllerId: Type.String(),
  size: Type.String(),
  state: Type.String(),
  door: Type.String(),
  occupied: Type.Union([Type.Boolean(), Type.Null()]),
  outOfService: Type.Boolean(),
  fault: Nullable(Type.String()),
  pending: Nullable(Type.String()),
  low: Type.Boolean(),
  parcel: Type.Union([Type.Object({ id: Type.String(), orderId: Type.String(), status: Type.String(), expiresAt: Nullable(Type.String()) }), Type.Null()]),
});
const Alert = Type.Object({ key: Type.String(), severity: Type.String(), message: Type.String(), deviceId: Type.String(), raisedAt: Type.Number() });
const Parcel = Type.Object({
  parcelId: Type.String(),
  orderId: Type.String(),
  compartmentId: Type.String(),
  bankId: Type.String(),
  size: Type.String(),
  status: Type.String(),
  expiresAt: Type.Optional(Nullable(Type.String())),
  low: Type.Optional(Type.Boolean()),
  parcelNo: Type.Optional(Type.Integer({ description: 'this parcel is number n of the order' })),
  parcels: Type.Optional(Type.Integer({ description: 'parcels the order ships in (one code opens all)' })),
});
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** Staff routes (staff or admin token) and the public shell of the staff page, which logs in by itself. */
export function lockersHttp(ctx: Ctx, picker: IncentivePicker): FastifyPluginAsyncTypebox {
  /** for the audit log: the person logged in (`staff:<login>`) or the token's name, never a secret */
  const actor = (req: FastifyRequest) => ctx.deps.auth.actorOf(req);
  const api: FastifyPluginAsyncTypebox = async (app) => {
    app.addHook('onRequest', ctx.deps.auth.requireRole('fulfilment'));

    app.get(
      '/api/v1/lockers',
      {
        schema: {
          tags,
          security,
          response: {
            200: Type.Object({
              controllers: Type.Array(Type.Object({ id: Type.String(), online: Type.Boolean() })),
              compartments: Type.Array(Compartment),
              alerts: Type.Array(Alert),
            }),
          },
        },
      },
      async () => {
        const online = new Set(ctx.deps.link.connectedDeviceIds());
        return {
          controllers: [...ctx.controllers].map((id) => ({ id, online: online.has(id) })),
          compartments: await overview(ctx.deps.db),
          alerts: await listAlerts(ctx.deps.db),
        };
      },
    );

    app.post(
      '/api/v1/lockers/parcels',
      {
        schema: {
          tags,
          security,
          description: 'Load an order: the smallest free compartment that fits opens; the parcel is loaded when its door closes with something inside.',
          body: Type.Object(
            {
              orderId: Type.String({ minLength: 1, maxLength: 128 }),
              size: Type.Optional(Type.String({ minLength: 1, maxLength: 8 })),
              dims: Type.Optional(DimsSchema),
              bankId: Type.Optional(Type.String({ maxLength: 32 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Parcel },
        },
      },
      async (req, reply) => reply.status(201).send(await loadParcel(ctx, req.body, actor(req))),
    );

    app.get('/api/v1/lockers/parcels/:id', { schema: { tags, security, params: IdParam, response: { 200: Parcel } } }, async (req) => {
      const { id } = req.params;
      const p = await parcelById(ctx.deps.db, id);
      if (!p) throw new Errors.notFound(`parcel ${id}`);
      return p;
    });

    app.post('/api/v1/lockers/parcels/:id/reclaim', { schema: { tags, security, params: IdParam } }, async (req) =>
      reclaimParcel(ctx, req.params.id, actor(req)),
    );
    app.post('/api/v1/lockers/parcels/:id/cancel', { schema: { tags, security, params: IdParam } }, async (req) => cancelLoad(ctx, req.params.id, actor(req)));
    app.post('/api/v1/lockers/compartments/:id/open', { schema: { tags, security, params: IdParam } }, async (req) =>
      staffOpen(ctx, req.params.id, actor(req)),
    );
    app.post(
      '/api/v1/lockers/compartments/:id/service',
      { schema: { tags, security, params: IdParam, body: Type.Object({ outOfService: Type.Boolean() }, { additionalProperties: false }) } },
      async (req) => setOutOfService(ctx, req.params.id, req.body.outOfService, actor(req)),
    );
    app.post('/api/v1/lockers/alerts/:id/resolve', { schema: { tags, security, params: IdParam } }, async (req) => {
      const key = req.params.id;
      const deviceId = await alertDeviceId(ctx.deps.db, key);
      if (deviceId === undefined) throw new Errors.notFound(`alert ${key}`);
      await ctx.work((tx, fx) => resolveAlert(tx, fx, deviceId, key));
      return { resolved: true };
    });
    app.get(
      '/api/v1/lockers/returns/reasons',
      {
        schema: {
          tags,
          security,
          description: 'Returns by item category and reason (locker and desk; `kept`: of them, keep-it refunds)',
          response: {
            200: Type.Object({
              reasons: Type.Array(Type.Object({ category: Type.String(), reason: Type.String(), count: Type.Number(), kept: Type.Number() })),
            }),
          },
        },
      },
      async () => ({ reasons: await returnReasons(ctx.deps.db) }),
    );
    app.get(
      '/api/v1/lockers/audit',
      { schema: { tags, security, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }) } },
      async (req) => ({ audit: await auditLog(ctx.deps.db, req.query.limit ?? 100) }),
    );
    expectedRoutes(app, ctx, actor);
    orderRoutes(app, ctx, actor);
    returnRoutes(app, ctx, picker, actor);
  };

  return async (app) => {
    await app.register(api);
    await app.register(posRoutes(ctx));
    app.get('/staff/lockers', { schema: { hide: true } }, async (req, reply) =>
      reply.type('text/html; charset=utf-8').send(staffPage(pageLanguage(req.query, ctx.language))),
    );
  };
}
