import type { DeviceStatus } from '../../bus/events.ts';
import type { Db } from '../../store/db.ts';

export type StatusSnapshot = Omit<DeviceStatus, 'deviceId' | 'kind'> & { at: string };

/** The latest status each device reported (firmware, battery, RSSI…), seeded from the stored device events. */
export function createStatusCache(db: Db) {
  const byId = new Map<string, StatusSnapshot>();
  return {
    get: (id: string) => byId.get(id),
    set(d: DeviceStatus, at: string) {
      const prev = byId.get(d.deviceId);
      const { deviceId: _id, kind: _kind, ...rest } = d;
      // a last will says only {"online":false}: keep what the device said about itself before
      byId.set(d.deviceId, { ...prev, ...rest, at });
    },
    async seed(ids: string[]) {
      for (const id of ids) {
        if (byId.has(id)) continue;
        // bounded: look at the device's last 500 messages only, whatever its chattiness
        const row = await db.get<{ data: string; time: string }>(
          "SELECT data, time FROM (SELECT channel, data, time FROM device_events WHERE device_id = ? ORDER BY seq DESC LIMIT 500) WHERE channel = 'status' LIMIT 1",
          [id],
        );
        if (row) this.set(JSON.parse(row.data) as DeviceStatus, row.time);
      }
    },
  };
}

export interface Sample {
  t: number;
  ingestRate: number;
  backlog: number;
  zones: Record<string, number>;
}

/** A fixed-size ring of chart samples (the last hour at one sample per 10 s). */
export function createSeries(capacity: number) {
  const items: Sample[] = [];
  return {
    push(s: Sample) {
      items.push(s);
      if (items.length > capacity) items.splice(0, items.length - capacity);
    },
    list: () => [...items],
  };
}
