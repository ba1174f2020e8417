/**
 * Fleet health of the store's fixed beacons, pure: last seen, battery and temperature from Eddystone-TLM,
 * and one alert per beacon per episode (missing since…, battery low) rather than one per advertisement.
 */
export interface FixedBeaconInfo {
  id: string;
  role: string;
  zone: string | null;
}

export interface BeaconHealth extends FixedBeaconInfo {
  lastSeenAt: number | null;
  batteryMv: number | null;
  temperatureC: number | null;
  missing: boolean;
  batteryLow: boolean;
}

export type FleetAlert =
  | { type: 'missing'; beacon: BeaconHealth; since: number }
  | { type: 'battery_low'; beacon: BeaconHealth; batteryMv: number }
  | { type: 'found'; beacon: BeaconHealth };

// battery readings wobble with temperature and load; recover only clearly above the threshold
const BATTERY_RECOVER_MV = 100;

export function createFleet(o: { beacons: FixedBeaconInfo[]; missingMs: number; batteryLowMv: number; startedAt: number }) {
  const byId = new Map<string, BeaconHealth>(
    o.beacons.map((b) => [b.id, { ...b, lastSeenAt: null, batteryMv: null, temperatureC: null, missing: false, batteryLow: false }]),
  );

  return {
    seen(id: string, at: number): FleetAlert[] {
      const b = byId.get(id);
      if (!b) return [];
      b.lastSeenAt = Math.max(b.lastSeenAt ?? 0, at);
      if (b.missing) {
        b.missing = false;
        return [{ type: 'found', beacon: b }];
      }
      return [];
    },

    telemetry(id: string, t: { batteryMv: number; temperatureC: number | null }, at: number): FleetAlert[] {
      const b = byId.get(id);
      if (!b) return [];
      const out = this.seen(id, at);
      // 0 mV means "not measured" (USB powered), per the TLM spec
      if (t.batteryMv > 0) {
        b.batteryMv = t.batteryMv;
        if (!b.batteryLow && t.batteryMv < o.batteryLowMv) {
          b.batteryLow = true;
          out.push({ type: 'battery_low', beacon: b, batteryMv: t.batteryMv });
        } else if (b.batteryLow && t.batteryMv >= o.batteryLowMv + BATTERY_RECOVER_MV) {
          b.batteryLow = false;
        }
      }
      b.temperatureC = t.temperatureC;
      return out;
    },

    tick(now: number): FleetAlert[] {
      const out: FleetAlert[] = [];
      for (const b of byId.values()) {
        const since = b.lastSeenAt ?? o.startedAt;
        if (!b.missing && now - since >= o.missingMs) {
          b.missing = true;
          out.push({ type: 'missing', beacon: b, since });
        }
      }
      return out;
    },

    /** Last known state from the store, so a restart does not forget a beacon that was already silent. */
    restore(id: string, r: { lastSeenAt: number | null; batteryMv: number | null }) {
      const b = byId.get(id);
      if (!b) return;
      b.lastSeenAt = r.lastSeenAt;
      b.batteryMv = r.batteryMv;
    },

    has: (id: string) => byId.has(id),
    list: (): BeaconHealth[] => [...byId.values()],
  };
}

export type Fleet = ReturnType<typeof createFleet>;
