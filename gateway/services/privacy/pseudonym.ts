import { createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Beacon } from '../../../devices/ble/types.ts';
import type { Clock } from '../../clock.ts';
import { readOrCreateSecretFile } from '../../store/secret-file.ts';
import type { PrivacyConfig } from './config.ts';

const HOUR_MS = 3_600_000;

/** The pseudonym key from config, else from the data dir, else a new one stored there (0600), like the admin token. */
export function ensurePseudonymKey(cfg: PrivacyConfig, dataDir: string): { key: string; generated: boolean; file: string } {
  const file = join(resolve(dataDir), 'pseudonym-key');
  if (cfg.pseudonymKey) return { key: cfg.pseudonymKey, generated: false, file };
  const { value: key, generated } = readOrCreateSecretFile(file, { bytes: 32 });
  return { key, generated, file };
}

/** The app's consent flag: top bit of the iBeacon major, or of the Eddystone-UID instance's first byte. */
export function consentOf(b: Beacon): boolean {
  if (b.kind === 'ibeacon') return (b.major & 0x8000) !== 0;
  if (b.kind === 'eddystone-uid') return (Number.parseInt(b.instance.slice(0, 2), 16) & 0x80) !== 0;
  return false;
}

const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * Shopper pseudonyms: `sh_` + HMAC(period key, app id). The period key is HMAC(key, period number), so the
 * same app id gives the same pseudonym all day and an unrelated one the next day: sessions link within a
 * period, never across periods. A shopper who opted in (the app's consent flag) gets HMAC(linked key, app id),
 * the same every day. Without the key neither can be reversed or linked.
 */
export function createPseudonymiser(o: { key: string; clock: Clock; rotation: PrivacyConfig['rotation'] }) {
  const periodMs = o.rotation.periodHours * HOUR_MS;
  const offsetMs = o.rotation.utcOffsetMinutes * 60_000;
  const linkedKey = hmac(o.key, 'storegate:linked');
  let current = { period: Number.NaN, key: linkedKey, ids: new Map<string, string>() };

  const periodOf = (ms: number) => Math.floor((ms + offsetMs) / periodMs);
  const make = (key: Buffer, appId: string) => `sh_${hmac(key, appId).toString('hex').slice(0, 20)}`;

  function shopperId(appId: string, consent: boolean): string {
    if (consent) return make(linkedKey, `consent:${appId}`);
    const period = periodOf(o.clock.now());
    if (period !== current.period) current = { period, key: hmac(o.key, `storegate:period:${period}`), ids: new Map() };
    let id = current.ids.get(appId);
    if (!id) {
      id = make(current.key, appId);
      if (current.ids.size > 100_000) current.ids.clear();
      current.ids.set(appId, id);
    }
    return id;
  }

  /**
   * Every pseudonym `appId` had from `fromMs` to now, both with and without the consent flag: what an export or
   * erase by the shopper's own handle looks for. Computed again each time, so no pseudonym → app id mapping is stored.
   */
  function pseudonymsSince(appId: string, fromMs: number): string[] {
    const out = new Set<string>([make(linkedKey, `consent:${appId}`)]);
    for (let p = periodOf(fromMs); p <= periodOf(o.clock.now()); p++) out.add(make(hmac(o.key, `storegate:period:${p}`), appId));
    return [...out];
  }

  return {
    shopperId,
    pseudonymsSince,
    /** for presence: the beacon says whether the shopper consented; `appId` is its beacon key */
    forBeacon: (b: Beacon, appId: string) => shopperId(appId, o.rotation.consentBit && consentOf(b)),
    /** when the current period ends (ms) */
    nextRotationAt: () => (periodOf(o.clock.now()) + 1) * periodMs - offsetMs,
  };
}

export type Pseudonymiser = ReturnType<typeof createPseudonymiser>;

/** The pseudonymiser for a gateway's config: presence names shoppers with it (same key file, same answers). */
export function shopperPseudonymiser(config: { dataDir: string; privacy: PrivacyConfig }, clock: Clock): Pseudonymiser {
  return createPseudonymiser({ key: ensurePseudonymKey(config.privacy, config.dataDir).key, clock, rotation: config.privacy.rotation });
}
