import { StatusMessage, TelemetryMessage } from '../../devices/status.ts';
import { type ChannelHandler, jsonChannel } from './ingest.ts';

/** Channels every device kind has. */
export function coreChannels(): ChannelHandler[] {
  return [
    jsonChannel({
      kind: '*',
      channel: 'status',
      schema: StatusMessage,
      toEvents: (m, ctx) => ({
        events: [
          ctx.event('device.status', {
            deviceId: ctx.device.id,
            kind: ctx.device.kind,
            online: m.online,
            ...(m.firmware !== undefined ? { firmware: m.firmware } : {}),
            ...(m.batteryPct !== undefined ? { batteryPct: m.batteryPct } : {}),
            ...(m.rssi !== undefined ? { rssi: m.rssi } : {}),
            ...(m.uptimeSeconds !== undefined ? { uptimeSeconds: m.uptimeSeconds } : {}),
            ...(m.config !== undefined ? { config: m.config } : {}),
          }),
        ],
      }),
    }),
    jsonChannel({
      kind: '*',
      channel: 'telemetry',
      schema: TelemetryMessage,
      toEvents: (m, ctx) => ({ events: [ctx.event('device.message', { deviceId: ctx.device.id, kind: ctx.device.kind, channel: 'telemetry', body: m })] }),
    }),
  ];
}
