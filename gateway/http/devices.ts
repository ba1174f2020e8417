import Type from 'typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { DeviceLink } from '../broker/link.ts';
import { Errors } from '../errors.ts';
import { DEVICE_ID, DEVICE_KIND, type Registry } from '../registry/registry.ts';
import type { Auth } from './auth.ts';

const DeviceSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  zone: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  connected: Type.Boolean(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lastSeenAt: Type.Union([Type.String(), Type.Null()]),
});

/** The device registry over HTTP (admin). A new device's secret is in the POST answer and nowhere else. */
export function devicesPlugin(deps: { registry: Registry; link: () => DeviceLink | undefined; auth: Auth }): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', deps.auth.requireAdmin);
    const connected = () => new Set(deps.link()?.connectedDeviceIds() ?? []);

    app.get(
      '/api/v1/devices',
      {
        schema: {
          tags: ['devices'],
          security: [{ bearer: [] }],
          querystring: Type.Object({ kind: Type.Optional(Type.String()) }),
          response: { 200: Type.Object({ devices: Type.Array(DeviceSchema) }) },
        },
      },
      async (req) => {
        const on = connected();
        const { kind } = req.query as { kind?: string };
        const list = await deps.registry.list(kind ? { kind } : {});
        return { devices: list.map((d) => ({ ...d, connected: on.has(d.id) })) };
      },
    );

    app.post(
      '/api/v1/devices',
      {
        schema: {
          tags: ['devices'],
          security: [{ bearer: [] }],
          body: Type.Object(
            {
              id: Type.String({ pattern: DEVICE_ID.source }),
              kind: Type.String({ pattern: DEVICE_KIND.source }),
              zone: Type.Optional(Type.String({ maxLength: 64 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ device: DeviceSchema, secret: Type.String() }) },
        },
      },
      async (req, reply) => {
        const body = req.body as { id: string; kind: string; zone?: string };
        try {
          const { device, secret } = await deps.registry.add(body);
          return reply.status(201).send({ device: { ...device, connected: false }, secret });
        } catch (err) {
          if ((err as { code?: string }).code === 'SG_DEVICE_EXISTS') throw new Errors.conflict((err as Error).message);
          throw err;
        }
      },
    );

    app.delete(
      '/api/v1/devices/:id',
      {
        schema: {
          tags: ['devices'],
          security: [{ bearer: [] }],
          params: Type.Object({ id: Type.String() }),
          response: { 200: Type.Object({ revoked: Type.Boolean() }) },
        },
      },
      async (req) => {
        const { id } = req.params as { id: string };
        if (!(await deps.registry.get(id))) throw new Errors.notFound(`device ${id}`);
        const revoked = await deps.registry.revoke(id);
        await deps.link()?.disconnectDevice(id);
        return { revoked };
      },
    );
  };
}
