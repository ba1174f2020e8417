import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type AdapterEvent, createNobleSource, loadNoble, type NobleLike } from '../../../devices/ble/noble-adapter.ts';
import type { HeardAdvertisement } from '../../../devices/ble/scanner-messages.ts';
import { createFakeClock } from '../../../gateway/clock.ts';

/** Stands in for noble at its event boundary only: `stateChange`, `discover`, and the scan calls. */
class FakeNoble extends EventEmitter implements NobleLike {
  state = 'unknown';
  scans = 0;
  stops = 0;
  startScanning(_uuids?: string[], allowDuplicates?: boolean) {
    if (!allowDuplicates) throw new Error('presence needs duplicates');
    this.scans++;
  }
  stopScanning() {
    this.stops++;
  }
  power(state: string) {
    this.state = state;
    this.emit('stateChange', state);
  }
}

function setup(watchdogMs = 30_000) {
  const noble = new FakeNoble();
  const clock = createFakeClock();
  const heard: HeardAdvertisement[] = [];
  const events: AdapterEvent[] = [];
  const src = createNobleSource({ noble, timers: clock, watchdogMs, onAdvertisement: (a) => heard.push(a), onEvent: (e) => events.push(e) });
  src.start();
  return { noble, clock, heard, events, src };
}

const ibeacon = Buffer.from('4c000215426c7565436861726d426561636f6e730efe1355c5', 'hex');

describe('noble adapter', () => {
  it('starts scanning with duplicates once the adapter is powered on and passes advertisements on', () => {
    const { noble, heard } = setup();
    expect(noble.scans).toBe(0);
    noble.power('poweredOn');
    expect(noble.scans).toBe(1);
    noble.emit('discover', { id: 'c0ffee', address: 'aa:bb:cc:dd:ee:ff', rssi: -67, advertisement: { manufacturerData: ibeacon, serviceData: [] } });
    expect(heard).toEqual([{ rssi: -67, address: 'aa:bb:cc:dd:ee:ff', manufacturerData: ibeacon }]);
  });

  it('restarts a scan that went silent while powered on, and not while data flows', () => {
    const { noble, clock, events } = setup(30_000);
    noble.power('poweredOn');
    for (let i = 0; i < 12; i++) {
      clock.advance(5000);
      noble.emit('discover', { address: 'aa', rssi: -60, advertisement: { manufacturerData: ibeacon } });
    }
    expect(noble.stops).toBe(0);
    clock.advance(31_000);
    expect(noble.stops).toBe(1);
    expect(noble.scans).toBe(2);
    expect(events.filter((e) => e.type === 'scan-restarted')).toHaveLength(1);
  });

  it('does not restart scanning while the adapter is powered off', () => {
    const { noble, clock } = setup(10_000);
    noble.power('poweredOn');
    noble.power('poweredOff');
    clock.advance(60_000);
    expect(noble.stops).toBe(0);
    noble.power('poweredOn');
    expect(noble.scans).toBe(2);
  });

  it('stops listening and scanning on stop()', () => {
    const { noble, heard, src } = setup();
    noble.power('poweredOn');
    src.stop();
    expect(noble.stops).toBe(1);
    noble.emit('discover', { address: 'aa', rssi: -60, advertisement: {} });
    expect(heard).toEqual([]);
  });

  it('reports why noble cannot be loaded on a machine without Bluetooth instead of throwing', async () => {
    const r = await loadNoble();
    // this machine has no BLE adapter: noble either is absent or fails at import (EAFNOSUPPORT)
    if (!r.ok) expect(r.reason).toMatch(/.+/);
    else expect(typeof r.noble.startScanning).toBe('function');
  });
});
