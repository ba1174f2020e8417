import { createRng } from '../rng.ts';
import { STORE_ZONES } from '../store-layout.ts';
import { randomItinerary, type ShopperPlan } from '../store-world.ts';
import { CLOUD_FORWARDER, SCENARIO_BANK } from './gateway-config.ts';

/**
 * The store day as data: a pure function of the seed and the size. Same seed → same plan → same expected
 * outcomes. Times are store time in ms from opening; the runner plays them at `speed` × real time.
 */
export type LockerAction =
  | { kind: 'load'; at: number; orderId: string; size: string; jam?: boolean }
  | { kind: 'pickup'; at: number; orderId: string }
  | { kind: 'return'; at: number; returnId: string; orderId: string; item: string; reason: string; size: string };

export interface Fault {
  kind: 'scanner-stall' | 'cloud-down';
  target: string;
  from: number;
  to: number;
}

export interface Expected {
  sessionsClosed: number;
  sessionsOpen: number;
  /** each closed session's zone sequence, sorted, as `a>b>c` */
  sessionRoutes: string[];
  parcels: Record<string, 'picked_up' | 'awaiting_pickup'>;
  loadFailures: number;
  /** keys of the alerts the cloud was told about (raised, and later resolved) */
  alertsRaised: string[];
  alertsResolved: string[];
  returnsDropped: number;
  returnReasons: Record<string, number>;
  beaconMissing: Record<string, number>;
  /** unique CloudEvents the cloud must have received, by type */
  cloud: Record<string, number>;
}

export interface ScenarioPlan {
  seed: number;
  size: ScenarioSize;
  speed: number;
  dayMs: number;
  shoppers: ShopperPlan[];
  lockers: LockerAction[];
  faults: Fault[];
  expected: Expected;
}

export const SIZES = {
  small: { storeHours: 2, shoppers: 3, loads: 2, returns: 1, maxInner: 2 },
  day: { storeHours: 8, shoppers: 14, loads: 4, returns: 2, maxInner: 3 },
} as const;
export type ScenarioSize = keyof typeof SIZES;

const H = 3_600_000;
const STALLED_ZONE = 'menswear';
const JAM_SIZE = 'L';
const RETURN_REASONS = ['wrong_size', 'damaged', 'not_as_described'];
const ITEMS = ['sku-jeans-32', 'sku-tee-m', 'sku-dress-38', 'sku-coat-l'];

/** Real seconds a shopper must stay in a zone for the gateway to place them there (settle 3 s, hysteresis 1 s). */
const MIN_DWELL_REAL_MS = 4000;

export function makePlan(seed: number, size: ScenarioSize = 'small', speed = 240): ScenarioPlan {
  const s = SIZES[size];
  const dayMs = s.storeHours * H;
  const rng = createRng(seed);
  const minDwell = MIN_DWELL_REAL_MS * speed;
  const at = (f: number) => Math.round(f * dayMs);
  const stall: Fault = { kind: 'scanner-stall', target: STORE_ZONES.find((z) => z.name === STALLED_ZONE)?.scannerId ?? 'sc-mens', from: at(0.27), to: at(0.5) };
  const faults: Fault[] = [stall, { kind: 'cloud-down', target: 'cloud', from: at(0.25), to: at(0.5) }];

  // shoppers: spread over the day; nobody is in the stalled zone while its scanner is down (±2 s real of margin)
  const shopRng = rng.fork('shoppers');
  const shoppers: ShopperPlan[] = [];
  const guard = { from: stall.from - 2000 * speed, to: stall.to + 2000 * speed };
  for (let i = 0; i < s.shoppers; i++) {
    const est = (s.maxInner + 2) * 1.3 * minDwell;
    const start = Math.round(shopRng.next() * Math.max(0, dayMs - est));
    const raw = randomItinerary(shopRng, start, { min: minDwell, max: Math.round(minDwell * 1.6) }, STORE_ZONES, s.maxInner);
    const visits: typeof raw = [];
    for (const v of raw) {
      const clash = v.zone === STALLED_ZONE && v.from < guard.to && v.to > guard.from;
      const prev = visits[visits.length - 1];
      if (clash && prev) prev.to = v.to;
      else if (prev && prev.zone === v.zone) prev.to = v.to;
      else visits.push({ ...v });
    }
    shoppers.push({ name: `shopper-${i + 1}`, major: 1000 + i, minor: shopRng.int(1, 65535), visits });
  }

  // lockers: loads in the morning (one into a door that jams, then reloaded elsewhere), pickups and returns after the outage
  const lockRng = rng.fork('lockers');
  const lockers: LockerAction[] = [];
  const parcels: Expected['parcels'] = {};
  for (let i = 0; i < s.loads; i++) {
    const orderId = `order-${seed}-${i + 1}`;
    const jam = i === s.loads - 1;
    lockers.push({ kind: 'load', at: at(0.02 + 0.04 * i), orderId, size: jam ? JAM_SIZE : lockRng.pick(['S', 'M']), ...(jam ? { jam: true } : {}) });
    const picked = i === 0 || lockRng.chance(0.6);
    parcels[orderId] = picked ? 'picked_up' : 'awaiting_pickup';
    if (picked) lockers.push({ kind: 'pickup', at: at(0.55 + 0.08 * i), orderId });
  }
  const returnReasons: Record<string, number> = {};
  for (let i = 0; i < s.returns; i++) {
    const item = lockRng.pick(ITEMS);
    const reason = lockRng.pick(RETURN_REASONS);
    returnReasons[`${item}/${reason}`] = (returnReasons[`${item}/${reason}`] ?? 0) + 1;
    lockers.push({
      kind: 'return',
      at: at(0.6 + 0.07 * i),
      returnId: `ret-${seed}-${i + 1}`,
      orderId: `web-${seed}-${i + 1}`,
      item,
      reason,
      size: lockRng.pick(['S', 'M']),
    });
  }
  lockers.sort((a, b) => a.at - b.at);

  const stalledBeacon = STORE_ZONES.find((z) => z.name === STALLED_ZONE)?.beacon.id ?? 'bc-mens';
  const jamCompartment = SCENARIO_BANK.compartments.find((c) => c.size === JAM_SIZE)?.id ?? 'P5';
  const routes = shoppers.map((p) => p.visits.map((v) => v.zone).join('>')).sort();
  const picked = Object.values(parcels).filter((p) => p === 'picked_up').length;
  return {
    seed,
    size,
    speed,
    dayMs,
    shoppers,
    lockers,
    faults,
    expected: {
      sessionsClosed: shoppers.length,
      sessionsOpen: 0,
      sessionRoutes: routes,
      parcels,
      loadFailures: 1,
      alertsRaised: [`beacon:${stalledBeacon}:missing`, `cloud:${CLOUD_FORWARDER}:down`, `locker:${jamCompartment}:jam`].sort(),
      alertsResolved: [`beacon:${stalledBeacon}:missing`, `cloud:${CLOUD_FORWARDER}:down`].sort(),
      returnsDropped: s.returns,
      returnReasons,
      beaconMissing: { [stalledBeacon]: 1 },
      cloud: {
        'presence.session.opened': shoppers.length,
        'presence.session.closed': shoppers.length,
        'locker.parcel.loaded': s.loads,
        'locker.parcel.load_failed': 1,
        'locker.parcel.picked_up': picked,
        'locker.return.dropped': s.returns,
      },
    },
  };
}
