import { eddystoneTlmFrame, eddystoneUidFrame, iBeaconManufacturerData } from './ble-frames.ts';
import type { Point } from './radio.ts';

/** One advertisement payload as a scanner forwards it (hex), before RSSI is added. */
export interface AdvPayload {
  manufacturerData?: string;
  serviceData?: Array<{ uuid: string; data: string }>;
}

/** Anything that advertises: a fixed beacon or a shopper's phone. `at` is store time (ms). */
export interface Emitter {
  address: string;
  /** measured power at 1 m */
  txAt1m: number;
  position(at: number): Point | null;
  /** the advertisements sent since the last call (one scanner interval) */
  advs(at: number): AdvPayload[];
}

export interface ShopperVisit {
  zone: string;
  /** store time, ms */
  from: number;
  to: number;
  /** where in the zone the shopper stands */
  at: Point;
}

/** The store app advertising as an iBeacon (app UUID, per-install major/minor) while the shopper is inside. */
export function shopperApp(o: { uuid: string; major: number; minor: number; address: string; visits: ShopperVisit[] }): Emitter {
  const mfg = iBeaconManufacturerData(o.uuid, o.major, o.minor, -59);
  return {
    address: o.address,
    txAt1m: -59,
    position: (at) => o.visits.find((v) => at >= v.from && at < v.to)?.at ?? null,
    advs: () => [{ manufacturerData: mfg }],
  };
}

export interface FixedBeaconSpec {
  id: string;
  address: string;
  at: Point;
  eddystoneUid: { namespace: string; instance: string };
  /** battery at store time `since` */
  batteryMv: number;
  /** TLM battery drain; exaggerated in demos so it is visible */
  drainMvPerHour: number;
  since: number;
  temperatureC?: number;
  /** Eddystone calibrated power at 0 m */
  txPowerAt0m?: number;
  /** a TLM frame every n-th interval (Eddystone interleaves UID and TLM) */
  tlmEvery?: number;
}

/** A fixed Eddystone beacon: UID frames, and TLM frames whose battery voltage drains with store time. */
export function fixedBeacon(s: FixedBeaconSpec): Emitter & { batteryMv(at: number): number; spec: FixedBeaconSpec } {
  const tx0 = s.txPowerAt0m ?? -18;
  const uid = eddystoneUidFrame(s.eddystoneUid.namespace, s.eddystoneUid.instance, tx0);
  let calls = 0;
  const batteryMv = (at: number) => Math.max(0, s.batteryMv - (s.drainMvPerHour * Math.max(0, at - s.since)) / 3_600_000);
  return {
    spec: s,
    address: s.address,
    // Eddystone's calibrated power is at 0 m; 41 dB lower at 1 m
    txAt1m: tx0 - 41,
    position: () => s.at,
    batteryMv,
    advs(at) {
      calls++;
      const out: AdvPayload[] = [{ serviceData: [{ uuid: 'feaa', data: uid }] }];
      if (calls % (s.tlmEvery ?? 5) === 1) {
        const tlm = eddystoneTlmFrame({
          batteryMv: batteryMv(at),
          temperatureC: s.temperatureC ?? 21.5,
          advCount: calls * 10,
          uptimeSeconds: (at - s.since) / 1000,
        });
        out.push({ serviceData: [{ uuid: 'feaa', data: tlm }] });
      }
      return out;
    },
  };
}
