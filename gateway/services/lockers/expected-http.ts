import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { App } from '../../http/server.ts';
import { DimsSchema } from './config.ts';
import type { Ctx } from './context.ts';
import { cancelExpected, listExpected, markArrived } from './expected.ts';

const tags = ['lockers'];
const security = [{ bearer: [] }];
const Status = Type.Union(['expected', 'arrived', 'loaded', 'cancelled', 'expired'].map((s) => Type.Literal(s)));
const OrderParam = Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 128 }) });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Expected = Type.Object({
  orderId: Type.String(),
  sku: Type.String(),
  size: Type.String({ description: 'the garment size ordered (not a compartment size)' }),
  status: Type.String(),
  compartmentId: Nullable(Type.String()),
  reservedUntil: Nullable(Type.String()),
  mirrorId: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

/** Expected parcels (online orders for pickup here): registered inside the staff-only lockers API. */
export function expectedRoutes(app: App, ctx: Ctx, actor: (req: FastifyRequest) => string) {
  app.get(
    '/api/v1/lockers/expected',
    {
      schema: {
        tags,
        security,
        description: 'Online orders to be delivered to these lockers, oldest first',
        querystring: Type.Object({ status: Type.Optional(Status) }, { additionalProperties: false }),
        response: { 200: Type.Object({ expected: Type.Array(Expected) }) },
      },
    },
    async (req) => ({ expected: await listExpected(ctx.deps.db, req.query.status) }),
  );

  app.post(
    '/api/v1/lockers/expected/:orderId/arrived',
    {
      // a scan at the counter may send no body at all: that is `{}`
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags,
        security,
        description:
          'The parcel reached the store: the smallest free compartment that fits it (its size class or dims; default the smallest class) is reserved for `lockers.reservationHoldMinutes`; loading the order uses it.',
        params: OrderParam,
        body: Type.Object(
          {
            size: Type.Optional(Type.String({ minLength: 1, maxLength: 8, description: 'compartment size class (lockers.sizes)' })),
            dims: Type.Optional(DimsSchema),
            bankId: Type.Optional(Type.String({ maxLength: 32 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            orderId: Type.String(),
            status: Type.String(),
            compartmentId: Type.String(),
            bankId: Type.String(),
            size: Type.String(),
            reservedUntil: Type.String(),
          }),
        },
      },
    },
    async (req) => markArrived(ctx, req.params.orderId, req.body, actor(req)),
  );

  app.post('/api/v1/lockers/expected/:orderId/cancel', { schema: { tags, security, params: OrderParam } }, async (req) =>
    cancelExpected(ctx, req.params.orderId, actor(req)),
  );
}
