import { describe, expect, it } from 'vitest';
import type { IBeacon } from '../../../../devices/ble/types.ts';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { beaconKeysOf, seedsOf } from '../../../../gateway/services/privacy/handles.ts';
import { createPseudonymiser } from '../../../../gateway/services/privacy/pseudonym.ts';
import { horizonMs } from '../../../../gateway/services/privacy/rights.ts';

const DAY = 86_400_000;
const UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const app = { ibeaconUuids: [UUID.toUpperCase()], eddystoneNamespaces: ['b2b98de4c81c47c2b14e'] };
const rotation = { periodHours: 24, utcOffsetMinutes: 0, consentBit: true };
const beacon = (major: number, minor: number): IBeacon => ({ kind: 'ibeacon', uuid: UUID, major, minor, txPower: -59 });
const keyOf = (b: IBeacon) => `ibeacon:${b.uuid}:${b.major}:${b.minor}`;
const retention = {
  deviceEventsDays: 30,
  presenceDays: 30,
  sessionsDays: 90,
  fittingRoomDays: 90,
  lockerAuditDays: 365,
  alertsDays: 90,
  lockerParcelsDays: 90,
  deadLettersDays: 30,
};

describe('shopper handles', () => {
  it('derives from an app id every daily pseudonym presence gave that phone within retention, with or without consent, and none of another phone', () => {
    const clock = createFakeClock(Date.UTC(2026, 2, 1, 10, 0));
    const p = createPseudonymiser({ key: 'test-pseudonym-key-0123456789', clock, rotation });
    const seen: string[] = [];
    const other: string[] = [];
    for (let d = 0; d < 40; d++) {
      seen.push(p.forBeacon(beacon(1003, 4242), keyOf(beacon(1003, 4242))));
      other.push(p.forBeacon(beacon(1004, 4242), keyOf(beacon(1004, 4242))));
      clock.advance(DAY);
    }
    // the day the shopper opted in (consent bit in the major): one pseudonym for every day since
    const linked = p.forBeacon(beacon(0x8000 | 1003, 4242), keyOf(beacon(0x8000 | 1003, 4242)));
    const seeds = seedsOf({ appId: '1003-4242' }, { app, pseudonymiser: p, now: clock.now(), horizonMs: horizonMs(retention) });
    expect(seeds.kind).toBe('app');
    expect(seeds.pseudonyms).toEqual(expect.arrayContaining([...new Set(seen), linked]));
    expect(seeds.pseudonyms.some((s) => other.includes(s))).toBe(false);
    // nothing older than the longest retention is derived
    const short = seedsOf({ appId: '1003-4242' }, { app, pseudonymiser: p, now: clock.now(), horizonMs: 10 * DAY });
    expect(short.pseudonyms).not.toContain(seen[0]);
    expect(short.pseudonyms).toContain(seen[39]);
  });

  it('names the beacon keys of both consent states, for iBeacon and Eddystone-UID apps, and refuses what is not an app id', () => {
    expect(beaconKeysOf('1003-4242', app)).toEqual([`ibeacon:${UUID}:1003:4242`, `ibeacon:${UUID}:${0x8000 | 1003}:4242`]);
    expect(beaconKeysOf('0A0000000001', app)).toEqual(['eddystone:b2b98de4c81c47c2b14e:0a0000000001', 'eddystone:b2b98de4c81c47c2b14e:8a0000000001']);
    expect(() => beaconKeysOf('40000-1', app)).toThrow(/below 32768/);
    expect(() => beaconKeysOf('%', app)).toThrow(/app id must be/);
    expect(() =>
      seedsOf(
        { orderId: "' OR 1=1" },
        { app, pseudonymiser: createPseudonymiser({ key: 'k'.repeat(20), clock: createFakeClock(0), rotation }), now: 0, horizonMs: DAY },
      ),
    ).toThrow(/not an order id/);
  });
});
