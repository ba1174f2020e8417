import { createRng } from '../rng.ts';
import { STORE_ZONES } from '../store-layout.ts';
import { randomItinerary, type ShopperPlan } from '../store-world.ts';
import { CLOUD_FORWARDER, SCENARIO_BANK, SCENARIO_MIRROR } from './gateway-config.ts';

/**
 * The store day as data: a pure function of the seed and the size. Same seed → same plan → same expected
 * outcomes. Times are store time in ms from opening; the runner plays them at `speed` × real time.
 */
export type LockerAction =
  | { kind: 'load'; at: number; orderId: string; size: string; jam?: boolean }
  /** `leaveOpen`: the shopper walks off without closing the door; staff close it after the door-open alert */
  | { kind: 'pickup'; at: number; orderId: string; leaveOpen?: boolean }
  | { kind: 'return'; at: number; returnId: string; orderId: string; item: string; category: string; reason: string; size: string }
  /** a cheap bulky item the store policy lets the shopper keep: the locker says so and opens nothing */
  | {
      kind: 'keep-it';
      at: number;
      returnId: string;
      orderId: string;
      item: string;
      category: string;
      reason: string;
      size: string;
      value: number;
      shopper: string;
    }
  /** a courier loads a parcel with their courier code and the parcel label, without staff */
  | { kind: 'courier'; at: number; orderId: string; size: string }
  /** staff announce an order with a short pickup window and load it; nobody comes, so it expires */
  | { kind: 'load-expiring'; at: number; orderId: string; pickupHours: number }
  /** staff take the parcels on the "to reclaim" list back out (waits until `orderId` is on it) */
  | { kind: 'reclaim-expired'; at: number; orderId: string }
  /** staff empty the compartments holding dropped returns (for the returns desk) */
  | { kind: 'collect-returns'; at: number }
  /** the parcel of an order `shopper` placed at the mirror for locker pickup reaches the store: staff mark it arrived (a compartment is reserved) and load it */
  | { kind: 'order-arrives'; at: number; shopper: string }
  /** ... and the shopper picks it up with the code the cloud sent them */
  | { kind: 'order-pickup'; at: number; shopper: string }
  /** the controller loses power / comes back (the `power-loss` fault, played in turn with the bank's other actions) */
  | { kind: 'power-cut'; at: number }
  | { kind: 'power-back'; at: number };

/** What a shopper does at the fitting-room mirror after holding items up. */
export type FittingThen = 'browse' | 'size_request' | 'late_size_request' | 'order_home' | 'order_locker';

/**
 * A shopper at the fitting-room mirror: it sees them at `at` and nobody at `leaveAt` (store ms). They hold up
 * Fashion-MNIST test items (one camera frame each); with `pick` the first frame is one the model is unsure of
 * and the shopper picks its first guess on the mirror. Then they ask staff for a size, order online, or browse.
 */
export interface FittingVisit {
  mirrorId: string;
  shopper: string;
  at: number;
  leaveAt: number;
  frames: number[];
  pick: boolean;
  then: FittingThen;
}

export interface Fault {
  /** power-loss: the locker controller loses power at `from` and comes back at `to` (played as locker actions) */
  kind: 'scanner-stall' | 'cloud-down' | 'power-loss';
  target: string;
  from: number;
  to: number;
}

export interface Expected {
  sessionsClosed: number;
  sessionsOpen: number;
  /** each closed session's zone sequence, sorted, as `a>b>c` */
  sessionRoutes: string[];
  parcels: Record<string, 'picked_up' | 'awaiting_pickup' | 'reclaimed'>;
  loadFailures: number;
  /** keys of the alerts the cloud was told about (raised, and later resolved) */
  alertsRaised: string[];
  alertsResolved: string[];
  returnsDropped: number;
  /** returns the store policy let the shopper keep (no door opened) */
  returnsKept: number;
  /** by `<category>/<reason>`, dropped and kept */
  returnReasons: Record<string, number>;
  beaconMissing: Record<string, number>;
  /** fitting-room sessions closed and stored in SQLite */
  fittingSessions: number;
  /** ... of which the cloud learned the shopper's store visit (app beacon seen in the fitting-room zone) */
  fittingLinked: number;
  /** items tried, by how they were identified (`model` from the frame, `pick` by the shopper, `tag` by the room's RFID reader) */
  fittingItems: Record<string, number>;
  /** size requests by final status, and online orders by delivery, as forwarded in the closed sessions */
  sizeRequests: Record<string, number>;
  orders: Record<string, number>;
  /** suggestions the shopper tapped on the mirror */
  suggestionsTaken: number;
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
  fitting: FittingVisit[];
  faults: Fault[];
  expected: Expected;
}

