import { Errors } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import { bestFit } from './allocate.ts';
import type { Dims, LockersConfig } from './config.ts';
import type { CompartmentRow, Ctx } from './context.ts';

export const sizeDims = (ctx: Ctx, size: string): Dims | undefined => ctx.cfg.sizes[size];

/** A parcel's dimensions from a staff request: measured dims, else a size class, else the smallest class. */
export function requestDims(ctx: Ctx, req: { size?: string; dims?: Dims }): Dims {
  const dims = req.dims ?? (req.size ? sizeDims(ctx, req.size) : sizeDims(ctx, Object.keys(ctx.cfg.sizes)[0] ?? 'S'));
  if (!dims) throw new Errors.invalid(`unknown size ${req.size}; sizes are ${Object.keys(ctx.cfg.sizes).join(', ')}`);
  return dims;
}

/** The best-fit free compartment on an online controller, or a conflict that says why there is none. */
export async function pickCompartment(ctx: Ctx, tx: Db, dims: Dims, req: { size?: string; bankId?: string; preferLow?: boolean }): Promise<CompartmentRow> {
  const all = await freeCompartments(tx, req.bankId ? { bankId: req.bankId } : {});
  const online = new Set(ctx.deps.link.connectedDeviceIds());
  const free = all.filter((f) => online.has(f.controller_id));
  // accessibility: a low compartment that fits, even if larger; a higher one only when no low one is free
  const c =
    (req.preferLow
      ? bestFit(
          dims,
          free.filter((f) => f.low === 1),
        )
      : null) ?? bestFit(dims, free);
  if (!c && bestFit(dims, all)) {
    const offline = [...new Set(all.filter((f) => !online.has(f.controller_id)).map((f) => f.controller_id))];
    throw new Errors.conflict(`no online locker has room: controller ${offline.join(', ')} is offline`);
  }
  if (!c) {
    const what = req.size ? `a size ${req.size} parcel` : `a ${dims.w}×${dims.h}×${dims.d} mm parcel`;
    throw new Errors.conflict(
      `no free compartment fits ${what}${req.bankId ? ` in bank ${req.bankId}` : ''} (${free.length} free compartment(s) in total, none big enough)`,
    );
  }
  return c;
}

/**
 * Compartments a new parcel or return may go into: free (so not reserved for an expected parcel), closed or
 * unknown door, no fault, no pending operation.
 */
export function freeCompartments(tx: Db, where: { controllerId?: string; bankId?: string } = {}) {
  const cond = ["state = 'free'", 'out_of_service = 0', 'fault IS NULL', 'op IS NULL', "door != 'open'", 'COALESCE(occupied, 0) = 0'];
  const params: string[] = [];
  if (where.controllerId) {
    cond.push('controller_id = ?');
    params.push(where.controllerId);
  }
  if (where.bankId) {
    cond.push('bank_id = ?');
    params.push(where.bankId);
  }
  return tx.all<CompartmentRow>(`SELECT * FROM locker_compartments WHERE ${cond.join(' AND ')}`, params);
}

/**
 * Config is the source of the bank layout: new compartments are added, sizes follow the config, and a
 * compartment that left the config goes out of service (it may still hold a parcel, so it is never deleted).
 */
export async function syncBanks(db: Db, cfg: LockersConfig, now: number) {
  await db.transaction(async (tx) => {
    const ids: string[] = [];
    for (const bank of cfg.banks)
      for (const c of bank.compartments) {
        const dims = c.dims ?? cfg.sizes[c.size];
        if (!dims) throw new Error(`lockers: compartment ${c.id} has size ${c.size}, which is not in lockers.sizes`);
        ids.push(c.id);
        await tx.run(
          `INSERT INTO locker_compartments (id, bank_id, controller_id, size, w, h, d, low, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET bank_id = excluded.bank_id, controller_id = excluded.controller_id, size = excluded.size,
             w = excluded.w, h = excluded.h, d = excluded.d, low = excluded.low`,
          [c.id, bank.id, bank.controllerId, c.size, dims.w, dims.h, dims.d, c.low ? 1 : 0, now],
        );
      }
    await tx.run(`UPDATE locker_compartments SET out_of_service = 1 WHERE id NOT IN (${ids.map(() => '?').join(',') || "''"})`, ids);
  });
}

export interface CompartmentView {
  id: string;
  bankId: string;
  controllerId: string;
  size: string;
  state: string;
  door: string;
  occupied: boolean | null;
  outOfService: boolean;
  fault: string | null;
  pending: string | null;
  low: boolean;
  parcel: { id: string; orderId: string; status: string; expiresAt: string | null } | null;
}

export async function overview(db: Db): Promise<CompartmentView[]> {
  const rows = await db.all<CompartmentRow & { p_order: string | null; p_status: string | null; p_expires: number | null }>(
    `SELECT c.*, p.order_id AS p_order, p.status AS p_status, p.expires_at AS p_expires
     FROM locker_compartments c LEFT JOIN locker_parcels p ON p.id = c.parcel_id
     ORDER BY c.bank_id, c.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    bankId: r.bank_id,
    controllerId: r.controller_id,
    size: r.size,
    state: r.state,
    door: r.door,
    occupied: r.occupied === null ? null : r.occupied === 1,
    outOfService: r.out_of_service === 1,
    fault: r.fault,
    pending: r.op,
    low: r.low === 1,
    parcel:
      r.p_order && r.p_status
        ? {
            id: r.parcel_id as string,
            orderId: r.p_order,
            status: r.p_status,
            expiresAt: r.p_expires ? new Date(r.p_expires).toISOString() : null,
          }
        : null,
  }));
}

/** A parcel as staff see it, with its compartment's bank; undefined when there is no such parcel. */
export async function parcelById(db: Db, id: string) {
  const p = await db.get<{
    id: string;
    order_id: string;
    compartment_id: string;
    bank_id: string;
    size: string;
    status: string;
    expires_at: number | null;
  }>('SELECT p.*, c.bank_id FROM locker_parcels p JOIN locker_compartments c ON c.id = p.compartment_id WHERE p.id = ?', [id]);
  if (!p) return undefined;
  return {
    parcelId: p.id,
    orderId: p.order_id,
    compartmentId: p.compartment_id,
    bankId: p.bank_id,
    size: p.size,
    status: p.status,
    expiresAt: p.expires_at ? new Date(p.expires_at).toISOString() : null,
  };
}

/** The controller an alert was raised for; undefined when there is no alert with that key. */
export async function alertDeviceId(db: Db, key: string): Promise<string | undefined> {
  return (await db.get<{ device_id: string }>('SELECT device_id FROM locker_alerts WHERE key = ?', [key]))?.device_id;
}

/** Why returned items came back (at the locker or the desk, kept or taken back), by category, most frequent first. */
export function returnReasons(db: Db) {
  return db.all<{ category: string; reason: string; count: number; kept: number }>(
    `SELECT category, reason, COUNT(*) AS count, SUM(CASE WHEN status = 'kept' THEN 1 ELSE 0 END) AS kept FROM locker_returns
     WHERE status IN ('dropped', 'collected', 'received', 'kept') GROUP BY category, reason ORDER BY count DESC, category, reason`,
  );
}

/** The latest staff actions, newest first. */
export function auditLog(db: Db, limit: number) {
  return db.all<{ at: number; actor: string; action: string; compartmentId: string | null; ref: string | null }>(
    'SELECT at, actor, action, compartment_id AS compartmentId, ref FROM locker_audit ORDER BY id DESC LIMIT ?',
    [limit],
  );
}
