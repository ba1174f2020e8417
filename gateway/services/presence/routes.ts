import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import type { Auth } from '../../http/auth.ts';
import type { PresenceConfig } from './config.ts';
import type { BeaconHealth } from './fleet.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Shopper = Type.Object({
  shopperId: Type.String(),
  zone: Type.String(),
  since: Type.String(),
  lastSeenAt: Type.String(),
  rssi: Type.Number(),
  distanceM: Nullable(Type.Number()),
});

const Visit = Type.Object({ zone: Type.String(), enteredAt: Type.String(), exitedAt: Nullable(Type.String()), dwellMs: Nullable(Type.Number()) });
const Session = Type.Object({
  sessionId: Type.String(),
  shopperId: Type.String(),
  status: Type.String(),
  startedAt: Type.String(),
  endedAt: Nullable(Type.String()),
  visits: Type.Array(Visit),
});

const SessionsQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

const Beacon = Type.Object({
  id: Type.String(),
  role: Type.String(),
  zone: Nullable(Type.String()),
  lastSeenAt: Nullable(Type.String()),
  batteryMv: Nullable(Type.Number()),
  temperatureC: Nullable(Type.Number()),
  missing: Type.Boolean(),
  batteryLow: Type.Boolean(),
});

type CurrentShopper = { shopperId: string; zone: string; since: string; lastSeenAt: string; rssi: number; distanceM: number | null };

/** Presence and the beacon fleet over HTTP, for staff dashboards. Reads the service; never the reverse. */
export function presenceRoutes(deps: {
  auth: Auth;
  /** the zones now (they follow signed config patches) */
  zones: () => PresenceConfig['zones'];
  current: () => CurrentShopper[];
  beacons: () => BeaconHealth[];
  openSessions: () => number;
  sessions: (q: Static<typeof SessionsQuery>) => Promise<Static<typeof Session>[]>;
  restartScan: () => { restarted: boolean; reason?: string };
}): FastifyPluginAsyncTypebox {
  return async (app) => {
    // store IT's action: restart the local adapter's scan (the watchdog does the same on a silent stall)
    app.post(
      '/api/v1/presence/scanning/restart',
      {
        onRequest: deps.auth.requireAdmin,
        schema: {
          tags: ['presence'],
          security: [{ bearer: [] }],
          response: { 200: Type.Object({ restarted: Type.Boolean(), reason: Type.Optional(Type.String()) }) },
        },
      },
      async () => deps.restartScan(),
    );
    app.addHook('onRequest', deps.auth.requireStaff);

    app.get(
      '/api/v1/presence',
      {
        schema: {
          tags: ['presence'],
          security: [{ bearer: [] }],
          response: {
            200: Type.Object({
              zones: Type.Array(Type.Object({ name: Type.String(), role: Nullable(Type.String()), shoppers: Type.Integer() })),
              shoppers: Type.Array(Shopper),
              openSessions: Type.Integer(),
            }),
          },
        },
      },
      async () => {
        const shoppers = deps.current();
        const count = new Map<string, number>();
        for (const s of shoppers) count.set(s.zone, (count.get(s.zone) ?? 0) + 1);
        return {
          zones: deps.zones().map((z) => ({ name: z.name, role: z.role ?? null, shoppers: count.get(z.name) ?? 0 })),
          shoppers,
          openSessions: deps.openSessions(),
        };
      },
    );

    app.get(
      '/api/v1/presence/sessions',
      {
        schema: {
          tags: ['presence'],
          security: [{ bearer: [] }],
          querystring: SessionsQuery,
          response: { 200: Type.Object({ sessions: Type.Array(Session) }) },
        },
      },
      async (req) => ({ sessions: await deps.sessions(req.query) }),
    );

    app.get(
      '/api/v1/beacons',
      { schema: { tags: ['presence'], security: [{ bearer: [] }], response: { 200: Type.Object({ beacons: Type.Array(Beacon) }) } } },
      async () => ({
        beacons: deps.beacons().map((b) => ({ ...b, lastSeenAt: b.lastSeenAt === null ? null : new Date(b.lastSeenAt).toISOString() })),
      }),
    );
  };
}