export const SIZES = {
  small: { storeHours: 2, shoppers: 3, loads: 2, returns: 1, maxInner: 2, fitters: 2 },
  day: { storeHours: 8, shoppers: 14, loads: 4, returns: 2, maxInner: 3, fitters: 5 },
} as const;
export type ScenarioSize = keyof typeof SIZES;

const H = 3_600_000;
const STALLED_ZONE = 'menswear';
const JAM_SIZE = 'L';
const RETURN_REASONS = ['wrong_size', 'damaged', 'not_as_described'];
const ITEMS = ['sku-jeans-32', 'sku-tee-m', 'sku-dress-38', 'sku-coat-l'];
/** the item categories the returns QR carries (metric labels are categories, never items) */
export const ITEM_CATEGORY: Record<string, string> = {
  'sku-jeans-32': 'pants',
  'sku-tee-m': 'tops',
  'sku-dress-38': 'dresses',
  'sku-coat-l': 'outerwear',
  'sku-rug-160': 'home',
};
/** of the store day, how long the expiring parcel's pickup window is */
const EXPIRING_WINDOW = 0.3;

/** Real seconds a shopper must stay in a zone for the gateway to place them there (settle 3 s, hysteresis 1 s). */
const MIN_DWELL_REAL_MS = 4000;

/**
 * Fashion-MNIST test images (index into the first 1000, framed by `cameraJpeg(image, index + 1)`) that the shipped
 * model recognises with confidence ~1.0, and ones it is unsure of (top-1 ~0.5); `stocked`: the product the mirror
 * shows for it (sample catalog) has a size in store. `test/simulators/scenario.test.ts` checks these lists against
 * the real model and the sample catalog, so a retrained model or a changed catalog that disagrees fails there first.
 */
export const CONFIDENT_FRAMES = [
  { index: 0, category: 'Ankle boot', stocked: true },
  { index: 1, category: 'Pullover', stocked: true },
  { index: 2, category: 'Trouser', stocked: true },
  { index: 88, category: 'T-shirt/top', stocked: true },
  { index: 100, category: 'Dress', stocked: true },
  { index: 102, category: 'Sneaker', stocked: true },
  // the sample catalog's bag closest to this one has no stock: the mirror offers to order it online
  { index: 18, category: 'Bag', stocked: false },
  { index: 106, category: 'Sandal', stocked: true },
] as const;
/** `guess`: the model's first guess, which the shopper picks on the mirror */
export const UNSURE_FRAMES = [
  { index: 17, guess: 'Shirt' },
  { index: 57, guess: 'Coat' },
  { index: 128, guess: 'Dress' },
] as const;
const FITTING_THEN: FittingThen[] = ['late_size_request', 'order_locker', 'size_request', 'order_home', 'browse'];
const FITTING_ZONE = 'fitting-rooms';
/** real seconds at the mirror: time to be placed in the zone, hold items up, and for a late size request to alert */
const FIT_REAL_MS = 16_000;

