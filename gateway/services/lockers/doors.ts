import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.ts';
import { alertKey, raiseAlert, resolveAlert } from './alerts.ts';
import { type CompartmentRow, type Ctx, type Effects, comp, parcel, setComp } from './context.ts';
import { onLoadEnded } from './expected.ts';
import { parcelLoaded } from './pickup-window.ts';
import { returnLabels } from './labels.ts';

type Op = NonNullable<CompartmentRow['op']>;

/** Records why a door is being opened (in SQLite, so a restart knows), audits it, and commands it after COMMIT. */
export async function openDoor(ctx: Ctx, tx: Db, fx: Effects, c: CompartmentRow, op: Op, ref: string | null, actor: string) {
  await tx.run('UPDATE locker_compartments SET op = ?, op_ref = ?, op_actor = ?, op_at = ?, op_tries = 1, op_acked = 0, updated_at = ? WHERE id = ?', [
    op,
    ref,
    actor,
    ctx.now(),
    ctx.now(),
    c.id,
  ]);
  await fx.audit(actor, `open:${op}`, c.id, ref);
  fx.send(c.controller_id, { type: 'open', compartment: c.id, reqId: randomUUID() });
  fx.emit('locker.door.opened', c.controller_id, { controllerId: c.controller_id, compartmentId: c.id, purpose: op, actor });
  const at = ctx.now();
  fx.after(() => {
    ctx.metrics.opens.inc({ purpose: op });
    ctx.hooks.doorCommanded(c.id, at);
  });
}

/**
 * The door closed (or a reconnecting controller says it is closed) while an operation was pending: the
 * occupancy sensor decides how it ended. This is the only place parcels and returns change hands.
 */
export async function finishOp(ctx: Ctx, tx: Db, fx: Effects, c: CompartmentRow, occupied: boolean) {
  const now = ctx.now();
  const clearOp = { op: null, op_ref: null, op_actor: null, op_at: null };
  const ctl = c.controller_id;
  const p = c.op_ref && (c.op === 'load' || c.op === 'pickup' || c.op === 'reclaim') ? await parcel(tx, c.op_ref) : undefined;
  const ref = p ? { parcelId: p.id, orderId: p.order_id, compartmentId: c.id } : undefined;
  switch (c.op) {
    case 'load':
      if (!p || !ref) break;
      if (occupied) await parcelLoaded(ctx, tx, fx, c, p);
      else {
        await tx.run("UPDATE locker_parcels SET status = 'load_failed', done_at = ? WHERE id = ?", [now, p.id]);
        await setComp(tx, c.id, now, { ...clearOp, state: 'free', parcel_id: null });
        fx.emit('locker.parcel.load_failed', ctl, { ...ref, reason: 'door closed with the compartment empty' }, p.id);
      }
      await onLoadEnded(ctx, tx, fx, c.id, p, occupied);
      return;
    case 'pickup':
    case 'reclaim':
      if (!p || !ref) break;
      if (!occupied) {
        const status = c.op === 'pickup' ? 'picked_up' : 'reclaimed';
        await tx.run('UPDATE locker_parcels SET status = ?, code_hash = NULL, done_at = ? WHERE id = ?', [status, now, p.id]);
        await setComp(tx, c.id, now, { ...clearOp, state: 'free', parcel_id: null });
        if (c.op === 'pickup') fx.emit('locker.parcel.picked_up', ctl, { ...ref, via: c.op_actor === 'qr' ? 'qr' : 'code' }, p.id);
        else fx.emit('locker.parcel.reclaimed', ctl, ref, p.id);
      } else {
        // closed with the parcel still inside: nothing changed hands, the code stays valid
        if (p.status === 'picking_up') await tx.run("UPDATE locker_parcels SET status = 'awaiting_pickup' WHERE id = ?", [p.id]);
        await setComp(tx, c.id, now, clearOp);
      }
      return;
    case 'return': {
      const r = c.op_ref
        ? await tx.get<{
            id: string;
            order_id: string;
            item: string;
            category: string;
            reason: string;
            decision: string | null;
            incentive: string | null;
            incentive_shown: number;
          }>('SELECT * FROM locker_returns WHERE id = ?', [c.op_ref])
        : undefined;
      if (!r) break;
      if (occupied) {
        const labels = returnLabels(ctx, r.category, r.reason, 'locker');
        await tx.run("UPDATE locker_returns SET status = 'dropped', dropped_at = ? WHERE id = ?", [now, r.id]);
        await setComp(tx, c.id, now, { ...clearOp, state: 'returned', return_id: r.id });
        fx.emit(
          'locker.return.dropped',
          ctl,
          {
            returnId: r.id,
            orderId: r.order_id,
            item: r.item,
            category: r.category,
            reason: r.reason,
            compartmentId: c.id,
            channel: 'locker',
            decision: r.decision ?? '',
            incentive: r.incentive,
            incentiveShown: r.incentive_shown === 1,
          },
          r.id,
        );
        fx.after(() => ctx.metrics.returns.inc(labels));
      } else {
        await tx.run("UPDATE locker_returns SET status = 'cancelled' WHERE id = ?", [r.id]);
        await setComp(tx, c.id, now, { ...clearOp, state: 'free', return_id: null });
      }
      return;
    }
    case 'collect':
      if (!occupied) {
        const ids = (await tx.all<{ id: string }>("SELECT id FROM locker_returns WHERE compartment_id = ? AND status = 'dropped'", [c.id])).map((r) => r.id);
        await tx.run("UPDATE locker_returns SET status = 'collected' WHERE compartment_id = ? AND status = 'dropped'", [c.id]);
        await setComp(tx, c.id, now, { ...clearOp, state: 'free', return_id: null });
        if (ids.length) fx.emit('locker.return.collected', ctl, { returnIds: ids, compartmentId: c.id }, `${ids.join(',')}`);
        return;
      }
      break;
    default:
      break;
  }
  await setComp(tx, c.id, now, clearOp);
}

