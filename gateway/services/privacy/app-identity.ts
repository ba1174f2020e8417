import type { Clock } from '../../clock.ts';
import type { Db } from '../../store/db.ts';
import { APP_ID_PATTERN, type AppBeacons, beaconKeysOf } from './handles.ts';
import type { Pseudonymiser } from './pseudonym.ts';

const APP_ID = new RegExp(APP_ID_PATTERN);
const VISIT_LOOKBACK_MS = 12 * 3_600_000;

/**
 * Session fusion: the app id a shopper's phone sends when it unlocks a locker → the pseudonym presence gives that
 * phone today and the shopper's latest store visit of the last 12 hours (presence's `shopper_sessions`), so a pickup or return
 * joins the rest of the visit. Same derivation as export by app id (handles.ts): nothing maps pseudonyms back to
 * app ids, and the app id itself is never stored. Without a visit today (the app's beacon not heard), today's
 * pseudonym without consent, so export and erase by app id still find the row.
 */
export function createAppIdentifier(o: { pseudonymiser: Pseudonymiser; app: AppBeacons; clock: Clock }) {
  return async (tx: Db, appId: string): Promise<{ shopperId: string; sessionId: string | null } | null> => {
    if (!APP_ID.test(appId)) return null;
    let keys: string[];
    try {
      keys = beaconKeysOf(appId, o.app);
    } catch {
      return null; // not an app id of this store's app (a keypad session id)
    }
    if (!keys.length) return null;
    // a visit of this shift, not one from another day under a consented (stable) pseudonym
    const since = new Date(o.clock.now() - VISIT_LOOKBACK_MS).toISOString();
    const candidates = [...new Set(keys.flatMap((k) => o.pseudonymiser.pseudonymsSince(k, o.clock.now())))];
    let visit: { id: string; shopper_id: string } | undefined;
    try {
      visit = await tx.get<{ id: string; shopper_id: string }>(
        `SELECT id, shopper_id FROM shopper_sessions WHERE shopper_id IN (${candidates.map(() => '?').join(', ')}) AND started_at >= ?
         ORDER BY (status = 'open') DESC, started_at DESC LIMIT 1`,
        [...candidates, since],
      );
    } catch {
      visit = undefined; // presence not installed: no store visits to join
    }
    return visit ? { shopperId: visit.shopper_id, sessionId: visit.id } : { shopperId: o.pseudonymiser.shopperId(keys[0] as string, false), sessionId: null };
  };
}
