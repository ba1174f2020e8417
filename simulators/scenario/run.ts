import { type BleScannerSim, startBleScanner } from '../ble-scanner.ts';
import { createLockerSim } from '../locker.ts';
import { createRng } from '../rng.ts';
import { createRfidReaderSim } from '../rfid-reader.ts';
import { createMirrorSim, mirrorItems } from '../smart-mirror.ts';
import { createStaffClient } from '../staff.ts';
import { STORE_ZONES } from '../store-layout.ts';
import { createStoreWorld } from '../store-world.ts';
import type { CloudReceiver } from './cloud.ts';
import { playFittingVisit } from './fitting.ts';
import type { TagOutcome } from './fitting-tags.ts';
import { SCENARIO_BANK, SCENARIO_MIRROR, SCENARIO_READER } from './gateway-config.ts';
import { closeTheDay, playLockerAction } from './lockers.ts';
import type { Expected, ScenarioPlan } from './plan.ts';
import { type Check, compare, formatReport, observe } from './verify.ts';

export interface ScenarioTarget {
  mqttUrl: string;
  httpUrl: string;
  staffToken: string;
  storeId: string;
  secrets: Record<string, string>;
  cloud: CloudReceiver;
  /** the gateway's SQLite file, opened read-only for what no API lists */
  dbFile?: string;
  /** the gateway pulls the cloud's downlink feed (`scenarioGatewayConfig({ downlink })`): a sale sells out a size once a day */
  downlink?: boolean;
}

export interface ScenarioOptions {
  /** what happens (loads, pickups, shoppers at the mirror), and a status line every 2 s unless `status` takes it */
  progress?: (line: string) => void;
  /** the status line (store time, shoppers inside, advertisements sent, cloud events), once a second */
  status?: (line: string) => void;
  /** change one expectation on purpose, to show that a mismatch fails the run */
  breakExpectation?: keyof Expected;
  /** how long to wait for the gateway to settle after the last step, real ms */
  settleTimeoutMs?: number;
  /** compare with the plan's expected outcomes (default); the demo, playing day after day on one gateway, does not */
  verify?: boolean;
  /** after the day, staff empty the locker bank (uncollected parcels, returns) so the next day starts empty */
  endOfDay?: boolean;
  /** stops the day early (Ctrl-C in the demo): waits end, devices disconnect */
  signal?: AbortSignal;
}

/** resolves after `ms`, or at once when `signal` aborts */
export const sleepUnless = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    if (signal?.aborted) return r();
    const t = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      r();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