/** A door that will not open: the pending operation is called off and the compartment leaves the pool until it moves. */
export async function failOp(ctx: Ctx, tx: Db, fx: Effects, c: CompartmentRow, why: string) {
  const now = ctx.now();
  let failedLoad: { id: string; order_id: string } | undefined;
  if (c.op_ref && (c.op === 'load' || c.op === 'pickup')) {
    const p = await parcel(tx, c.op_ref);
    if (p && c.op === 'load') {
      await tx.run("UPDATE locker_parcels SET status = 'load_failed', done_at = ? WHERE id = ?", [now, p.id]);
      await setComp(tx, c.id, now, { state: 'free', parcel_id: null });
      fx.emit('locker.parcel.load_failed', c.controller_id, { parcelId: p.id, orderId: p.order_id, compartmentId: c.id, reason: why }, p.id);
      failedLoad = p;
    } else if (p?.status === 'picking_up') await tx.run("UPDATE locker_parcels SET status = 'awaiting_pickup' WHERE id = ?", [p.id]);
  }
  if (c.op === 'return' && c.op_ref) {
    await tx.run("UPDATE locker_returns SET status = 'cancelled' WHERE id = ?", [c.op_ref]);
    await setComp(tx, c.id, now, { state: 'free', return_id: null });
  }
  await setComp(tx, c.id, now, { op: null, op_ref: null, op_actor: null, op_at: null });
  // once the op is cleared, so a reservation handed back sees the compartment as it now is
  if (failedLoad) await onLoadEnded(ctx, tx, fx, c.id, failedLoad, false);
}

/** One door sensor change from the controller. */
export async function onDoor(
  ctx: Ctx,
  tx: Db,
  fx: Effects,
  controllerId: string,
  id: string,
  door: 'open' | 'closed' | 'jammed',
  occupiedIn: boolean | undefined,
) {
  const c = await comp(tx, id);
  // a controller speaks only for its own bank
  if (!c || c.controller_id !== controllerId) return;
  const now = ctx.now();
  const occupied = occupiedIn ?? (c.occupied === null ? false : c.occupied === 1);
  const ctl = c.controller_id;
  // the door answered: the command deadline (deadline.ts) stops; a compartment marked `check` is back
  if (c.op && !c.op_acked) await tx.run('UPDATE locker_compartments SET op_acked = 1 WHERE id = ?', [id]);
  if (c.fault === 'check') await resolveAlert(tx, fx, ctl, alertKey.check(id));
  if (door === 'jammed') {
    await setComp(tx, id, now, { door: 'jammed', fault: 'jammed', occupied: occupied ? 1 : 0 });
    await raiseAlert(tx, fx, ctl, { key: alertKey.jam(id), severity: 'critical', message: `compartment ${id}: door jammed`, deviceId: ctl }, now);
    if (c.op) await failOp(ctx, tx, fx, c, 'door jammed');
    return;
  }
  if (c.fault === 'jammed') await resolveAlert(tx, fx, ctl, alertKey.jam(id));
  if (door === 'open') {
    if (!c.op && c.door !== 'open') await fx.audit('unknown', 'opened_without_command', id, null);
    await setComp(tx, id, now, { door: 'open', fault: null, occupied: occupied ? 1 : 0, door_open_since: c.door === 'open' ? c.door_open_since : now });
    if (c.op === 'pickup' && c.op_ref) await tx.run("UPDATE locker_parcels SET status = 'picking_up' WHERE id = ? AND status = 'awaiting_pickup'", [c.op_ref]);
    return;
  }
  await setComp(tx, id, now, { door: 'closed', fault: null, occupied: occupied ? 1 : 0, door_open_since: null });
  await resolveAlert(tx, fx, ctl, alertKey.doorOpen(id));
  if (c.op) await finishOp(ctx, tx, fx, { ...c, door: 'closed' }, occupied);
  await checkOccupancy(ctx, tx, fx, id);
}

/** Loaded but the sensor says empty, or free but something inside: one alert until it agrees again. */
export async function checkOccupancy(ctx: Ctx, tx: Db, fx: Effects, id: string) {
  const c = await comp(tx, id);
  if (!c || c.op || c.occupied === null) return;
  const shouldHold = c.state === 'awaiting_pickup' || c.state === 'expired' || c.state === 'returned';
  const key = alertKey.occupancy(id);
  if (shouldHold === (c.occupied === 1)) return void (await resolveAlert(tx, fx, c.controller_id, key));
  const message = shouldHold
    ? `compartment ${id}: should hold an item but the sensor reads empty`
    : `compartment ${id}: should be empty but the sensor reads occupied`;
  await raiseAlert(tx, fx, c.controller_id, { key, severity: 'warning', message, deviceId: c.controller_id }, ctx.now());
}
