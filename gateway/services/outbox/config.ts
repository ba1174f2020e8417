import Type, { type Static } from 'typebox';

const Secret = (description: string) => Type.String({ minLength: 1, description, 'x-secret': true });
const Seconds = (d: number, description: string) => Type.Number({ minimum: 0, default: d, description });
const Priority = Type.Union([Type.Literal('critical'), Type.Literal('normal'), Type.Literal('bulk')]);

export const ForwarderSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
    kind: Type.Union([Type.Literal('http'), Type.Literal('mqtt')]),
    url: Type.String({ minLength: 1 }),
    token: Type.Optional(Secret('bearer token for the HTTP receiver')),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Secret('cloud broker password')),
    clientId: Type.Optional(Type.String({ minLength: 1 })),
    topic: Type.Optional(
      Type.String({
        description: 'MQTT topic template: {storeId} {type} {typePath} (the type with / for .) {source} {id}; default storegate/{storeId}/events/{type}',
      }),
    ),
    protocolVersion: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(5)], { description: 'MQTT bridge: 4 (3.1.1, default) or 5' })),
    contentMode: Type.Optional(
      Type.Union([Type.Literal('structured'), Type.Literal('binary')], {
        description:
          'CloudEvents MQTT binding: structured (the event as JSON; the only mode on 3.1.1) or binary (data as payload, attributes as MQTT 5 user properties); default binary on MQTT 5',
      }),
    ),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, description: 'events per request / per publish burst' })),
    timeoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 15, description: 'one request or one burst of PUBACKs' }),
  },
  { additionalProperties: false },
);

/** A bus event type (exact, or a prefix ending in `*`) that the outbox forwards on its own, with its class. */
export const RouteSchema = Type.Object(
  {
    match: Type.String({ minLength: 1, description: 'e.g. device.status, locker.*' }),
    priority: Priority,
  },
  { additionalProperties: false },
);

export const DEFAULT_ROUTES = [
  { match: 'locker.*', priority: 'critical' as const },
  { match: 'order.*', priority: 'critical' as const },
  { match: 'alert.*', priority: 'critical' as const },
  { match: 'presence.session.*', priority: 'normal' as const },
  { match: 'device.status', priority: 'bulk' as const },
];

export const CloudConfigSchema = Type.Object(
  {
    forwarders: Type.Array(ForwarderSchema, { default: [] }),
    /** safety net for capabilities that only emit on the bus; the first matching route wins */
    routes: Type.Array(RouteSchema, { default: DEFAULT_ROUTES }),
    batchSize: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
    budget: Type.Object(
      {
        maxBytes: Type.Integer({ minimum: 0, default: 256 * 1024 * 1024, description: 'sum of stored event sizes; 0 = no limit' }),
        maxEvents: Type.Integer({ minimum: 0, default: 2_000_000, description: '0 = no limit' }),
      },
      { additionalProperties: false, default: {} },
    ),
    ttlSeconds: Type.Object(
      {
        critical: Seconds(30 * 86400, '0 = never expires'),
        normal: Seconds(7 * 86400, '0 = never expires'),
        bulk: Seconds(86400, '0 = never expires'),
      },
      { additionalProperties: false, default: {} },
    ),
    /** after critical, the rest of each batch is shared between normal and bulk by these weights (unused share goes to the other) */
    shares: Type.Object(
      {
        normal: Type.Number({ minimum: 0, default: 3 }),
        bulk: Type.Number({ minimum: 0, default: 1 }),
      },
      { additionalProperties: false, default: {} },
    ),
    backoff: Type.Object(
      {
        initialMs: Type.Integer({ minimum: 1, default: 1000 }),
        maxMs: Type.Integer({ minimum: 1, default: 5 * 60_000 }),
        /** 0..1: the share of each delay that is random */
        jitter: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
        /** consecutive failures before the circuit reports `down` */
        downAfterFailures: Type.Integer({ minimum: 1, default: 5 }),
        /** the longest Retry-After honoured */
        maxRetryAfterMs: Type.Integer({ minimum: 0, default: 3_600_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** TTL expiry, budget check, gauges */
    maintenanceSeconds: Type.Number({ exclusiveMinimum: 0, default: 5 }),
  },
  { additionalProperties: false, default: {} },
);

export type CloudConfig = Static<typeof CloudConfigSchema>;
export type ForwarderConfig = Static<typeof ForwarderSchema>;
export type { Priority } from '../../store/outbox.ts';
