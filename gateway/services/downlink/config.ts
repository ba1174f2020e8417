import Type, { type Static } from 'typebox';
import { STREAM_PATTERN } from '../../../devices/downlink.ts';

const Secret = (description: string) => Type.String({ minLength: 1, description, 'x-secret': true });

export const KEY_PURPOSES = ['stock', 'catalog', 'config', 'command', 'model', 'incentive', 'stream', 'trust'] as const;

export const DownlinkKeySchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    /** Ed25519 public key: PEM (SPKI) or the raw 32 bytes in base64. Public: not a secret. */
    publicKey: Type.String({ minLength: 1 }),
    /** what the key may sign (see README "Downlink contract"); default: everything but `trust` */
    purposes: Type.Array(Type.Union(KEY_PURPOSES.map((p) => Type.Literal(p))), {
      minItems: 1,
      default: KEY_PURPOSES.filter((p) => p !== 'trust'),
    }),
  },
  { additionalProperties: false },
);

/** The `downlink` config section: cloud → store messages (stock, catalog, config patches, commands, models). */
export const DownlinkConfigSchema = Type.Object(
  {
    /** pinned signing keys; with none, nothing from the cloud is accepted (and no downlink runs) */
    keys: Type.Array(DownlinkKeySchema, { default: [] }),
    /** a subscription on the cloud broker: `storegate/<storeId>/downlink/+`, QoS 1, persistent session */
    mqtt: Type.Optional(
      Type.Object(
        {
          /** reuse the url and login of this `cloud.forwarders` MQTT bridge */
          forwarder: Type.Optional(Type.String({ minLength: 1 })),
          url: Type.Optional(Type.String({ minLength: 1 })),
          username: Type.Optional(Type.String()),
          password: Type.Optional(Secret('cloud broker password for the downlink')),
          clientId: Type.Optional(Type.String({ minLength: 1, description: 'default storegate-<storeId>-downlink; must stay the same (persistent session)' })),
        },
        { additionalProperties: false },
      ),
    ),
    /** for stores without a cloud broker: GET url with If-None-Match every intervalSeconds */
    http: Type.Optional(
      Type.Object(
        {
          url: Type.String({ minLength: 1 }),
          token: Type.Optional(Secret('bearer token for the downlink feed')),
          intervalSeconds: Type.Number({ exclusiveMinimum: 0, default: 30 }),
          timeoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 15 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** older than this since the last sync, suggestions say "stock as of …"; 0 = never */
    staleAfterSeconds: Type.Number({ minimum: 0, default: 900 }),
    /** at most one resync request per stream this often (unless it asks from a different position) */
    resyncAfterSeconds: Type.Number({ exclusiveMinimum: 0, default: 30 }),
    /** commands and config patches must expire within this from now (a signed command cannot be kept for later) */
    maxTtlSeconds: Type.Number({ exclusiveMinimum: 0, default: 86_400 }),
    /** messages held per stream, ahead of a gap, until it is filled */
    holdMax: Type.Integer({ minimum: 0, default: 10_000 }),
    streams: Type.Array(Type.String({ pattern: STREAM_PATTERN }), {
      default: ['stock', 'catalog', 'config', 'commands', 'models', 'incentives'],
      description: 'streams the gateway accepts',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type DownlinkConfig = Static<typeof DownlinkConfigSchema>;
