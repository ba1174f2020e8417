import Type, { type Static } from 'typebox';

/** Every device kind reports `…/status`: heartbeats, firmware, battery. Its MQTT last will is `{"online":false}`. */
export const StatusMessage = Type.Object({
  msgId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()])),
  online: Type.Boolean(),
  firmware: Type.Optional(Type.String({ maxLength: 64 })),
  batteryPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  rssi: Type.Optional(Type.Number({ minimum: -127, maximum: 20 })),
  uptimeSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type StatusMessage = Static<typeof StatusMessage>;

/** `…/telemetry`: free-form readings any device may send; typed capabilities use their own channels. */
export const TelemetryMessage = Type.Object({
  msgId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()])),
  type: Type.String({ minLength: 1, maxLength: 64 }),
  values: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.String({ maxLength: 256 }), Type.Boolean()]))),
});
export type TelemetryMessage = Static<typeof TelemetryMessage>;
