import { type AlertData, GATEWAY_DEVICE } from './events.ts';

export interface OfflineRules {
  offlineAfterMs: number;
  groupWindowMs: number;
  groupMinDevices: number;
  groupPercent: number;
}

export type AlertAction =
  | { do: 'raise'; alert: AlertData; details?: Record<string, unknown> }
  | { do: 'update'; key: string; message: string; details: Record<string, unknown> }
  | { do: 'resolve'; key: string };

interface Tracked {
  id: string;
  kind: string;
  lastSeen: number | null;
  /** the MQTT last will (`{"online":false}`) arrived at */
  willAt: number | null;
  offlineSince: number | null;
  /** has its own open `device:<id>:offline` alert */
  alerted: boolean;
  /** covered by the open `store:network` alert */
  grouped: boolean;
  /** alerted before a gateway restart: offline until it is heard from after the restart */
  restored: boolean;
}

export const offlineKey = (deviceId: string) => `device:${deviceId}:offline`;
export const NETWORK_KEY = 'store:network';
const WILL_GRACE_MS = 1000;

/**
 * Which devices are offline, and which alerts that means. Pure: the caller feeds it what it heard and asks
 * `check(now)` for the alert actions. A device that is offline for `groupWindowMs` gets its own alert — unless
 * at least `groupMinDevices` devices, and `groupPercent` of the fleet, went offline in that window: then they
 * are one `store:network` alert, which later drops are folded into and which resolves when most are back.
 */
export function createOfflineTracker(rules: OfflineRules, startedAt: number) {
  const devices = new Map<string, Tracked>();
  let groupOpen = false;
  let groupCount = 0;

  const entry = (id: string, kind: string): Tracked => {
    let d = devices.get(id);
    if (!d) {
      d = { id, kind, lastSeen: null, willAt: null, offlineSince: null, alerted: false, grouped: false, restored: false };
      devices.set(id, d);
    }
    return d;
  };

  const isOffline = (d: Tracked, now: number): number | null => {
    if (d.willAt !== null) return d.willAt;
    if (d.restored) return d.lastSeen !== null && d.lastSeen > startedAt ? null : startedAt;
    if (d.lastSeen === null) return null;
    // a restarted gateway gives every device a fresh heartbeat period instead of alerting on stale times
    const since = Math.max(d.lastSeen, startedAt) + rules.offlineAfterMs;
    return now >= since ? since : null;
  };

  return {
    /** open alerts from before a restart */
    restore(openKeys: Iterable<string>, kindOf: (id: string) => string | undefined) {
      for (const key of openKeys) {
        if (key === NETWORK_KEY) groupOpen = true;
        const m = /^device:(.+):offline$/.exec(key);
        const id = m?.[1];
        const kind = id ? kindOf(id) : undefined;
        if (id && kind) Object.assign(entry(id, kind), { alerted: true, restored: true });
      }
    },

    /** The registry's view: every enabled device with when it was last heard from. Devices not listed are gone. */
    observe(list: { id: string; kind: string; lastSeen: number | null }[]) {
      const present = new Set<string>();
      for (const x of list) {
        present.add(x.id);
        const d = entry(x.id, x.kind);
        if (x.lastSeen !== null && (d.lastSeen === null || x.lastSeen > d.lastSeen)) d.lastSeen = x.lastSeen;
        if (d.willAt !== null && d.lastSeen !== null && d.lastSeen > d.willAt + WILL_GRACE_MS) d.willAt = null;
      }
      const gone: string[] = [];
      for (const d of devices.values()) if (!present.has(d.id)) gone.push(d.id);
      return gone;
    },

    /** connected, or a status with online:true */
    online(id: string, kind: string, at: number) {
      const d = entry(id, kind);
      d.willAt = null;
      d.restored = false;
      d.lastSeen = Math.max(d.lastSeen ?? 0, at);
    },

    /** the MQTT last will: offline now, not after the heartbeat timeout */
    will(id: string, kind: string, at: number) {
      entry(id, kind).willAt = at;
    },

    check(now: number): AlertAction[] {
      const out: AlertAction[] = [];
      let monitored = 0;
      const offline: Tracked[] = [];
      for (const d of devices.values()) {
        const since = isOffline(d, now);
        if (d.lastSeen !== null || d.willAt !== null || d.restored) monitored++;
        if (since !== null) {
          d.offlineSince ??= since;
          offline.push(d);
        } else if (d.offlineSince !== null || d.alerted) {
          d.offlineSince = null;
          d.grouped = false;
          if (d.alerted) out.push({ do: 'resolve', key: offlineKey(d.id) });
          d.alerted = false;
        }
      }
      const pending = offline.filter((d) => !d.alerted && !d.grouped);
      const wide = offline.length >= rules.groupMinDevices && offline.length * 100 >= rules.groupPercent * monitored;
      const groupDetails = () => ({ offline: offline.length, monitored, devices: offline.map((d) => d.id).slice(0, 50) });
      const groupMessage = () => `${offline.length} of ${monitored} devices offline at once (store network?)`;

      if (!groupOpen && wide && pending.length >= rules.groupMinDevices) {
        groupOpen = true;
        groupCount = offline.length;
        for (const d of pending) d.grouped = true;
        out.push({
          do: 'raise',
          alert: { key: NETWORK_KEY, severity: 'critical', message: groupMessage(), deviceId: GATEWAY_DEVICE },
          details: groupDetails(),
        });
      } else if (groupOpen && wide) {
        for (const d of pending) d.grouped = true;
        if (offline.length !== groupCount) {
          groupCount = offline.length;
          out.push({ do: 'update', key: NETWORK_KEY, message: groupMessage(), details: groupDetails() });
        }
      } else if (groupOpen) {
        groupOpen = false;
        groupCount = 0;
        for (const d of offline) d.grouped = false;
        out.push({ do: 'resolve', key: NETWORK_KEY });
      }

      for (const d of offline) {
        if (d.alerted || d.grouped || now - (d.offlineSince ?? now) < rules.groupWindowMs) continue;
        d.alerted = true;
        const how = d.willAt !== null ? 'disconnected (last will)' : `no heartbeat for ${Math.round(rules.offlineAfterMs / 1000)} s`;
        out.push({ do: 'raise', alert: { key: offlineKey(d.id), severity: 'warning', message: `${d.kind} ${d.id} offline: ${how}`, deviceId: d.id } });
      }
      return out;
    },

    /** for the dashboard: devices the tracker currently considers offline */
    offlineIds: () => [...devices.values()].filter((d) => d.offlineSince !== null).map((d) => d.id),
    drop(id: string) {
      devices.delete(id);
    },
  };
}

export type OfflineTracker = ReturnType<typeof createOfflineTracker>;
