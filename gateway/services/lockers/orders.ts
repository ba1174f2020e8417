import { Errors } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import { fits } from './allocate.ts';
import type { Dims, LockersConfig } from './config.ts';
import type { Ctx } from './context.ts';
import { listExpected } from './expected.ts';

/** What the store knows about an order before its parcels come in (announced by the cloud/OMS or staff). */
export interface OrderRow {
  order_id: string;
  parcels: number;
  dims: string | null;
  pickup_hours: number | null;
  accessibility: string | null;
  created_at: number;
}
export interface OrderAnnouncement {
  orderId: string;
  /** how many parcels the order ships in; all go under one code */
  parcels?: number;
  /** the largest parcel's outer size (mm): the compartment size is proposed from it */
  dims?: Dims;
  /** this order's pickup window, instead of `lockers.pickupHours` */
  pickupHours?: number;
  /** `low`: the shopper asked for a compartment they can reach without stretching (low compartments first) */
  accessibility?: 'low';
}

export const orderOf = (tx: Db, orderId: string) => tx.get<OrderRow>('SELECT * FROM locker_orders WHERE order_id = ?', [orderId]);

/** The smallest size class (by volume) the parcel fits in, or null when none does. Pure. */
export function proposeSize(dims: Dims, sizes: LockersConfig['sizes']): string | null {
  const vol = (d: Dims) => d.w * d.h * d.d;
  const ok = Object.entries(sizes)
    .filter(([, box]) => fits(dims, box))
    .sort(([, a], [, b]) => vol(a) - vol(b));
  return ok[0]?.[0] ?? null;
}

/** Announce (or update) an order: parcel count, size, pickup window, accessibility. Updating is refused once a parcel is in. */
export function announceOrder(ctx: Ctx, o: OrderAnnouncement, actor: string) {
  return ctx.work(async (tx, fx) => {
    const active = await tx.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM locker_parcels WHERE order_id = ? AND status IN ('loading', 'awaiting_pickup', 'picking_up', 'expired')",
      [o.orderId],
    );
    if (o.dims && !proposeSize(o.dims, ctx.cfg.sizes)) throw new Errors.invalid(`a ${o.dims.w}×${o.dims.h}×${o.dims.d} mm parcel fits no compartment size`);
    if ((active?.n ?? 0) > (o.parcels ?? 1)) throw new Errors.conflict(`order ${o.orderId} already has ${active?.n} parcels in the lockers`);
    await tx.run(
      `INSERT INTO locker_orders (order_id, parcels, dims, pickup_hours, accessibility, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (order_id) DO UPDATE SET parcels = excluded.parcels, dims = excluded.dims, pickup_hours = excluded.pickup_hours,
         accessibility = excluded.accessibility`,
      [o.orderId, o.parcels ?? 1, o.dims ? JSON.stringify(o.dims) : null, o.pickupHours ?? null, o.accessibility ?? null, ctx.now()],
    );
    await fx.audit(actor, 'announce', null, o.orderId);
    return lookupIn(ctx, tx, o.orderId);
  });
}

async function lookupIn(ctx: Ctx, db: Db, orderId: string) {
  const o = await orderOf(db, orderId);
  const expected = (await listExpected(db)).find((x) => x.orderId === orderId) ?? null;
  const parcels = await db.all<{ id: string; compartment_id: string; status: string }>(
    'SELECT id, compartment_id, status FROM locker_parcels WHERE order_id = ? ORDER BY created_at, id',
    [orderId],
  );
  const dims = o?.dims ? (JSON.parse(o.dims) as Dims) : null;
  return {
    orderId,
    known: !!o || !!expected,
    parcels: o?.parcels ?? 1,
    dims,
    proposedSize: dims ? proposeSize(dims, ctx.cfg.sizes) : null,
    pickupHours: o?.pickup_hours ?? ctx.cfg.pickupHours,
    accessibility: o?.accessibility ?? null,
    expected: expected ? { status: expected.status, sku: expected.sku, compartmentId: expected.compartmentId } : null,
    inLockers: parcels.map((p) => ({ parcelId: p.id, compartmentId: p.compartment_id, status: p.status })),
  };
}

/** Staff scanned an order label: is it expected here, how many parcels, which compartment size to take. */
export const lookupOrder = (ctx: Ctx, orderId: string) => lookupIn(ctx, ctx.deps.db, orderId);
