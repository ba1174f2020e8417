import { describe, expect, it } from 'vitest';
import { createFleet } from '../../../../gateway/services/presence/fleet.ts';
import { createSessionTracker } from '../../../../gateway/services/presence/sessions.ts';

const T0 = 1_700_000_000_000;

describe('shopper sessions', () => {
  const tracker = () => {
    let n = 0;
    return createSessionTracker({ graceMs: 60_000, newId: () => `s${++n}` });
  };

  it('opens on the first enter, collects zone visits and closes after exit plus the grace time', () => {
    const t = tracker();
    expect(t.apply({ type: 'entered', subject: 'sh1', zone: 'entrance', at: T0, rssi: -60, distanceM: 1 })).toMatchObject([{ type: 'opened' }]);
    t.apply({ type: 'moved', subject: 'sh1', from: 'entrance', to: 'denim', at: T0 + 20_000, dwellMs: 20_000, rssi: -60, distanceM: 1 });
    t.apply({ type: 'exited', subject: 'sh1', zone: 'denim', at: T0 + 130_000, lastSeenAt: T0 + 100_000, dwellMs: 80_000 });
    expect(t.tick(T0 + 159_999)).toEqual([]);
    const [closed] = t.tick(T0 + 160_000);
    expect(closed?.type).toBe('closed');
    expect(closed?.session).toMatchObject({
      id: 's1',
      shopperId: 'sh1',
      startedAt: T0,
      endedAt: T0 + 100_000,
      visits: [
        { zone: 'entrance', enteredAt: T0, exitedAt: T0 + 20_000 },
        { zone: 'denim', enteredAt: T0 + 20_000, exitedAt: T0 + 100_000 },
      ],
    });
    expect(t.open()).toEqual([]);
  });

  it('continues the same session when the shopper comes back within the grace time', () => {
    const t = tracker();
    t.apply({ type: 'entered', subject: 'sh1', zone: 'denim', at: T0, rssi: -60, distanceM: 1 });
    t.apply({ type: 'exited', subject: 'sh1', zone: 'denim', at: T0 + 60_000, lastSeenAt: T0 + 30_000, dwellMs: 30_000 });
    expect(t.apply({ type: 'entered', subject: 'sh1', zone: 'shoes', at: T0 + 70_000, rssi: -60, distanceM: 1 })).toMatchObject([{ type: 'updated' }]);
    expect(t.tick(T0 + 200_000)).toEqual([]);
    expect(t.open()[0]).toMatchObject({ id: 's1', endedAt: null, visits: [{ zone: 'denim' }, { zone: 'shoes' }] });
  });
});

describe('beacon fleet health', () => {
  const fleet = () => createFleet({ beacons: [{ id: 'shelf-1', role: 'shelf', zone: 'denim' }], missingMs: 600_000, batteryLowMv: 2500, startedAt: T0 });

  it('raises beacon missing once, not on every tick, and clears it when the beacon is heard again', () => {
    const f = fleet();
    f.seen('shelf-1', T0 + 1000);
    expect(f.tick(T0 + 600_000)).toEqual([]);
    expect(f.tick(T0 + 601_000)).toMatchObject([{ type: 'missing', since: T0 + 1000 }]);
    expect(f.tick(T0 + 700_000)).toEqual([]);
    expect(f.seen('shelf-1', T0 + 800_000)).toMatchObject([{ type: 'found' }]);
    expect(f.tick(T0 + 1_300_000)).toEqual([]);
    expect(f.tick(T0 + 1_400_000)).toMatchObject([{ type: 'missing' }]);
  });

  it('raises battery low once per episode from TLM and ignores 0 mV (not measured)', () => {
    const f = fleet();
    expect(f.telemetry('shelf-1', { batteryMv: 0, temperatureC: null }, T0)).toEqual([]);
    expect(f.telemetry('shelf-1', { batteryMv: 2400, temperatureC: 21 }, T0 + 1)).toMatchObject([{ type: 'battery_low', batteryMv: 2400 }]);
    expect(f.telemetry('shelf-1', { batteryMv: 2450, temperatureC: 21 }, T0 + 2)).toEqual([]);
    expect(f.telemetry('shelf-1', { batteryMv: 2550, temperatureC: 21 }, T0 + 3)).toEqual([]);
    expect(f.telemetry('shelf-1', { batteryMv: 3000, temperatureC: 21 }, T0 + 4)).toEqual([]);
    expect(f.telemetry('shelf-1', { batteryMv: 2300, temperatureC: 21 }, T0 + 5)).toMatchObject([{ type: 'battery_low' }]);
    expect(f.list()[0]).toMatchObject({ batteryMv: 2300, temperatureC: 21, batteryLow: true });
  });
});
