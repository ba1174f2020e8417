import type { HeardAdvertisement } from './scanner-messages.ts';
import type { ServiceData } from './types.ts';

/** The part of `@abandonware/noble` this adapter uses: its events and the scan calls. */
export interface NobleLike {
  state?: string;
  on(event: 'stateChange', fn: (state: string) => void): unknown;
  on(event: 'discover', fn: (p: NoblePeripheral) => void): unknown;
  removeListener(event: 'stateChange', fn: (state: string) => void): unknown;
  removeListener(event: 'discover', fn: (p: NoblePeripheral) => void): unknown;
  startScanning(serviceUuids?: string[], allowDuplicates?: boolean, cb?: (err?: Error | null) => void): void;
  stopScanning(): void;
}

export interface NoblePeripheral {
  id?: string;
  address?: string;
  rssi: number;
  advertisement?: { manufacturerData?: Buffer | null; serviceData?: ServiceData[] | null };
}

/** Timers the adapter needs (the gateway's clock fits). devices/ does not import gateway/. */
export interface AdapterTimers {
  now(): number;
  setInterval(fn: () => void, ms: number): { cancel(): void };
}

/**
 * noble is an optional dependency and needs a Bluetooth adapter: on a machine without one, importing it
 * throws (EAFNOSUPPORT). So it is loaded only when the local adapter is enabled, and a failure is a reason,
 * not a crash.
 */
export async function loadNoble(): Promise<{ ok: true; noble: NobleLike } | { ok: false; reason: string }> {
  try {
    const name = '@abandonware/noble';
    const m = (await import(name)) as { default?: NobleLike } & NobleLike;
    return { ok: true, noble: m.default ?? m };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND') return { ok: false, reason: '@abandonware/noble is not installed' };
    return { ok: false, reason: e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message };
  }
}

export type AdapterEvent = { type: 'state'; state: string } | { type: 'scan-restarted'; silentMs: number } | { type: 'scan-error'; message: string };

/**
 * The local BLE adapter as an advertisement source. Scans with duplicates allowed (RSSI over time is the
 * point) while powered on, and restarts the scan when nothing has arrived for `watchdogMs`: BlueZ scans
 * can stall silently, the commonest field failure.
 */
export function createNobleSource(o: {
  noble: NobleLike;
  timers: AdapterTimers;
  watchdogMs: number;
  onAdvertisement(adv: HeardAdvertisement): void;
  onEvent?(e: AdapterEvent): void;
}) {
  const { noble, timers } = o;
  let powered = false;
  let lastAdv = timers.now();
  let watchdog: { cancel(): void } | null = null;

  const scan = () => {
    lastAdv = timers.now();
    noble.startScanning([], true, (err) => {
      if (err) o.onEvent?.({ type: 'scan-error', message: err.message });
    });
  };

  const onState = (state: string) => {
    o.onEvent?.({ type: 'state', state });
    powered = state === 'poweredOn';
    if (powered) scan();
  };

  const onDiscover = (p: NoblePeripheral) => {
    lastAdv = timers.now();
    const adv: HeardAdvertisement = { rssi: p.rssi };
    const address = p.address && p.address !== 'unknown' ? p.address : p.id;
    if (address) adv.address = address;
    if (p.advertisement?.manufacturerData) adv.manufacturerData = p.advertisement.manufacturerData;
    if (p.advertisement?.serviceData?.length) adv.serviceData = p.advertisement.serviceData;
    o.onAdvertisement(adv);
  };

  return {
    start() {
      noble.on('stateChange', onState);
      noble.on('discover', onDiscover);
      if (noble.state === 'poweredOn') onState('poweredOn');
      watchdog = timers.setInterval(
        () => {
          const silent = timers.now() - lastAdv;
          if (!powered || silent < o.watchdogMs) return;
          o.onEvent?.({ type: 'scan-restarted', silentMs: silent });
          // no waiting for noble's scanStop: a stalled stack may never send it
          noble.stopScanning();
          scan();
        },
        Math.max(1000, Math.floor(o.watchdogMs / 4)),
      );
    },
    /** Restart scanning now (store IT's button, the same action as the watchdog's); false when not powered on. */
    restartScan(): boolean {
      if (!powered) return false;
      noble.stopScanning();
      scan();
      return true;
    },
    stop() {
      watchdog?.cancel();
      noble.removeListener('stateChange', onState);
      noble.removeListener('discover', onDiscover);
      if (powered) noble.stopScanning();
    },
    get powered() {
      return powered;
    },
  };
}
