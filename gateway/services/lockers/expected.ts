import type { EventMap } from '../../bus/events.ts';
import { Errors } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import { fits } from './allocate.ts';
import type { Dims } from './config.ts';
import { type CompartmentRow, type Ctx, type Effects, comp } from './context.ts';
import type { ExpectedParcelChanged } from './events.ts';
import { pickCompartment, requestDims } from './queries.ts';

/** Declared by the fitting room on the shared event map; read here through the bus only (services never import each other). */
type OrderIntent = EventMap['order.intent.created'];
type Status = ExpectedParcelChanged['status'];

export interface ExpectedRow {
  order_id: string;
  sku: string;
  size: string;
  shopper_id: string | null;
  session_id: string | null;
  mirror_id: string | null;
  status: Status;
  compartment_id: string | null;
  reserved_until: number | null;
  created_at: number;
  updated_at: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const row = (tx: Db, orderId: string) => tx.get<ExpectedRow>('SELECT * FROM locker_expected_parcels WHERE order_id = ?', [orderId]);
const setState = (tx: Db, id: string, from: CompartmentRow['state'], to: CompartmentRow['state'], now: number) =>
  tx.run('UPDATE locker_compartments SET state = ?, updated_at = ? WHERE id = ? AND state = ?', [to, now, id, from]);

const eventData = (r: ExpectedRow, extra: Partial<ExpectedParcelChanged> = {}): ExpectedParcelChanged => ({
  orderId: r.order_id,
  sku: r.sku,
  size: r.size,
  status: r.status,
  compartmentId: r.compartment_id,
  reservedUntil: iso(r.reserved_until),
  ...extra,
});

type ChangeType = 'locker.expected.arrived' | 'locker.expected.loaded' | 'locker.expected.cancelled' | 'locker.expected.expired' | 'locker.expected.released';

/** One state change of an expected parcel: the row and its event, in the caller's transaction (so in the outbox with it). */
async function change(
  ctx: Ctx,
  tx: Db,
  fx: Effects,
  r: ExpectedRow,
  type: ChangeType,
  to: Pick<ExpectedRow, 'status' | 'compartment_id' | 'reserved_until'>,
  extra: Partial<ExpectedParcelChanged> = {},
) {
  const now = ctx.now();
  await tx.run('UPDATE locker_expected_parcels SET status = ?, compartment_id = ?, reserved_until = ?, updated_at = ? WHERE order_id = ?', [
    to.status,
    to.compartment_id,
    to.reserved_until,
    now,
    r.order_id,
  ]);
  const next = { ...r, ...to, updated_at: now };
  fx.emitGateway(type, eventData(next, extra), `${r.order_id}\0${to.status}\0${now}`);
  return next;
}

/**
 * An online order for pickup from a locker here becomes an expected parcel. Idempotent on the order intent id,
 * so a replayed event adds nothing. Other deliveries (home, another store's lockers) are not ours.
 */
export async function expectOrder(ctx: Ctx, tx: Db, fx: Effects, o: OrderIntent): Promise<boolean> {
  if (o.delivery !== 'locker' || (o.pickupStoreId !== null && o.pickupStoreId !== ctx.deps.storeId)) return false;
  const now = ctx.now();
  const r: ExpectedRow = {
    order_id: o.orderIntentId,
    sku: o.sku,
    size: o.size,
    shopper_id: o.shopperId,
    session_id: o.sessionId,
    mirror_id: o.mirrorId,
    status: 'expected',
    compartment_id: null,
    reserved_until: null,
    created_at: now,
    updated_at: now,
  };
  const res = await tx.run(
    `INSERT INTO locker_expected_parcels (order_id, sku, size, shopper_id, session_id, mirror_id, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'expected', ?, ?) ON CONFLICT (order_id) DO NOTHING`,
    [r.order_id, r.sku, r.size, r.shopper_id, r.session_id, r.mirror_id, now, now],
  );
  if (res.changes) fx.emitGateway('locker.expected.created', eventData(r), r.order_id);
  return res.changes > 0;
}

export interface ExpectedView {
  orderId: string;
  sku: string;
  size: string;
  status: string;
  compartmentId: string | null;
  reservedUntil: string | null;
  mirrorId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** For staff: no shopper pseudonym, nobody at the counter needs it. */
export async function listExpected(db: Db, status?: string): Promise<ExpectedView[]> {
  const rows = await db.all<ExpectedRow>(
    `SELECT * FROM locker_expected_parcels ${status ? 'WHERE status = ?' : ''} ORDER BY created_at, order_id`,
    status ? [status] : [],
  );
  return rows.map((r) => ({
    ...eventData(r),
    mirrorId: r.mirror_id,
    createdAt: iso(r.created_at) as string,
    updatedAt: iso(r.updated_at) as string,
  }));
}

/**
 * The parcel reached the store: reserve the best-fit free compartment for it (the garment size is not a
 * compartment size, so staff may give the parcel's size class or dims; else the smallest class) for
 * `reservationHoldMinutes`. Other loads and returns never take a reserved compartment (it is not `free`).
 */
export function markArrived(ctx: Ctx, orderId: string, req: { size?: string; dims?: Dims; bankId?: string }, actor: string) {
  return ctx.work(async (tx, fx) => {
    const r = await row(tx, orderId);
    if (!r) throw new Errors.notFound(`expected parcel ${orderId}`);
    if (r.status !== 'expected') throw new Errors.conflict(`expected parcel ${orderId} is ${r.status}`);
    const c = await pickCompartment(ctx, tx, requestDims(ctx, req), req);
    const now = ctx.now();
    await setState(tx, c.id, 'free', 'reserved', now);
    await fx.audit(actor, 'reserve', c.id, orderId);
    const until = now + ctx.cfg.reservationHoldMinutes * 60_000;
    const next = await change(ctx, tx, fx, r, 'locker.expected.arrived', { status: 'arrived', compartment_id: c.id, reserved_until: until });
    return { orderId, status: next.status, compartmentId: c.id, bankId: c.bank_id, size: c.size, reservedUntil: iso(until) as string };
  });
}

/** Staff calls the order off (refused, lost, sent elsewhere); a reserved compartment goes back to the pool. */
export function cancelExpected(ctx: Ctx, orderId: string, actor: string) {
  return ctx.work(async (tx, fx) => {
    const r = await row(tx, orderId);
    if (!r) throw new Errors.notFound(`expected parcel ${orderId}`);
    if (r.status !== 'expected' && r.status !== 'arrived') throw new Errors.conflict(`expected parcel ${orderId} is ${r.status}`);
    if (r.status === 'arrived' && r.compartment_id) {
      const c = await comp(tx, r.compartment_id);
      if (c?.state === 'loading') throw new Errors.conflict(`order ${orderId} is being loaded into ${c.id}: finish or cancel that load first`);
      await setState(tx, r.compartment_id, 'reserved', 'free', ctx.now());
      await fx.audit(actor, 'unreserve', r.compartment_id, orderId);
    }
    const next = await change(ctx, tx, fx, r, 'locker.expected.cancelled', {
      status: 'cancelled',
      compartment_id: r.compartment_id,
      reserved_until: r.reserved_until,
    });
    return { orderId, status: next.status };
  });
}

/**
 * For a staff load of `orderId`: the compartment reserved for it, when it is usable and the parcel fits.
 * A reserved compartment that went out of service or faulted is skipped (the load goes elsewhere and the
 * reservation is settled when it succeeds); one the parcel does not fit is a conflict staff must resolve.
 */
export async function reservedCompartment(ctx: Ctx, tx: Db, orderId: string, dims: Dims): Promise<CompartmentRow | null> {
  const r = await row(tx, orderId);
  if (r?.status !== 'arrived' || !r.compartment_id) return null;
  const c = await comp(tx, r.compartment_id);
  if (c?.state !== 'reserved' || c.op || c.fault || c.out_of_service || c.door === 'open') return null;
  if (!fits(dims, c))
    throw new Errors.conflict(
      `order ${orderId} has compartment ${c.id} (size ${c.size}) reserved and the parcel does not fit it: cancel the reservation first`,
    );
  if (!ctx.deps.link.connectedDeviceIds().includes(c.controller_id)) throw new Errors.conflict(`locker controller ${c.controller_id} is offline`);
  return c;
}

/**
 * A load for `orderId` ended (doors.ts, after the compartment's own update). Loaded: the expected parcel is
 * `loaded`. Failed in its reserved compartment: the reservation stands again, unless it lapsed meanwhile
 * (`expired`) or the compartment faulted (`released`: back to `expected`, staff marks it arrived again).
 */
export async function onLoadEnded(ctx: Ctx, tx: Db, fx: Effects, compartmentId: string, p: { id: string; order_id: string }, loaded: boolean) {
  const r = await row(tx, p.order_id);
  if (!r || (r.status !== 'expected' && r.status !== 'arrived')) return;
  const now = ctx.now();
  if (loaded) {
    if (r.status === 'arrived' && r.compartment_id && r.compartment_id !== compartmentId) await setState(tx, r.compartment_id, 'reserved', 'free', now);
    await change(
      ctx,
      tx,
      fx,
      r,
      'locker.expected.loaded',
      { status: 'loaded', compartment_id: compartmentId, reserved_until: r.reserved_until },
      { parcelId: p.id },
    );
    return;
  }
  if (r.status !== 'arrived' || r.compartment_id !== compartmentId) return;
  const c = await comp(tx, compartmentId);
  if (!c || c.fault || c.out_of_service) {
    await change(
      ctx,
      tx,
      fx,
      r,
      'locker.expected.released',
      { status: 'expected', compartment_id: null, reserved_until: null },
      {
        reason: `compartment ${compartmentId} is out of order`,
      },
    );
  } else if ((r.reserved_until ?? 0) <= now) {
    await change(ctx, tx, fx, r, 'locker.expected.expired', { status: 'expired', compartment_id: r.compartment_id, reserved_until: r.reserved_until });
  } else await setState(tx, compartmentId, 'free', 'reserved', now);
}

/** Reservations past their hold time give their compartment back (a load under way finishes first). */
export function expireReservations(ctx: Ctx) {
  return ctx.work(async (tx, fx) => {
    const now = ctx.now();
    const due = await tx.all<ExpectedRow>("SELECT * FROM locker_expected_parcels WHERE status = 'arrived' AND reserved_until <= ?", [now]);
    let n = 0;
    for (const r of due) {
      const c = r.compartment_id ? await comp(tx, r.compartment_id) : undefined;
      if (c?.state === 'loading') continue;
      if (c) await setState(tx, c.id, 'reserved', 'free', now);
      await change(ctx, tx, fx, r, 'locker.expected.expired', { status: 'expired', compartment_id: r.compartment_id, reserved_until: r.reserved_until });
      n++;
    }
    // a reservation whose row is gone (its shopper erased) gives its compartment back too
    await tx.run(
      `UPDATE locker_compartments SET state = 'free', updated_at = ? WHERE state = 'reserved' AND id NOT IN
         (SELECT compartment_id FROM locker_expected_parcels WHERE status = 'arrived' AND compartment_id IS NOT NULL)`,
      [now],
    );
    return n;
  });
}
