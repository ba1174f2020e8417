import { randomUUID } from 'node:crypto';
import { Errors } from '../../errors.ts';
import type { Dims } from './config.ts';
import type { Db } from '../../store/db.ts';
import { type Ctx, comp, type Effects, parcel } from './context.ts';
import { failOp, openDoor } from './doors.ts';
import { sweepCodeFailures } from './lockout.ts';
import { sendReminders } from './pickup-window.ts';
import { reservedCompartment } from './expected.ts';
import { orderOf } from './orders.ts';
import { pickCompartment, requestDims } from './queries.ts';

export interface LoadRequest {
  orderId: string;
  size?: string;
  dims?: Dims;
  bankId?: string;
}

/**
 * Staff (or a courier) scanned an order: use the compartment reserved for it (an arrived expected parcel), else
 * pick the smallest free compartment that fits (a low one first when the order asks for it), open it, and wait
 * for the controller's door-closed with occupancy (doors.ts finishes the load and issues the code). An order
 * announced with several parcels takes that many loads; any other order one.
 */
export function loadParcel(ctx: Ctx, req: LoadRequest, actor: string) {
  return ctx.work((tx, fx) => startLoad(ctx, tx, fx, req, actor));
}

export async function startLoad(ctx: Ctx, tx: Db, fx: Effects, req: LoadRequest, actor: string) {
  const order = await orderOf(tx, req.orderId);
  const orderDims = order?.dims ? (JSON.parse(order.dims) as Dims) : undefined;
  const dims = requestDims(ctx, req.dims || req.size ? req : { ...(orderDims ? { dims: orderDims } : {}) });
  const active = await tx.all<{ compartment_id: string }>(
    "SELECT compartment_id FROM locker_parcels WHERE order_id = ? AND status IN ('loading', 'awaiting_pickup', 'picking_up', 'expired')",
    [req.orderId],
  );
  if (active.length >= (order?.parcels ?? 1))
    throw new Errors.conflict(`order ${req.orderId} is already in compartment ${active.map((a) => a.compartment_id).join(', ')}`);
  // an expected parcel that arrived has its compartment waiting for it
  const preferLow = order?.accessibility === 'low';
  const c = (await reservedCompartment(ctx, tx, req.orderId, dims)) ?? (await pickCompartment(ctx, tx, dims, { ...req, preferLow }));
  const id = randomUUID();
  await tx.run("INSERT INTO locker_parcels (id, order_id, size, compartment_id, status, created_at, actor) VALUES (?, ?, ?, ?, 'loading', ?, ?)", [
    id,
    req.orderId,
    c.size,
    c.id,
    ctx.now(),
    actor,
  ]);
  await tx.run("UPDATE locker_compartments SET state = 'loading', parcel_id = ? WHERE id = ?", [id, c.id]);
  await openDoor(ctx, tx, fx, c, 'load', id, actor);
  return {
    parcelId: id,
    orderId: req.orderId,
    compartmentId: c.id,
    bankId: c.bank_id,
    size: c.size,
    status: 'loading',
    low: c.low === 1,
    parcelNo: active.length + 1,
    parcels: order?.parcels ?? 1,
  };
}

function requireOnline(ctx: Ctx, controllerId: string) {
  if (!ctx.deps.link.connectedDeviceIds().includes(controllerId)) throw new Errors.conflict(`locker controller ${controllerId} is offline`);
}

/** Staff takes an expired (or any uncollected) parcel back out; the parcel is reclaimed when the door closes empty. */
export function reclaimParcel(ctx: Ctx, parcelId: string, actor: string) {
  return ctx.work(async (tx, fx) => {
    const p = await parcel(tx, parcelId);
    if (!p) throw new Errors.notFound(`parcel ${parcelId}`);
    if (p.status !== 'expired' && p.status !== 'awaiting_pickup') throw new Errors.conflict(`parcel ${parcelId} is ${p.status}`);
    const c = await comp(tx, p.compartment_id);
    if (!c) throw new Errors.notFound(`compartment ${p.compartment_id}`);
    if (c.op) throw new Errors.conflict(`compartment ${c.id} is busy (${c.op})`);
    requireOnline(ctx, c.controller_id);
    await openDoor(ctx, tx, fx, c, 'reclaim', p.id, actor);
    return { parcelId: p.id, compartmentId: c.id };
  });
}

