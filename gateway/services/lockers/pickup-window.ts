import { randomBytes } from 'node:crypto';
import { derivePickupCode } from '../../../devices/locker/codes.ts';
import type { Db } from '../../store/db.ts';
import { type CompartmentRow, type Ctx, type Effects, type ParcelRow, setComp } from './context.ts';
import { orderOf } from './orders.ts';

/** A fresh nonce whose derived code is not in use by another order's parcels. */
async function issueCode(ctx: Ctx, tx: Db, orderId: string) {
  for (;;) {
    const nonce = randomBytes(9).toString('base64url');
    const hash = ctx.hashCode(derivePickupCode(ctx.codeKey, orderId, nonce));
    if (!(await tx.get('SELECT 1 FROM locker_parcels WHERE code_hash = ?', [hash]))) return { nonce, hash };
  }
}

const ACTIVE = "('awaiting_pickup', 'picking_up')";

/**
 * A parcel is in (its door closed occupied). All parcels of one order share one code and one pickup window: the
 * first one loaded issues the code and starts the window (the order's own `pickupHours`, else the config's); the
 * others join it. When the order's last announced parcel is in, `locker.order.ready` tells the cloud to send the code.
 */
export async function parcelLoaded(ctx: Ctx, tx: Db, fx: Effects, c: CompartmentRow, p: ParcelRow) {
  const now = ctx.now();
  const order = await orderOf(tx, p.order_id);
  const sibling = await tx.get<ParcelRow>(
    `SELECT * FROM locker_parcels WHERE order_id = ? AND id != ? AND status IN ${ACTIVE} AND code_hash IS NOT NULL ORDER BY loaded_at LIMIT 1`,
    [p.order_id, p.id],
  );
  const { nonce, hash } =
    sibling?.code_nonce && sibling.code_hash ? { nonce: sibling.code_nonce, hash: sibling.code_hash } : await issueCode(ctx, tx, p.order_id);
  const expiresAt = sibling?.expires_at ?? now + (order?.pickup_hours ?? ctx.cfg.pickupHours) * 3600_000;
  await tx.run(
    "UPDATE locker_parcels SET status = 'awaiting_pickup', code_hash = ?, code_nonce = ?, expires_at = ?, loaded_at = ?, reminders_sent = ? WHERE id = ?",
    // reminder points already behind at load (a window shorter than the point) are not sent
    [hash, nonce, expiresAt, now, sibling?.reminders_sent ?? ctx.cfg.pickupReminderHours.filter((h) => now >= expiresAt - h * 3600_000).length, p.id],
  );
  await setComp(tx, c.id, now, { op: null, op_ref: null, op_actor: null, op_at: null, state: 'awaiting_pickup', parcel_id: p.id });
  const ref = { parcelId: p.id, orderId: p.order_id, compartmentId: c.id };
  const iso = new Date(expiresAt).toISOString();
  fx.emit('locker.parcel.loaded', c.controller_id, { ...ref, bankId: c.bank_id, size: c.size, expiresAt: iso, codeNonce: nonce }, p.id);
  fx.after(() => ctx.hooks.pickupChanged());
  if (p.actor?.startsWith('courier:')) fx.emit('locker.courier.loaded', c.controller_id, { ...ref, courierId: p.actor.slice(8) }, p.id);
  const inside = await tx.all<{ id: string; compartment_id: string }>(
    `SELECT id, compartment_id FROM locker_parcels WHERE order_id = ? AND status IN ${ACTIVE} ORDER BY loaded_at, id`,
    [p.order_id],
  );
  if (inside.length === (order?.parcels ?? 1))
    fx.emit(
      'locker.order.ready',
      c.controller_id,
      { orderId: p.order_id, parcelIds: inside.map((x) => x.id), compartmentIds: inside.map((x) => x.compartment_id), codeNonce: nonce, expiresAt: iso },
      `${p.order_id}\0ready`,
    );
}

/**
 * Reminder points (`pickupReminderHours` before the end of the window) that passed: one `locker.parcel.reminder`
 * per order and point reached (a sweep that was late sends the latest point only), so the cloud can notify the shopper.
 */
export async function sendReminders(ctx: Ctx, tx: Db, fx: Effects) {
  const points = [...ctx.cfg.pickupReminderHours].sort((a, b) => b - a);
  if (!points.length) return 0;
  const now = ctx.now();
  const rows = await tx.all<ParcelRow & { controller_id: string }>(
    `SELECT p.*, c.controller_id FROM locker_parcels p JOIN locker_compartments c ON c.id = p.compartment_id
     WHERE p.status = 'awaiting_pickup' AND p.expires_at > ? AND p.reminders_sent < ? ORDER BY p.order_id, p.id`,
    [now, points.length],
  );
  const done = new Set<string>();
  for (const p of rows) {
    const expiresAt = p.expires_at;
    if (done.has(p.order_id) || expiresAt === null) continue;
    const passed = points.filter((h) => now >= expiresAt - h * 3600_000).length;
    if (passed <= p.reminders_sent) continue;
    done.add(p.order_id);
    await tx.run(`UPDATE locker_parcels SET reminders_sent = ? WHERE order_id = ? AND status IN ${ACTIVE}`, [passed, p.order_id]);
    const hoursLeft = Math.round(((expiresAt - now) / 3600_000) * 100) / 100;
    fx.emit(
      'locker.parcel.reminder',
      p.controller_id,
      { parcelId: p.id, orderId: p.order_id, compartmentId: p.compartment_id, expiresAt: new Date(expiresAt).toISOString(), hoursLeft },
      `${p.order_id}\0reminder\0${passed}`,
    );
    fx.after(() => ctx.metrics.reminders.inc());
  }
  return done.size;
}

/** When the sweep next has something to do: the earliest parcel expiry or reminder point still ahead (null: none). */
export async function nextPickupDeadline(ctx: Ctx, tx: Db): Promise<number | null> {
  const rows = await tx.all<{ expires_at: number; reminders_sent: number }>(
    "SELECT expires_at, MIN(reminders_sent) AS reminders_sent FROM locker_parcels WHERE status = 'awaiting_pickup' AND expires_at IS NOT NULL GROUP BY order_id, expires_at",
  );
  const points = [...ctx.cfg.pickupReminderHours].sort((a, b) => b - a);
  let next: number | null = null;
  for (const r of rows) {
    const due = [r.expires_at, ...points.slice(r.reminders_sent).map((h) => r.expires_at - h * 3600_000)];
    for (const t of due) if (next === null || t < next) next = t;
  }
  return next;
}

/** Parcels that expired and wait for staff to take them back out (the "to reclaim" list), oldest first. */
export function toReclaim(db: Db) {
  return db.all<{ parcelId: string; orderId: string; compartmentId: string; bankId: string; expiredAt: number }>(
    `SELECT p.id AS parcelId, p.order_id AS orderId, p.compartment_id AS compartmentId, c.bank_id AS bankId, p.expires_at AS expiredAt
     FROM locker_parcels p JOIN locker_compartments c ON c.id = p.compartment_id WHERE p.status = 'expired' ORDER BY p.expires_at, p.id`,
  );
}
