import Type, { type Static } from 'typebox';
import { CloudConfigSchema } from '../services/outbox/config.ts';
import { HealthConfigSchema } from '../services/health/config.ts';
import { DashboardConfigSchema } from '../services/dashboard/config.ts';
import { FittingConfigSchema } from '../services/fitting/config.ts';
import { LockersConfigSchema } from '../services/lockers/config.ts';
import { PresenceConfigSchema } from '../services/presence/config.ts';
import { RecognitionConfigSchema } from '../services/recognition/config.ts';
import { PrivacyConfigSchema } from '../services/privacy/config.ts';
import { LANGUAGES, STAFF_ROLES } from '../staff/accounts.ts';
import { DownlinkConfigSchema } from '../services/downlink/config.ts';

/**
 * The one schema for the whole gateway. Every key has a default, so no file at all is a working config.
 * Each capability adds its own section here; a service only ever receives its own section.
 */
const Port = (d: number) => Type.Integer({ minimum: 0, maximum: 65535, default: d });
const Secret = (description: string) => Type.String({ minLength: 1, description, 'x-secret': true });

export const TlsSchema = Type.Object(
  {
    port: Port(8883),
    wsPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'MQTT over secure WebSocket (wss); off when absent' })),
    certFile: Type.String({ minLength: 1 }),
    keyFile: Type.String({ minLength: 1 }),
    caFile: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const DeviceSeedSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
    kind: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }),
    zone: Type.Optional(Type.String()),
    secret: Type.Optional(Secret('device secret for seeded devices (demo, labs)')),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    storeId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', default: 'store-1' }),
    /** the store's language: shopper pages (the mirror) and staff pages start in it; shoppers and staff may switch */
    language: Type.Union(
      LANGUAGES.map((l) => Type.Literal(l)),
      { default: 'en' },
    ),
    dataDir: Type.String({ minLength: 1, default: './data' }),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
        pretty: Type.Optional(Type.Boolean({ description: 'default: pretty when stdout is a TTY' })),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0' }),
        port: Port(8080),
        tls: Type.Optional(
          Type.Object(
            { certFile: Type.String({ minLength: 1 }), keyFile: Type.String({ minLength: 1 }) },
            { additionalProperties: false, description: 'serve HTTPS' },
          ),
        ),
        adminToken: Type.Optional(Secret('bearer token for admin routes; generated into the data dir when absent')),
        staffToken: Type.Optional(Secret('bearer token for staff routes (lockers, size requests)')),
        apiTokens: Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }),
              token: Secret('bearer token of an integration'),
              roles: Type.Array(Type.Union(STAFF_ROLES.map((r) => Type.Literal(r))), { minItems: 1 }),
            },
            { additionalProperties: false },
          ),
          { default: [], description: 'named bearer tokens for integrations, each scoped to roles (fulfilment, fitting, admin)' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    mqtt: Type.Object(
      {
        mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')], { default: 'embedded' }),
        host: Type.String({ default: '0.0.0.0' }),
        port: Port(1883),
        wsPort: Port(8083),
        tls: Type.Optional(TlsSchema),
        allowAnonymous: Type.Boolean({ default: false }),
        maxPayloadBytes: Type.Integer({ minimum: 1024, default: 256 * 1024, description: 'JSON device messages' }),
        maxFrameBytes: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024, description: 'camera frames' }),
        external: Type.Optional(
          Type.Object(
            {
              url: Type.String({ minLength: 1 }),
              username: Type.Optional(Type.String()),
              password: Type.Optional(Secret('external broker password')),
              clientId: Type.Optional(Type.String()),
              /** TLS to the broker (an `mqtts://` url): its CA, and a client certificate when the broker asks for one */
              caFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA that signed the broker certificate' })),
              certFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM client certificate (mutual TLS)' })),
              keyFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM key of the client certificate' })),
              protocolVersion: Type.Union([Type.Literal(4), Type.Literal(5)], { default: 4, description: "the gateway's own MQTT version to the broker" }),
              dynamicSecurity: Type.Boolean({
                default: false,
                description: "mosquitto's dynamic-security plugin: device add/revoke create/delete the device's client and role on the broker",
              }),
              clientEvents: Type.Union([Type.Literal('none'), Type.Literal('mosquitto-log')], {
                default: 'none',
                description: "mosquitto-log: read mosquitto's connect/disconnect notices on $SYS/broker/log/N (needs `log_dest topic`)",
              }),
              offlineAfterSeconds: Type.Integer({
                minimum: 5,
                default: 120,
                description: 'a device the broker does not report connected is offline after this long without a message',
              }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    service: Type.Object(
      {
        username: Type.String({ minLength: 1, default: 'storegate-service' }),
        password: Type.Optional(Secret('service account password (integrations); the account is disabled without one')),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Home Assistant MQTT discovery (embedded broker): retained configs + gateway state topics, and a read-only login */
    homeAssistant: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        discoveryPrefix: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', default: 'homeassistant' }),
        /** Home Assistant's MQTT login on the embedded broker: it may read the discovery and state topics, nothing else */
        username: Type.String({ minLength: 1, default: 'homeassistant' }),
        password: Type.Optional(Secret("Home Assistant's MQTT password (read-only login); without one it cannot log in")),
      },
      { additionalProperties: false, default: {} },
    ),
    /** staff accounts: lockout after wrong PINs, session length */
    staff: Type.Object(
      {
        maxFailures: Type.Integer({ minimum: 1, maximum: 20, default: 5, description: 'wrong PINs in a row before the account locks' }),
        lockMinutes: Type.Number({ exclusiveMinimum: 0, default: 15 }),
        sessionIdleMinutes: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'a session unused this long ends' }),
        sessionMaxHours: Type.Number({ exclusiveMinimum: 0, default: 12, description: 'every session ends after this long' }),
      },
      { additionalProperties: false, default: {} },
    ),
    store: Type.Object(
      {
        synchronous: Type.Union([Type.Literal('NORMAL'), Type.Literal('FULL')], { default: 'NORMAL' }),
        batchMaxRows: Type.Integer({ minimum: 1, maximum: 2000, default: 500 }),
      },
      { additionalProperties: false, default: {} },
    ),
    health: HealthConfigSchema,
    dashboard: DashboardConfigSchema,
    cloud: CloudConfigSchema,
    retention: Type.Object(
      {
        deviceEventsDays: Type.Number({ exclusiveMinimum: 0, default: 30 }),
        presenceDays: Type.Number({ exclusiveMinimum: 0, default: 30 }),
        sessionsDays: Type.Number({ exclusiveMinimum: 0, default: 90 }),
        fittingRoomDays: Type.Number({ exclusiveMinimum: 0, default: 90 }),
        lockerAuditDays: Type.Number({ exclusiveMinimum: 0, default: 365 }),
        alertsDays: Type.Number({ exclusiveMinimum: 0, default: 90 }),
        /** finished locker parcels and returns (picked up, reclaimed, collected, failed) by creation time */
        lockerParcelsDays: Type.Number({ exclusiveMinimum: 0, default: 90 }),
        /** events the cloud refused for good (kept for store IT to inspect and replay) */
        deadLettersDays: Type.Number({ exclusiveMinimum: 0, default: 30 }),
      },
      { additionalProperties: false, default: {} },
    ),
    devices: Type.Array(DeviceSeedSchema, { default: [], description: 'devices registered at start if absent' }),
    // capability sections
    presence: PresenceConfigSchema,
    recognition: RecognitionConfigSchema,
    lockers: LockersConfigSchema,
    privacy: PrivacyConfigSchema,
    fitting: FittingConfigSchema,
    /** cloud → store: stock, catalog, config patches, commands, models (README "Downlink contract") */
    downlink: DownlinkConfigSchema,
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
