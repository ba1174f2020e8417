import { createHmac } from 'node:crypto';
import { beaconKey } from '../../../devices/ble/decode.ts';
import { normalizeUuid } from '../../../devices/ble/hex.ts';
import type { Beacon } from '../../../devices/ble/types.ts';
import type { PresenceConfig } from './config.ts';

export type Identity = { role: 'fixed'; beaconId: string } | { role: 'shopper'; shopperId: string } | null;

/** The key a configured fixed beacon is recognised by (same format as `beaconKey`). */
export function fixedBeaconKey(b: PresenceConfig['beacons'][number]): string | null {
  if (b.ibeacon) {
    const uuid = normalizeUuid(b.ibeacon.uuid);
    return uuid ? `ibeacon:${uuid}:${b.ibeacon.major}:${b.ibeacon.minor}` : null;
  }
  if (b.eddystoneUid) return `eddystone:${b.eddystoneUid.namespace.toLowerCase()}:${b.eddystoneUid.instance.toLowerCase()}`;
  if (b.altbeacon) return `altbeacon:${b.altbeacon.beaconId.toLowerCase()}`;
  return null;
}

/**
 * Tells a store's fixed beacons from shoppers' app beacons. A shopper is known only by a keyed hash of what
 * the app advertises (itself a rotating id): never by a phone's MAC address, and not reversible without the key.
 */
export function createIdentifier(cfg: PresenceConfig, storeId: string, pseudonymise?: (b: Beacon, appId: string) => string) {
  const fixed = new Map<string, string>();
  for (const b of cfg.beacons) {
    const k = fixedBeaconKey(b);
    if (k) fixed.set(k, b.id);
  }
  const appUuids = new Set(cfg.shopperApp.ibeaconUuids.map((u) => normalizeUuid(u)).filter((u): u is string => !!u));
  const appNamespaces = new Set(cfg.shopperApp.eddystoneNamespaces.map((n) => n.toLowerCase()));
  const salt = cfg.shopperApp.salt ?? `storegate:${storeId}`;
  const pseudonyms = new Map<string, string>();

  const isShopper = (b: Beacon) =>
    (b.kind === 'ibeacon' && appUuids.has(b.uuid)) ||
    (b.kind === 'eddystone-uid' && appNamespaces.has(b.namespace)) ||
    (b.kind === 'eddystone-eid' && cfg.shopperApp.eid);

  return {
    identify(b: Beacon): Identity {
      const key = beaconKey(b);
      if (key === null) return null;
      const f = fixed.get(key);
      if (f) return { role: 'fixed', beaconId: f };
      if (!isShopper(b)) return null;
      // privacy's pseudonymiser (wired in services/index.ts): a key that rotates daily unless the app's consent
      // flag is set; it caches per period itself. Without one (unit tests), a fixed-salt HMAC as before.
      if (pseudonymise) return { role: 'shopper', shopperId: pseudonymise(b, key) };
      let id = pseudonyms.get(key);
      if (!id) {
        id = `sh_${createHmac('sha256', salt).update(key).digest('hex').slice(0, 20)}`;
        if (pseudonyms.size > 100_000) pseudonyms.clear();
        pseudonyms.set(key, id);
      }
      return { role: 'shopper', shopperId: id };
    },
  };
}
