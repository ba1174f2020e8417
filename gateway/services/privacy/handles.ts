import { normalizeUuid } from '../../../devices/ble/hex.ts';
import { Errors } from '../../errors.ts';
import type { Pseudonymiser } from './pseudonym.ts';

/**
 * What a shopper (or store IT on their behalf) names when asking for their data: the store app id the app shows
 * in its privacy screen, an order id from a receipt, or (store IT only) a pseudonym seen in the dashboard.
 */
export type Handle = { appId: string } | { orderId: string } | { pseudonym: string };

/** `sh_` + hex: what presence's pseudonymiser produces (checked so a request can never match everything) */
export const PSEUDONYM_PATTERN = '^sh_[0-9a-f]{8,64}$';
export const isPseudonym = (s: string) => new RegExp(PSEUDONYM_PATTERN).test(s);
/** iBeacon app: `<major>-<minor>` as the app advertises them (consent bit off); Eddystone-UID app: the 6-byte instance */
export const APP_ID_PATTERN = '^(?:[0-9]{1,5}-[0-9]{1,5}|[0-9a-fA-F]{12})$';
export const ORDER_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{2,99}$';

/** The store app's advertised identities, from `presence.shopperApp`. */
export interface AppBeacons {
  ibeaconUuids: readonly string[];
  eddystoneNamespaces: readonly string[];
}

/** The keys subject resolution starts from: pseudonyms (derived, never looked up) and order ids. */
export interface Seeds {
  kind: 'app' | 'order' | 'pseudonym';
  pseudonyms: string[];
  orderIds: string[];
}

const CONSENT = 0x8000;

/**
 * The beacon keys (presence's `beaconKey` format) an app id advertises as, with and without the consent flag
 * (the top bit of the iBeacon major, or of the Eddystone instance's first byte): the shopper may have switched it.
 */
export function beaconKeysOf(appId: string, app: AppBeacons): string[] {
  if (!new RegExp(APP_ID_PATTERN).test(appId)) throw new Errors.invalid('app id must be <major>-<minor> or a 12-hex-digit Eddystone instance');
  if (appId.includes('-')) {
    const [major, minor] = appId.split('-').map(Number) as [number, number];
    if (major >= CONSENT || minor > 0xffff) throw new Errors.invalid('app id major must be below 32768 and minor below 65536');
    const uuids = app.ibeaconUuids.map((u) => normalizeUuid(u)).filter((u): u is string => !!u);
    return uuids.flatMap((u) => [`ibeacon:${u}:${major}:${minor}`, `ibeacon:${u}:${major | CONSENT}:${minor}`]);
  }
  const inst = appId.toLowerCase();
  const first = Number.parseInt(inst.slice(0, 2), 16) & 0x7f;
  const variants = [first, first | 0x80].map((b) => `${b.toString(16).padStart(2, '0')}${inst.slice(2)}`);
  return app.eddystoneNamespaces.flatMap((n) => variants.map((v) => `eddystone:${n.toLowerCase()}:${v}`));
}

/** Turns a handle into the seeds of a subject search; pseudonyms of an app id go back `horizonMs`. */
export function seedsOf(h: Handle, o: { app: AppBeacons; pseudonymiser: Pseudonymiser; now: number; horizonMs: number }): Seeds {
  if ('pseudonym' in h) {
    if (!isPseudonym(h.pseudonym)) throw new Errors.invalid('must be a pseudonym (sh_ + hex)');
    return { kind: 'pseudonym', pseudonyms: [h.pseudonym], orderIds: [] };
  }
  if ('orderId' in h) {
    if (!new RegExp(ORDER_ID_PATTERN).test(h.orderId)) throw new Errors.invalid('not an order id');
    return { kind: 'order', pseudonyms: [], orderIds: [h.orderId] };
  }
  const keys = beaconKeysOf(h.appId, o.app);
  const pseudonyms = new Set<string>();
  for (const k of keys) for (const p of o.pseudonymiser.pseudonymsSince(k, o.now - o.horizonMs)) pseudonyms.add(p);
  return { kind: 'app', pseudonyms: [...pseudonyms], orderIds: [] };
}
