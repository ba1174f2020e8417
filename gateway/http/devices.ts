import { randomUUID } from 'node:crypto';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DeviceAdmin } from '../broker/device-admin.ts';
import type { DeviceLink } from '../broker/link.ts';
import type { Bus } from '../bus/bus.ts';
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
/** What the broker side of an add or revoke did: done, or the steps store IT must take on a broker without an API. */
const BrokerOutcome = Type.Object({ provisioned: Type.Boolean(), instructions: Type.Optional(Type.String()) });

export function devicesPlugin(deps: {
  registry: Registry;
  admin: DeviceAdmin;
  link: () => DeviceLink | undefined;
  auth: Auth;
  bus: Bus;
}): FastifyPluginAsyncTypebox {
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
        const { kind } = req.query;
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
          response: { 201: Type.Object({ device: DeviceSchema, secret: Type.String(), broker: BrokerOutcome }) },
        },
      },
      async (req, reply) => {
        try {
          const { device, secret, broker } = await deps.admin.add(req.body);
          return reply.status(201).send({ device: { ...device, connected: false }, secret, broker });
        } catch (err) {
          if ((err as { code?: string }).code === 'SG_DEVICE_EXISTS') throw new Errors.conflict((err as Error).message);
          if ((err as { code?: string }).code === 'SG_BROKER_UNAVAILABLE') throw new Errors.unavailable((err as Error).message);
          throw err;
        }
      },
    );

    // Self-test: the device (or its simulator) answers `{"type":"selftest","reqId":…}` on its cmd topic with
    // telemetry `{"type":"selftest","values":{"reqId":…,"ok":true,…}}`. Store IT sees the round trip work.
    app.post(
      '/api/v1/devices/:id/selftest',
      {
        schema: {
          tags: ['devices'],
          security: [{ bearer: [] }],
          params: Type.Object({ id: Type.String() }),
          response: { 200: Type.Object({ ok: Type.Boolean(), latencyMs: Type.Number(), result: Type.Record(Type.String(), Type.Unknown()) }) },
        },
      },
      async (req) => {
        const { id } = req.params;
        const device = await deps.registry.get(id);
        if (!device) throw new Errors.notFound(`device ${id}`);
        if (!deps.link()?.connectedDeviceIds().includes(id)) throw new Errors.conflict(`device ${id} is not connected`);
        const reqId = randomUUID();
        const owner = `selftest-${reqId}`;
        const started = Date.now();
        const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
          const t = setTimeout(() => {
            deps.bus.off(owner);
            reject(new Errors.unavailable(`device ${id} did not answer the self-test within 5 s`));
          }, 5000);
          deps.bus.on(owner, 'device.message', (e) => {
            const body = e.data.body as { type?: string; values?: Record<string, unknown> };
            if (e.data.deviceId !== id || body.type !== 'selftest' || body.values?.reqId !== reqId) return;
            clearTimeout(t);
            deps.bus.off(owner);
            resolve(body.values);
          });
        });
        deps.link()?.send(device.kind, id, { type: 'selftest', reqId });
        const result = await answer;
        return { ok: result.ok === true, latencyMs: Date.now() - started, result };
      },
    );

    app.delete(
      '/api/v1/devices/:id',
      {
        schema: {
          tags: ['devices'],
          security: [{ bearer: [] }],
          params: Type.Object({ id: Type.String() }),
          response: { 200: Type.Object({ revoked: Type.Boolean(), broker: BrokerOutcome }) },
        },
      },
      async (req) => {
        const { id } = req.params;
        if (!(await deps.registry.get(id))) throw new Errors.notFound(`device ${id}`);
        return deps.admin.revoke(id);
      },
    );
  };
}
