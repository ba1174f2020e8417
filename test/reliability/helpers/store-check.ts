import { type Db, openDb } from '../../../gateway/store/db.ts';

/** The stored event id of a device message that carried a `msgId` (see ingest's stableId). */
export const ackedEventId = (deviceId: string, channel: string, msgId: string) => `${deviceId}/${channel}/${msgId}`;

/** Ids from `ids` with no row in `device_events`. */
export async function missingEvents(db: Db, ids: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.all<{ id: string }>(`SELECT id FROM device_events WHERE id IN (${chunk.map(() => '?').join(',')})`, chunk);
    for (const r of rows) found.add(r.id);
  }
  return ids.filter((id) => !found.has(id));
}

export async function integrity(db: Db): Promise<string> {
  const rows = await db.all<Record<string, string>>('PRAGMA integrity_check');
  return rows.map((r) => Object.values(r)[0]).join('; ');
}

const ACTIVE_PARCEL = "('loading', 'awaiting_pickup', 'picking_up', 'expired')";

/**
 * Locker double booking, read from the lockers' own tables: a compartment held by two live parcels, a parcel
 * pointing at a compartment that points elsewhere, or one parcel in two compartments. Empty when consistent.
 */
export async function lockerDoubleBookings(db: Db): Promise<string[]> {
  const problems: string[] = [];
  const hasLockers = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'locker_parcels'");
  if (!hasLockers?.n) return problems;
  for (const r of await db.all<{ compartment_id: string; n: number }>(
    `SELECT compartment_id, COUNT(*) AS n FROM locker_parcels WHERE status IN ${ACTIVE_PARCEL} GROUP BY compartment_id HAVING COUNT(*) > 1`,
  ))
    problems.push(`compartment ${r.compartment_id} holds ${r.n} live parcels`);
  for (const r of await db.all<{ id: string; compartment_id: string; parcel_id: string | null }>(
    `SELECT p.id, p.compartment_id, c.parcel_id FROM locker_parcels p JOIN locker_compartments c ON c.id = p.compartment_id
     WHERE p.status IN ${ACTIVE_PARCEL} AND (c.parcel_id IS NULL OR c.parcel_id <> p.id)`,
  ))
    problems.push(`live parcel ${r.id} is in compartment ${r.compartment_id}, which holds ${r.parcel_id ?? 'nothing'}`);
  for (const r of await db.all<{ parcel_id: string; n: number }>(
    "SELECT parcel_id, COUNT(*) AS n FROM locker_compartments WHERE parcel_id IS NOT NULL AND state <> 'free' GROUP BY parcel_id HAVING COUNT(*) > 1",
  ))
    problems.push(`parcel ${r.parcel_id} occupies ${r.n} compartments`);
  for (const r of await db.all<{ order_id: string; n: number }>(
    `SELECT order_id, COUNT(*) AS n FROM locker_parcels WHERE status IN ${ACTIVE_PARCEL} GROUP BY order_id HAVING COUNT(*) > 1`,
  ))
    problems.push(`order ${r.order_id} is live in ${r.n} compartments`);
  return problems;
}

export async function withDb<T>(file: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(file);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