export function makePlan(seed: number, size: ScenarioSize = 'small', speed = 240): ScenarioPlan {
  const s = SIZES[size];
  const dayMs = s.storeHours * H;
  const rng = createRng(seed);
  const minDwell = MIN_DWELL_REAL_MS * speed;
  const at = (f: number) => Math.round(f * dayMs);
  const stall: Fault = { kind: 'scanner-stall', target: STORE_ZONES.find((z) => z.name === STALLED_ZONE)?.scannerId ?? 'sc-mens', from: at(0.27), to: at(0.5) };
  // the locker controller's power cut comes after the morning loads and before the outage, when nobody uses the bank
  const power: Fault = { kind: 'power-loss', target: SCENARIO_BANK.controllerId, from: at(0.19), to: at(0.19) + 3000 * speed };
  const faults: Fault[] = [stall, { kind: 'cloud-down', target: 'cloud', from: at(0.25), to: at(0.5) }, power];

  // shoppers: spread over the day; the first few go through the fitting room and use its mirror, one at a time
  const shopRng = rng.fork('shoppers');
  const itineraries = Array.from({ length: s.shoppers }, (_, i) => {
    const est = (s.maxInner + 2) * 1.3 * minDwell;
    const start = Math.round(shopRng.next() * Math.max(0, dayMs - est));
    const raw = randomItinerary(shopRng, start, { min: minDwell, max: Math.round(minDwell * 1.6) }, STORE_ZONES, s.maxInner);
    if (i < s.fitters) withFittingVisit(raw, FIT_REAL_MS * speed);
    return { name: `shopper-${i + 1}`, major: 1000 + i, minor: shopRng.int(1, 65535), raw };
  });
  // one mirror: a fitter who would arrive while the one before is still there comes later
  const fitRng = rng.fork('fitting');
  const fitting: FittingVisit[] = [];
  const fitVisit = (raw: Array<{ zone: string; from: number; to: number }>) => raw.find((v) => v.zone === FITTING_ZONE);
  const fitters = itineraries.slice(0, s.fitters).sort((a, b) => (fitVisit(a.raw)?.from ?? 0) - (fitVisit(b.raw)?.from ?? 0));
  let mirrorFreeAt = 0;
  fitters.forEach((f, i) => {
    const wait = Math.max(0, mirrorFreeAt - (fitVisit(f.raw)?.from ?? 0));
    for (const v of f.raw) Object.assign(v, { from: v.from + wait, to: v.to + wait });
    const v = fitVisit(f.raw) as { from: number; to: number };
    mirrorFreeAt = v.to + 2000 * speed;
    const pick = i === 0;
    const then = FITTING_THEN[i % FITTING_THEN.length] as FittingThen;
    // items of different categories (the same product twice in a session counts once); a size is asked for the last
    const first = pick ? fitRng.pick(UNSURE_FRAMES) : null;
    const options = CONFIDENT_FRAMES.filter((c) => c.category !== first?.guess);
    const last = fitRng.pick(then.endsWith('size_request') ? options.filter((c) => c.stocked) : options);
    const before = fitRng.chance(0.5) ? fitRng.pick(options.filter((c) => c !== last)) : null;
    const frames = [first, before, last].filter((x) => x !== null).map((x) => x.index);
    fitting.push({ mirrorId: SCENARIO_MIRROR.id, shopper: f.name, at: v.from + 500 * speed, leaveAt: v.to - 500 * speed, frames, pick, then });
  });
  // nobody is in the stalled zone while its scanner is down (±2 s real of margin): they stay where they were
  const guard = { from: stall.from - 2000 * speed, to: stall.to + 2000 * speed };
  const shoppers: ShopperPlan[] = itineraries.map(({ raw, ...who }) => {
    const visits: typeof raw = [];
    for (const v of raw) {
      const clash = v.zone === STALLED_ZONE && v.from < guard.to && v.to > guard.from;
      const prev = visits[visits.length - 1];
      if (clash && prev) prev.to = v.to;
      else if (prev && prev.zone === v.zone) prev.to = v.to;
      else visits.push({ ...v });
    }
    return { ...who, visits };
  });
  const late = fitting.filter((f) => f.then === 'late_size_request').length;
  const requests = fitting.filter((f) => f.then === 'size_request' || f.then === 'late_size_request').length;
  const orders = (d: string) => fitting.filter((f) => f.then === `order_${d}`).length;
  const browsed = fitting.filter((f) => f.then === 'browse').length;
  const counts = (entries: Array<[string, number]>): Record<string, number> => Object.fromEntries(entries.filter(([, n]) => n > 0));

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
    if (picked) lockers.push({ kind: 'pickup', at: at(0.55 + 0.08 * i), orderId, ...(i === 0 ? { leaveOpen: true } : {}) });
  }
  const returnReasons: Record<string, number> = {};
  for (let i = 0; i < s.returns; i++) {
    const item = lockRng.pick(ITEMS);
    const category = ITEM_CATEGORY[item] ?? 'other';
    const reason = lockRng.pick(RETURN_REASONS);
    returnReasons[`${category}/${reason}`] = (returnReasons[`${category}/${reason}`] ?? 0) + 1;
    lockers.push({
      kind: 'return',
      at: at(0.6 + 0.07 * i),
      returnId: `ret-${seed}-${i + 1}`,
      orderId: `web-${seed}-${i + 1}`,
      item,
      category,
      reason,
      // a small returned item: it fits whichever compartment the day has left free
      size: 'S',
    });
  }
  // a courier drops a parcel off in the morning; a parcel with a short window expires and staff reclaim it in the
  // afternoon; a shopper returns a cheap rug the store lets them keep
  const courierOrder = `courier-${seed}-1`;
  const expiringOrder = `order-${seed}-expiring`;
  lockers.push(
    { kind: 'load-expiring', at: at(0.09), orderId: expiringOrder, pickupHours: (EXPIRING_WINDOW * dayMs) / speed / H },
    { kind: 'courier', at: at(0.12), orderId: courierOrder, size: 'S' },
    {
      kind: 'keep-it',
      at: at(0.705),
      returnId: `ret-${seed}-keep`,
      orderId: `web-${seed}-keep`,
      item: 'sku-rug-160',
      category: 'home',
      reason: 'changed_mind',
      size: 'XL',
      value: 1900,
      shopper: `shopper-${seed}-keep`,
    },
    { kind: 'reclaim-expired', at: at(0.72), orderId: expiringOrder },
  );
  parcels[courierOrder] = 'awaiting_pickup';
  parcels[expiringOrder] = 'reclaimed';
  returnReasons['home/changed_mind'] = (returnReasons['home/changed_mind'] ?? 0) + 1;
  // online orders for locker pickup here: the parcel comes in late in the day, after staff have cleared the returns
  if (s.returns > 0) lockers.push({ kind: 'collect-returns', at: at(0.75) });
  const lockerOrders = fitting.filter((f) => f.then === 'order_locker');
  for (const f of lockerOrders) {
    const arrives = Math.max(f.leaveAt + 3000 * speed, at(0.8));
    lockers.push({ kind: 'order-arrives', at: arrives, shopper: f.shopper }, { kind: 'order-pickup', at: arrives + 4000 * speed, shopper: f.shopper });
    parcels[`online:${f.shopper}`] = 'picked_up';
  }
  lockers.push({ kind: 'power-cut', at: power.from }, { kind: 'power-back', at: power.to });
  lockers.sort((a, b) => a.at - b.at);

  const lateKey = late ? ['fitting:size-request:late'] : [];
  // raised, then resolved: staff close the door left open, and acknowledge the power loss once the bank is back
  const lockerFaults = ['locker:*:door_open', `locker-controller:${SCENARIO_BANK.controllerId}:power_loss`];
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
    fitting,
    faults,
    expected: {
      sessionsClosed: shoppers.length,
      sessionsOpen: 0,
      sessionRoutes: routes,
      parcels,
      loadFailures: 1,
      alertsRaised: [...lockerFaults, `beacon:${stalledBeacon}:missing`, `cloud:${CLOUD_FORWARDER}:down`, `locker:${jamCompartment}:jam`, ...lateKey].sort(),
      alertsResolved: [...lockerFaults, `beacon:${stalledBeacon}:missing`, `cloud:${CLOUD_FORWARDER}:down`, ...lateKey].sort(),
      returnsDropped: s.returns,
      returnsKept: 1,
      returnReasons,
      beaconMissing: { [stalledBeacon]: 1 },
      fittingSessions: fitting.length,
      fittingLinked: fitting.length,
      fittingItems: counts([
        ['model', fitting.reduce((n, f) => n + f.frames.length - (f.pick ? 1 : 0), 0)],
        ['pick', fitting.filter((f) => f.pick).length + browsed],
        // every fitter also carries one tagged item in before leaving: the reader reads it, and it leaves again
        ['tag', fitting.length],
      ]),
      sizeRequests: counts([['done', requests]]),
      orders: counts([
        ['home', orders('home')],
        ['locker', orders('locker')],
      ]),
      suggestionsTaken: browsed,
      cloud: {
        'presence.session.opened': shoppers.length,
        'presence.session.closed': shoppers.length,
        'locker.parcel.loaded': s.loads + lockerOrders.length + 2,
        'locker.courier.loaded': 1,
        'locker.parcel.expired': 1,
        'locker.parcel.reclaimed': 1,
        'locker.return.kept': 1,
        'locker.expected.created': lockerOrders.length,
        'locker.expected.arrived': lockerOrders.length,
        'locker.expected.loaded': lockerOrders.length,
        'locker.parcel.load_failed': 1,
        'locker.parcel.picked_up': picked,
        'locker.return.dropped': s.returns,
        'fitting.session.closed': fitting.length,
        'order.intent.created': orders('home') + orders('locker'),
      },
    },
  };
}

/**
 * Makes a fitter's itinerary go through the fitting room for at least `dwell` (store ms): the last inner zone
 * becomes the fitting room when none is, that visit is stretched, and what follows moves later.
 */
function withFittingVisit(visits: Array<{ zone: string; from: number; to: number }>, dwell: number) {
  let idx = visits.findIndex((v) => v.zone === FITTING_ZONE);
  if (idx < 0) {
    idx = visits.length - 2;
    (visits[idx] as (typeof visits)[number]).zone = FITTING_ZONE;
  }
  const v = visits[idx] as (typeof visits)[number];
  const extra = Math.max(0, dwell - (v.to - v.from));
  v.to += extra;
  for (const w of visits.slice(idx + 1)) {
    w.from += extra;
    w.to += extra;
  }
}
