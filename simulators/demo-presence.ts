import { startBleScanner } from './ble-scanner.ts';
import { createRng } from './rng.ts';
import { STORE_ZONES } from './store-layout.ts';
import { createStoreWorld, randomItinerary, type StoreWorld } from './store-world.ts';

/**
 * Demo presence: one shared store world (fixed beacons + shoppers walking between zones in real time) that every
 * demo scanner listens to. A new shopper walks in every few seconds; each stays 20–60 s per zone.
 */
let shared: { world: StoreWorld; users: number; timer: NodeJS.Timeout } | null = null;

function acquireWorld() {
  if (shared) {
    shared.users++;
    return shared.world;
  }
  const rng = createRng(Date.now());
  const world = createStoreWorld({ rng: rng.fork('beacons'), since: Date.now(), drainMvPerHour: 30 });
  let n = 0;
  const spawn = () => {
    const now = Date.now();
    world.prune(now);
    if (world.shoppersInside(now) >= 8) return;
    n++;
    world.addShopper(
      { name: `demo-${n}`, major: 100 + (n % 60000), minor: rng.int(1, 65535), visits: randomItinerary(rng, now, { min: 20_000, max: 60_000 }) },
      rng,
    );
  };
  spawn();
  const timer = setInterval(spawn, 7000);
  timer.unref();
  shared = { world, users: 1, timer };
  return world;
}

function releaseWorld() {
  if (shared && --shared.users === 0) {
    clearInterval(shared.timer);
    shared = null;
  }
}

/** the shape of a `DemoRunner` (declared here, not imported, so demo.ts ↔ this file is not a cycle) */
export async function bleScannerDemoRunner(dev: { id: string; storeId: string; secret: string; zone?: string }, ctx: { url: string }) {
  const zone = STORE_ZONES.find((z) => z.scannerId === dev.id || z.name === dev.zone);
  if (!zone) throw new Error(`scanner ${dev.id} is not placed on the demo floor`);
  const world = acquireWorld();
  const sim = await startBleScanner({
    url: ctx.url,
    storeId: dev.storeId,
    id: dev.id,
    secret: dev.secret,
    at: zone.at,
    // one demo scanner speaks OpenMQTTGateway JSON, like a store that reused an ESP32
    format: zone.role === 'fitting-room' ? 'omg' : 'raw',
    emitters: world.emitters,
    rng: createRng(`${dev.id}-${Date.now()}`),
    intervalMs: 1000,
  });
  return {
    async close() {
      await sim.close();
      releaseWorld();
    },
  };
}