/** Staff gives up on a load whose door never opened (or is closed again without a parcel being seen). */
export function cancelLoad(ctx: Ctx, parcelId: string, actor: string) {
  return ctx.work(async (tx, fx) => {
    const p = await parcel(tx, parcelId);
    if (!p) throw new Errors.notFound(`parcel ${parcelId}`);
    const c = await comp(tx, p.compartment_id);
    if (p.status !== 'loading' || !c || c.op !== 'load' || c.op_ref !== p.id) throw new Errors.conflict(`parcel ${parcelId} is ${p.status}, not loading`);
    if (c.door === 'open') throw new Errors.conflict(`door ${c.id} is open: put the parcel in and close it, or close it empty`);
    await failOp(ctx, tx, fx, c, 'cancelled by staff');
    await fx.audit(actor, 'cancel:load', c.id, p.id);
    return { parcelId: p.id, status: 'load_failed' };
  });
}

/** Opens a door for staff: to collect dropped returns (`collect`) or for service. */
export function staffOpen(ctx: Ctx, compartmentId: string, actor: string) {
  return ctx.work(async (tx, fx) => {
    const c = await comp(tx, compartmentId);
    if (!c) throw new Errors.notFound(`compartment ${compartmentId}`);
    if (c.op) throw new Errors.conflict(`compartment ${c.id} is busy (${c.op})`);
    if (c.state === 'awaiting_pickup' || c.state === 'expired') throw new Errors.conflict(`compartment ${c.id} holds a parcel: reclaim it instead`);
    requireOnline(ctx, c.controller_id);
    await openDoor(ctx, tx, fx, c, c.state === 'returned' ? 'collect' : 'staff', c.return_id, actor);
    return { compartmentId: c.id };
  });
}

export function setOutOfService(ctx: Ctx, compartmentId: string, outOfService: boolean, actor: string) {
  return ctx.work(async (tx, fx) => {
    const c = await comp(tx, compartmentId);
    if (!c) throw new Errors.notFound(`compartment ${compartmentId}`);
    await tx.run('UPDATE locker_compartments SET out_of_service = ?, updated_at = ? WHERE id = ?', [outOfService ? 1 : 0, ctx.now(), c.id]);
    await fx.audit(actor, outOfService ? 'out_of_service' : 'in_service', c.id, null);
    return { compartmentId: c.id, outOfService };
  });
}

/** Parcels past their pickup time: the code stops working and staff see them on the "to reclaim" list; reminders before that. */
export function expireParcels(ctx: Ctx) {
  return ctx.work(async (tx, fx) => {
    const due = await tx.all<{ id: string; order_id: string; compartment_id: string; controller_id: string }>(
      `SELECT p.id, p.order_id, p.compartment_id, c.controller_id FROM locker_parcels p JOIN locker_compartments c ON c.id = p.compartment_id
         WHERE p.status = 'awaiting_pickup' AND p.expires_at <= ?`,
      [ctx.now()],
    );
    for (const p of due) {
      await tx.run("UPDATE locker_parcels SET status = 'expired', code_hash = NULL, done_at = ? WHERE id = ?", [ctx.now(), p.id]);
      await tx.run("UPDATE locker_compartments SET state = 'expired' WHERE id = ? AND parcel_id = ?", [p.compartment_id, p.id]);
      fx.emit('locker.parcel.expired', p.controller_id, { parcelId: p.id, orderId: p.order_id, compartmentId: p.compartment_id }, p.id);
    }
    await sendReminders(ctx, tx, fx);
    await sweepCodeFailures(ctx, tx, fx);
    if (ctx.cfg.auditDays) await tx.run('DELETE FROM locker_audit WHERE at < ?', [ctx.now() - ctx.cfg.auditDays * 86_400_000]);
    // announcements of orders long done (no parcel of theirs is still here)
    await tx.run(
      `DELETE FROM locker_orders WHERE created_at < ? AND order_id NOT IN
         (SELECT order_id FROM locker_parcels WHERE status IN ('loading', 'awaiting_pickup', 'picking_up', 'expired'))`,
      [ctx.now() - 90 * 86_400_000],
    );
    return due.length;
  });
}
