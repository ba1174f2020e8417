import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { App } from '../../http/server.ts';
import { DimsSchema } from './config.ts';
import type { Ctx } from './context.ts';
import { announceOrder, lookupOrder } from './orders.ts';
import { toReclaim } from './pickup-window.ts';

const tags = ['lockers'];
const security = [{ bearer: [] }];
const OrderParam = Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 128 }) });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const OrderView = Type.Object({
  orderId: Type.String(),
  known: Type.Boolean({ description: 'announced, or an expected online order' }),
  parcels: Type.Integer(),
  dims: Type.Union([DimsSchema, Type.Null()]),
  proposedSize: Nullable(Type.String()),
  pickupHours: Type.Number(),
  accessibility: Nullable(Type.String()),
  expected: Type.Union([Type.Object({ status: Type.String(), sku: Type.String(), compartmentId: Nullable(Type.String()) }), Type.Null()]),
  inLockers: Type.Array(Type.Object({ parcelId: Type.String(), compartmentId: Type.String(), status: Type.String() })),
});

/** Orders before and after loading: announce, look up by scan (with the proposed size), and the "to reclaim" list. */
export function orderRoutes(app: App, ctx: Ctx, actor: (req: FastifyRequest) => string) {
  app.post(
    '/api/v1/lockers/orders',
    {
      schema: {
        tags,
        security,
        description: 'Announce an order for pickup here: parcel count (one code opens all), largest parcel size, its pickup window, accessibility.',
        body: Type.Object(
          {
            orderId: Type.String({ minLength: 1, maxLength: 128 }),
            parcels: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
            dims: Type.Optional(DimsSchema),
            pickupHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 30 })),
            accessibility: Type.Optional(Type.Literal('low')),
          },
          { additionalProperties: false },
        ),
        response: { 200: OrderView },
      },
    },
    async (req) => announceOrder(ctx, req.body, actor(req)),
  );
  app.get(
    '/api/v1/lockers/orders/:orderId',
    {
      schema: {
        tags,
        security,
        description: 'Look up a scanned order: expected or not, parcels, proposed compartment size',
        params: OrderParam,
        response: { 200: OrderView },
      },
    },
    async (req) => lookupOrder(ctx, req.params.orderId),
  );
  app.get(
    '/api/v1/lockers/reclaim',
    {
      schema: {
        tags,
        security,
        description: 'Parcels whose pickup window ended: staff take them back out (POST …/parcels/:id/reclaim)',
        response: {
          200: Type.Object({
            parcels: Type.Array(
              Type.Object({ parcelId: Type.String(), orderId: Type.String(), compartmentId: Type.String(), bankId: Type.String(), expiredAt: Type.String() }),
            ),
          }),
        },
      },
    },
    async () => ({ parcels: (await toReclaim(ctx.deps.db)).map((p) => ({ ...p, expiredAt: new Date(p.expiredAt).toISOString() })) }),
  );
}
