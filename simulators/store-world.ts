import { type Emitter, fixedBeacon, type ShopperVisit, shopperApp } from './emitters.ts';
import type { Rng } from './rng.ts';
import { APP_UUID, BEACON_NAMESPACE, BEACON_TX_AT_0M, beaconPosition, STORE_ZONES, type ZoneSpec } from './store-layout.ts';

export interface ShopperPlan {
  /** scenario-local name, never sent to the gateway */
  name: string;
  major: number;
  minor: number;
  visits: Array<{ zone: string; from: number; to: number }>;
}

/** Where in a zone a shopper stands: within 1.5 m of the zone's centre. */
export function spotIn(z: ZoneSpec, rng: Rng) {
  const a = rng.next() * 2 * Math.PI;
  const r = rng.next() * 1.5;
  return { x: z.at.x + r * Math.cos(a), y: z.at.y + r * Math.sin(a) };
}

const macFor = (major: number, minor: number) =>
  ['5A', (major >> 8) & 0xff, major & 0xff, (minor >> 8) & 0xff, minor & 0xff, 0x42]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0').toUpperCase()))
    .join(':');

/**
 * Everything advertising in the store: the fixed beacons (battery draining with store time) and the shoppers'
 * phones. Scanners ask it for emitters at every interval; the scenario and the demo add shoppers to it.
 */
export function createStoreWorld(o: { rng: Rng; zones?: ZoneSpec[]; since: number; drainMvPerHour?: number; startBatteryMv?: number }) {
  const zones = o.zones ?? STORE_ZONES;
  const beacons = zones.map((z, i) =>
    fixedBeacon({
      id: z.beacon.id,
      address: z.beacon.address,
      at: beaconPosition(z),
      eddystoneUid: { namespace: BEACON_NAMESPACE, instance: z.beacon.instance },
      txPowerAt0m: BEACON_TX_AT_0M,
      batteryMv: (o.startBatteryMv ?? 3000) - i * 40,
      drainMvPerHour: o.drainMvPerHour ?? 2,
      since: o.since,
      temperatureC: 20 + i,
    }),
  );
  const shoppers: Array<{ plan: ShopperPlan; emitter: Emitter; until: number }> = [];
  const zoneOf = (name: string) => zones.find((z) => z.name === name) ?? (zones[0] as ZoneSpec);

  return {
    zones,
    beacons,
    addShopper(plan: ShopperPlan, rng: Rng) {
      const visits: ShopperVisit[] = plan.visits.map((v) => ({ ...v, at: spotIn(zoneOf(v.zone), rng) }));
      const emitter = shopperApp({ uuid: APP_UUID, major: plan.major, minor: plan.minor, address: macFor(plan.major, plan.minor), visits });
      shoppers.push({ plan, emitter, until: Math.max(...plan.visits.map((v) => v.to)) });
    },
    /** forget shoppers who left before `at` (the demo runs for hours) */
    prune(at: number) {
      for (let i = shoppers.length - 1; i >= 0; i--) if ((shoppers[i]?.until ?? 0) < at) shoppers.splice(i, 1);
    },
    shoppersInside: (at: number) => shoppers.filter((s) => s.emitter.position(at) !== null).length,
    emitters: (): Emitter[] => [...beacons, ...shoppers.map((s) => s.emitter)],
  };
}
export type StoreWorld = ReturnType<typeof createStoreWorld>;

/** A random walk through the store: in at the entrance, 1–3 zones, out through the entrance. Times in ms from `start`. */
export function randomItinerary(rng: Rng, start: number, dwell: { min: number; max: number }, zones: ZoneSpec[] = STORE_ZONES, maxInner = 3) {
  const inner = zones.filter((z) => z.role !== 'entrance').map((z) => z.name);
  const entrance = zones.find((z) => z.role === 'entrance')?.name ?? (zones[0] as ZoneSpec).name;
  const route = [entrance];
  const n = rng.int(1, maxInner);
  for (let i = 0; i < n; i++) {
    const options = inner.filter((z) => z !== route[route.length - 1]);
    route.push(rng.pick(options));
  }
  route.push(entrance);
  let t = start;
  return route.map((zone) => {
    const d = rng.int(dwell.min, dwell.max);
    const v = { zone, from: t, to: t + d };
    t += d;
    return v;
  });
}
