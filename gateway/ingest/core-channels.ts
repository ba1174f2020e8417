import { StatusMessage, TelemetryMessage } from '../../devices/status.ts';
import type { Bus } from '../bus/bus.ts';
import type { ChannelHandler } from './ingest.ts';

/** Channels every device kind has. */
export function coreChannels(bus: Bus): ChannelHandler[] {
  return [
    {
      kind: '*',
      channel: 'status',
      schema: StatusMessage,
      toEvents(body, ctx) {
        const m = body as StatusMessage;
        const e = bus.make('device.status', ctx.source, {
          deviceId: ctx.device.id,
          kind: ctx.device.kind,
          online: m.online,
          ...(m.firmware !== undefined ? { firmware: m.firmware } : {}),
          ...(m.batteryPct !== undefined ? { batteryPct: m.batteryPct } : {}),
          ...(m.rssi !== undefined ? { rssi: m.rssi } : {}),
          ...(m.uptimeSeconds !== undefined ? { uptimeSeconds: m.uptimeSeconds } : {}),
          ...(m.config !== undefined ? { config: m.config } : {}),
        });
        const id = ctx.eventId(body);
        return { events: [id ? { ...e, id } : e] };
      },
    },
    {
      kind: '*',
      channel: 'telemetry',
      schema: TelemetryMessage,
      toEvents(body, ctx) {
        const m = body as TelemetryMessage;
        const e = bus.make('device.message', ctx.source, { deviceId: ctx.device.id, kind: ctx.device.kind, channel: 'telemetry', body: m });
        const id = ctx.eventId(body);
        return { events: [id ? { ...e, id } : e] };
      },
    },
  ];
}
