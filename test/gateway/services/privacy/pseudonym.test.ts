import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Beacon } from '../../../../devices/ble/types.ts';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { consentOf, createPseudonymiser, ensurePseudonymKey } from '../../../../gateway/services/privacy/pseudonym.ts';
import { tempDir } from '../../../helpers/gateway.ts';

const HOUR = 3_600_000;
const KEY = 'test-pseudonym-key-0123456789';
const rotation = { periodHours: 24, utcOffsetMinutes: 0, consentBit: true };
const app = (major: number, minor = 7): Beacon => ({ kind: 'ibeacon', uuid: 'e2c56db5-dffb-48d2-b060-d0f5a71096e0', major, minor, txPower: -59 });
const keyOf = (b: Beacon & { kind: 'ibeacon' }) => `ibeacon:${b.uuid}:${b.major}:${b.minor}`;

describe('shopper pseudonyms', () => {
  it('maps the same app id to the same pseudonym within a day and to a different one after the daily rotation', () => {
    const clock = createFakeClock(Date.UTC(2026, 2, 10, 9, 0));
    const p = createPseudonymiser({ key: KEY, clock, rotation });
    const b = app(1001) as Beacon & { kind: 'ibeacon' };
    const morning = p.forBeacon(b, keyOf(b));
    expect(morning).toMatch(/^sh_[0-9a-f]{20}$/);
    clock.advance(14 * HOUR + 59 * 60_000); // 23:59 the same day
    expect(p.forBeacon(b, keyOf(b))).toBe(morning);
    clock.advance(2 * 60_000); // 00:01 the next day
    const nextDay = p.forBeacon(b, keyOf(b));
    expect(nextDay).not.toBe(morning);
    expect(nextDay).toMatch(/^sh_[0-9a-f]{20}$/);
    // another shopper never collides with the first
    const other = app(1002) as Beacon & { kind: 'ibeacon' };
    expect(p.forBeacon(other, keyOf(other))).not.toBe(nextDay);
  });

  it('keeps one pseudonym across days for a shopper whose app carries the consent flag', () => {
    const clock = createFakeClock(Date.UTC(2026, 2, 10, 9, 0));
    const p = createPseudonymiser({ key: KEY, clock, rotation });
    const b = app(0x8000 | 1001) as Beacon & { kind: 'ibeacon' };
    expect(consentOf(b)).toBe(true);
    const first = p.forBeacon(b, keyOf(b));
    clock.advance(3 * 24 * HOUR);
    expect(p.forBeacon(b, keyOf(b))).toBe(first);
  });

  it('ignores the consent flag when rotation.consentBit is off', () => {
    const clock = createFakeClock(Date.UTC(2026, 2, 10, 9, 0));
    const p = createPseudonymiser({ key: KEY, clock, rotation: { ...rotation, consentBit: false } });
    const b = app(0x8000 | 1001) as Beacon & { kind: 'ibeacon' };
    const first = p.forBeacon(b, keyOf(b));
    clock.advance(24 * HOUR);
    expect(p.forBeacon(b, keyOf(b))).not.toBe(first);
  });

  it('starts periods at local midnight with utcOffsetMinutes', () => {
    // 23:30 UTC is 00:30 the next day in UTC+1: a new period has begun there but not in UTC
    const clock = createFakeClock(Date.UTC(2026, 2, 10, 22, 30));
    const utc = createPseudonymiser({ key: KEY, clock, rotation });
    const cet = createPseudonymiser({ key: KEY, clock, rotation: { ...rotation, utcOffsetMinutes: 60 } });
    expect(cet.nextRotationAt()).toBe(Date.UTC(2026, 2, 10, 23, 0));
    expect(utc.nextRotationAt()).toBe(Date.UTC(2026, 2, 11, 0, 0));
  });

  it('gives different pseudonyms under different keys (a leaked pseudonym says nothing without the key)', () => {
    const clock = createFakeClock();
    const b = app(1001) as Beacon & { kind: 'ibeacon' };
    const a = createPseudonymiser({ key: KEY, clock, rotation }).forBeacon(b, keyOf(b));
    const c = createPseudonymiser({ key: `${KEY}-other`, clock, rotation }).forBeacon(b, keyOf(b));
    expect(a).not.toBe(c);
    expect(a).not.toContain('1001');
  });

  it('generates the key into the data dir once (0600) and reuses it', () => {
    const dir = tempDir();
    const first = ensurePseudonymKey({ rotation, retentionJob: {} as never }, dir);
    expect(first.generated).toBe(true);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    const again = ensurePseudonymKey({ rotation, retentionJob: {} as never }, dir);
    expect(again).toMatchObject({ key: first.key, generated: false });
    expect(ensurePseudonymKey({ pseudonymKey: KEY, rotation, retentionJob: {} as never }, dir).key).toBe(KEY);
  });
});