const clockText = (storeMs: number) => {
  const m = Math.floor(storeMs / 60_000) + 9 * 60;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

/** Plays a plan against a running gateway over MQTT and HTTP, then compares what it stored and forwarded. */
export async function runScenario(plan: ScenarioPlan, t: ScenarioTarget, o: ScenarioOptions = {}) {
  const startedAt = Date.now();
  const sleep = (ms: number) => sleepUnless(ms, o.signal);
  const stopped = () => o.signal?.aborted === true;
  const storeNow = () => (Date.now() - startedAt) * plan.speed;
  const realAt = (storeMs: number) => startedAt + storeMs / plan.speed;
  const rng = createRng(plan.seed);
  const world = createStoreWorld({ rng: rng.fork('beacons'), since: 0 });
  for (const s of plan.shoppers) world.addShopper(s, rng.fork(s.name));
  const staff = createStaffClient({ httpUrl: t.httpUrl, token: t.staffToken });
  const scanners: BleScannerSim[] = [];
  const timers: NodeJS.Timeout[] = [];
  const sim = createLockerSim({
    url: t.mqttUrl,
    storeId: t.storeId,
    deviceId: SCENARIO_BANK.controllerId,
    secret: t.secrets[SCENARIO_BANK.controllerId] ?? '',
    compartments: SCENARIO_BANK.compartments.map((c) => c.id),
  });
  const mirror = createMirrorSim({ url: t.mqttUrl, storeId: t.storeId, deviceId: SCENARIO_MIRROR.id, secret: t.secrets[SCENARIO_MIRROR.id] ?? '' });
  const reader = createRfidReaderSim({
    url: t.mqttUrl,
    storeId: t.storeId,
    deviceId: SCENARIO_READER.id,
    secret: t.secrets[SCENARIO_READER.id] ?? '',
    intervalMs: 150,
    rng: rng.fork('rfid'),
  });
  const tags: TagOutcome[] = [];
  const actionErrors: string[] = [];
  let refusedDuringOutage = false;
  // once a day a sale at the till takes the last of a size a shopper just asked for (the cloud's downlink)
  const sale = { sellOut: t.cloud.downlink.sellOut, seen: null as boolean | null };
  try {
    for (const z of STORE_ZONES) {
      scanners.push(
        await startBleScanner({
          url: t.mqttUrl,
          storeId: t.storeId,
          id: z.scannerId,
          secret: t.secrets[z.scannerId] ?? '',
          at: z.at,
          format: z.role === 'fitting-room' ? 'omg' : 'raw',
          emitters: world.emitters,
          rng: rng.fork(`radio-${z.scannerId}`),
          now: storeNow,
          intervalMs: 250,
        }),
      );
    }
    await sim.connect();
    await sim.nextCommand((c) => c.type === 'report').catch(() => {});
    if (plan.fitting.length) {
      await mirror.connect();
      await reader.connect();
    }

    const say = (what: string) => o.progress?.(`store ${clockText(storeNow())} · ${what}`);
    for (const f of plan.faults) {
      const scanner = scanners.find((s) => s.id === f.target);
      const refusedBefore = () => t.cloud.stats.refused;
      let base = 0;
      timers.push(
        setTimeout(() => {
          if (f.kind === 'scanner-stall') scanner?.stall();
          else if (f.kind === 'cloud-down') {
            base = refusedBefore();
            t.cloud.setDown(true);
          }
        }, realAt(f.from) - Date.now()),
        setTimeout(() => {
          if (f.kind === 'scanner-stall') scanner?.resume();
          else if (f.kind === 'cloud-down') {
            refusedDuringOutage = refusedBefore() > base;
            t.cloud.setDown(false);
          }
        }, realAt(f.to) - Date.now()),
      );
    }
    const statusLine = o.status ?? o.progress;
    const progress = statusLine
      ? setInterval(
          () => {
            const advs = scanners.reduce((n, s) => n + s.stats.advertisements, 0);
            statusLine(
              `store ${clockText(storeNow())} · shoppers inside ${world.shoppersInside(storeNow())} · advertisements sent ${advs} · cloud events ${t.cloud.events().length}${t.cloud.stats.refused ? ` (refused ${t.cloud.stats.refused})` : ''}`,
            );
          },
          o.status ? 1000 : 2000,
        )
      : null;
    if (progress) timers.push(progress);

    const parcelIds = new Map<string, string>();
    const orders = onlineOrderBook();
    // the locker bank and the fitting-room mirror are used side by side, each by one person at a time
    const lockerDay = (async () => {
      for (const a of plan.lockers) {
        await sleep(realAt(a.at) - Date.now());
        if (stopped()) return;
        try {
          say(await playLockerAction(a, { sim, staff, cloud: t.cloud, parcelIds, onlineOrder: orders.idOf }));
        } catch (err) {
          actionErrors.push(`${a.kind} ${'orderId' in a ? a.orderId : 'shopper' in a ? a.shopper : ''}: ${(err as Error).message}`);
        }
      }
    })();
    const images = plan.fitting.length ? mirrorItems(1000) : [];
    const fittingDay = (async () => {
      for (const f of plan.fitting) {
        if (stopped()) return;
        try {
          const onSoldOut = (seen: boolean) => {
            sale.seen = seen;
          };
          const soldOut = t.downlink && sale.seen === null ? { sellOut: sale.sellOut, onSoldOut } : {};
          const onTag = (x: TagOutcome) => void tags.push(x);
          say(await playFittingVisit(f, { mirror, staff, images, realAt, sleep, onOrder: orders.placed, reader, onTag, ...soldOut }));
        } catch (err) {
          actionErrors.push(`fitting ${f.shopper}: ${(err as Error).message}`);
          await mirror.presence(false).catch(() => {});
        }
      }
    })();
    await Promise.all([lockerDay, fittingDay]);
    const lastVisit = Math.max(plan.dayMs, ...plan.shoppers.flatMap((s) => s.visits.map((v) => v.to)), ...plan.faults.map((f) => f.to));
    await sleep(realAt(lastVisit) - Date.now());
    const title = () =>
      `storegate scenario seed=${plan.seed} size=${plan.size} speed=${plan.speed}x: ${plan.shoppers.length} shoppers, ${plan.lockers.length} locker actions, ${plan.fitting.length} at the mirror, faults: ${plan.faults.map((f) => `${f.kind} ${clockText(f.from)}–${clockText(f.to)}`).join(', ')}; ${((Date.now() - startedAt) / 1000).toFixed(1)} s real`;
    const closing = async () => {
      if (o.endOfDay && !stopped()) say(await closeTheDay({ sim, staff }).catch((err) => `closing time failed: ${(err as Error).message}`));
    };
    if (o.verify === false || stopped()) {
      await closing();
      const ok = actionErrors.length === 0;
      const report = `${title()}\n  ${ok ? 'no errors' : `errors: ${actionErrors.join('; ')}`} · the cloud has ${t.cloud.events().length} events`;
      return { ok, checks: [] as Check[], actual: null, report, cloudStats: { ...t.cloud.stats } };
    }

    // settle: sessions close a few seconds after the last shopper leaves; the outbox drains after the outage
    const expected = plan.expected;
    const deadline = Date.now() + (o.settleTimeoutMs ?? 20_000);
    let actual = await observe({ staff, cloud: t.cloud, parcelIds, expected, ...(t.dbFile ? { dbFile: t.dbFile } : {}) });
    while (Date.now() < deadline && JSON.stringify(compare(expected, actual).map((c) => c.ok)).includes('false')) {
      await sleep(250);
      actual = await observe({ staff, cloud: t.cloud, parcelIds, expected, ...(t.dbFile ? { dbFile: t.dbFile } : {}) });
    }
    const wanted = o.breakExpectation ? breakOne(expected, o.breakExpectation) : expected;
    const extra: Check[] = [
      { name: 'actionErrors', expected: [], actual: actionErrors, ok: actionErrors.length === 0 },
      { name: 'cloudOutageFelt', expected: true, actual: refusedDuringOutage, ok: refusedDuringOutage },
      ...(sale.seen === null ? [] : [{ name: 'soldOutSizeLeftTheMirror', expected: true, actual: sale.seen, ok: sale.seen }]),
      ...rfidChecks(plan, tags, t.cloud),
    ];
    const checks = compare(wanted, actual, extra);
    const ok = checks.every((c) => c.ok);
    const report = formatReport(title(), checks);
    await closing();
    return { ok, checks, actual, report, cloudStats: { ...t.cloud.stats } };
  } finally {
    for (const tm of timers) clearTimeout(tm);
    await Promise.all(scanners.map((s) => s.close().catch(() => {})));
    await sim.disconnect().catch(() => {});
    await mirror.disconnect().catch(() => {});
    await reader.disconnect().catch(() => {});
  }
}

/**
 * Every fitter's tagged item was on the mirror in its size and ended when it left; the cloud's closed sessions count
 * the camera's verdicts as the mirror showed them (the runner picks an item of the camera's last kind: agreement).
 */
function rfidChecks(plan: ScenarioPlan, tags: TagOutcome[], cloud: CloudReceiver): Check[] {
  if (!plan.fitting.length) return [];
  const shown = tags.filter((x) => x.shown).length;
  const ended = tags.filter((x) => x.ended).length;
  const fusion = { agreed: tags.filter((x) => x.camera === 'agreed').length, disagreed: tags.filter((x) => x.camera === 'disagreed').length };
  const sessions = cloud.events().filter((e) => e.type === 'fitting.session.closed');
  const seen = { agreed: 0, disagreed: 0 };
  for (const e of sessions) {
    const f = (e.data as { fusion?: { agreed: number; disagreed: number } }).fusion;
    seen.agreed += f?.agreed ?? 0;
    seen.disagreed += f?.disagreed ?? 0;
  }
  return [
    { name: 'taggedItemsOnTheMirror', expected: plan.fitting.length, actual: shown, ok: shown === plan.fitting.length },
    { name: 'taggedItemsEndedOnLeaving', expected: plan.fitting.length, actual: ended, ok: ended === plan.fitting.length },
    { name: 'tagCameraFusion', expected: fusion, actual: seen, ok: seen.agreed === fusion.agreed && seen.disagreed === fusion.disagreed && fusion.agreed > 0 },
  ];
}

/** Online orders placed at the mirror, by shopper: the locker side waits (up to 2 min) for the id the gateway gave one. */
function onlineOrderBook() {
  const slots = new Map<string, { id: Promise<string>; resolve: (id: string) => void }>();
  const slot = (shopper: string) => {
    let s = slots.get(shopper);
    if (!s) {
      let resolve: (id: string) => void = () => {};
      const id = new Promise<string>((r) => {
        resolve = r;
      });
      s = { id, resolve };
      slots.set(shopper, s);
    }
    return s;
  };
  return {
    placed: (shopper: string, id: string) => slot(shopper).resolve(id),
    idOf: (shopper: string) =>
      Promise.race([
        slot(shopper).id,
        new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`${shopper} placed no online order`)), 120_000).unref()),
      ]),
  };
}

function breakOne(e: Expected, key: keyof Expected): Expected {
  const copy = structuredClone(e) as unknown as Record<string, unknown>;
  const v = copy[key];
  if (typeof v === 'number') copy[key] = v + 1;
  else if (Array.isArray(v)) copy[key] = [...v, 'something that did not happen'];
  else copy[key] = { ...(v as object), 'something-that-did-not-happen': 1 };
  return copy as unknown as Expected;
}
