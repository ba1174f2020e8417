import { timingSafeEqual } from 'node:crypto';
import { codeFromPickupQr } from '../../../devices/locker/codes.ts';
import type { KeypadMessage } from '../../../devices/locker/messages.ts';
import type { Db } from '../../store/db.ts';
import type { CompartmentRow, Ctx, Effects, ParcelRow } from './context.ts';
import { openDoor } from './doors.ts';
import { answerOffer, type IncentivePicker } from './incentives.ts';
import { codeFailed, codeSource, codeSucceeded, lockedFor } from './lockout.ts';
import { checkReturnQr, returnAtLocker } from './returns.ts';
import { startLoad } from './staff.ts';

type Result = 'wrong' | 'locked' | 'expired' | 'refused';

/**
 * A keypad entry: a 6-digit code, a pickup QR (`SGP1.<code>`), a signed return QR (`SGR1.…`), a courier code with
 * a parcel label, or an answer to an offer on the display. Codes are hashed at once and never stored, logged or put
 * on the bus. Wrong entries count towards a lockout of their source only (lockout.ts); a locked source is refused
 * everything, other shoppers at the same bank are not affected.
 */
export async function onKeypad(ctx: Ctx, tx: Db, fx: Effects, controllerId: string, msg: KeypadMessage, picker: IncentivePicker) {
  const now = ctx.now();
  const src = codeSource(controllerId, msg);
  const refuse = (reason: string, result: Result, extra: { lockedForSeconds?: number; message?: string } = {}) => {
    fx.send(controllerId, { type: 'keypad', result, ...extra });
    fx.emit('locker.keypad.refused', controllerId, { controllerId, reason });
    fx.after(() => ctx.metrics.refused.inc({ reason }));
  };
  // an answer to an offer is no code: it neither counts as a failure nor is refused while locked
  if ('offerId' in msg) return offerAnswer(ctx, tx, fx, controllerId, msg.offerId, msg.answer, refuse);
  const locked = await lockedFor(ctx, tx, controllerId, src);
  if (locked) return refuse('locked', 'locked', { lockedForSeconds: locked });
  const fail = async (reason: string) => {
    const seconds = await codeFailed(ctx, tx, fx, controllerId, src);
    refuse(reason, seconds === null ? 'wrong' : 'locked', seconds === null ? {} : { lockedForSeconds: Math.ceil(seconds) });
  };
  const succeed = () => codeSucceeded(ctx, tx, fx, controllerId, src);

  if ('courier' in msg) return courierLoad(ctx, tx, fx, controllerId, msg, fail, succeed, refuse);
  if ('qr' in msg && msg.qr.startsWith('SGR1.')) {
    const check = await checkReturnQr(ctx, tx, msg.qr);
    if (!check.ok) return check.result === 'expired' ? refuse(check.reason, 'expired') : fail(check.reason);
    const r = await returnAtLocker(ctx, tx, fx, controllerId, check.q, picker, succeed);
    if (r) return refuse(r.refused, 'refused');
    // a return made with the app joins the shopper's store visit (the QR may carry the pseudonym of another day)
    const who = await ctx.identifyApp(tx, msg);
    if (who)
      await tx.run('UPDATE locker_returns SET shopper_id = COALESCE(shopper_id, ?), shopper_session_id = ? WHERE id = ?', [
        who.shopperId,
        who.sessionId,
        check.q.rid,
      ]);
    return;
  }
  const code = 'code' in msg ? msg.code : codeFromPickupQr(msg.qr);
  if (code === null || !/^[0-9]{6}$/.test(code)) return fail('malformed');
  // one code per order: every parcel of the order in this bank opens together
  const parcels = await tx.all<ParcelRow>(
    `SELECT p.* FROM locker_parcels p JOIN locker_compartments c ON c.id = p.compartment_id
     WHERE p.code_hash = ? AND p.status = 'awaiting_pickup' AND c.controller_id = ? ORDER BY p.compartment_id`,
    [ctx.hashCode(code), controllerId],
  );
  if (!parcels.length) return fail('wrong_code');
  if (parcels.some((p) => p.expires_at !== null && p.expires_at <= now)) return refuse('expired', 'expired');
  const usable: Array<{ p: ParcelRow; c: CompartmentRow }> = [];
  for (const p of parcels) {
    const c = await tx.get<CompartmentRow>('SELECT * FROM locker_compartments WHERE id = ?', [p.compartment_id]);
    if (c && !c.op && !c.fault && !c.out_of_service) usable.push({ p, c });
  }
  if (!usable.length) return refuse('compartment_unavailable', 'refused');
  await succeed();
  // a pickup with the app (phone unlock) joins the shopper's store visit: the timeline and export/erase by app id
  // reach the parcel even when the order came from elsewhere (an online order, not the mirror)
  const who = await ctx.identifyApp(tx, msg);
  for (const { p, c } of usable) {
    await tx.run("UPDATE locker_parcels SET status = 'picking_up' WHERE id = ?", [p.id]);
    if (who) await tx.run('UPDATE locker_parcels SET shopper_id = ?, shopper_session_id = ? WHERE id = ?', [who.shopperId, who.sessionId, p.id]);
    await openDoor(ctx, tx, fx, c, 'pickup', p.id, 'code' in msg ? 'code' : 'qr');
  }
  const missing = parcels.length - usable.length;
  fx.send(controllerId, {
    type: 'keypad',
    result: 'ok',
    compartment: usable[0]?.c.id as string,
    ...(usable.length > 1 || missing ? { compartments: usable.map((u) => u.c.id) } : {}),
    ...(missing ? { message: `${missing} parcel(s) of this order cannot be opened now: please ask staff` } : {}),
  });
}

async function offerAnswer(
  ctx: Ctx,
  tx: Db,
  fx: Effects,
  controllerId: string,
  offerId: string,
  answer: 'accept' | 'decline',
  refuse: (reason: string, result: Result) => void,
) {
  const shown = await tx.get<{ status: string }>(
    'SELECT i.status FROM locker_incentives i JOIN locker_returns r ON r.id = i.return_id WHERE i.offer_id = ? AND r.channel = ?',
    [offerId, 'locker'],
  );
  if (shown?.status !== 'shown') return refuse('offer_unknown', 'refused');
  await answerOffer(ctx, tx, fx, controllerId, offerId, answer);
  fx.send(controllerId, { type: 'keypad', result: 'ok', message: answer === 'accept' ? 'Offer saved to your account' : 'No problem' });
}

/** Courier codes compared as keyed hashes in constant time, so neither their length nor a prefix leaks. */
function courierOf(ctx: Ctx, code: string) {
  const given = Buffer.from(ctx.hashCode(code), 'hex');
  return ctx.cfg.couriers.find((c) => timingSafeEqual(Buffer.from(ctx.hashCode(c.code), 'hex'), given));
}

/**
 * A courier loads without staff: their code plus the order id scanned from the parcel label opens a compartment
 * exactly as a staff load does (audited as `courier:<id>`); a wrong courier code counts like a wrong pickup code.
 */
async function courierLoad(
  ctx: Ctx,
  tx: Db,
  fx: Effects,
  controllerId: string,
  msg: Extract<KeypadMessage, { courier: string }>,
  fail: (reason: string) => Promise<void>,
  succeed: () => Promise<void>,
  refuse: (reason: string, result: Result, extra?: { message?: string }) => void,
) {
  const courier = courierOf(ctx, msg.courier);
  if (!courier) return fail('wrong_courier_code');
  const bank = ctx.cfg.banks.find((b) => b.controllerId === controllerId);
  let load: Awaited<ReturnType<typeof startLoad>>;
  try {
    // checks come before any write in startLoad, so a refusal leaves nothing half done
    load = await startLoad(
      ctx,
      tx,
      fx,
      { orderId: msg.orderId, ...(msg.size ? { size: msg.size } : {}), ...(bank ? { bankId: bank.id } : {}) },
      `courier:${courier.id}`,
    );
  } catch (err) {
    // a coded refusal (no room, order already in); anything else is a bug and rolls the unit back
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('SG_')) throw err;
    await succeed();
    return refuse('courier_load_refused', 'refused', { message: (err as Error).message });
  }
  await succeed();
  fx.send(controllerId, { type: 'keypad', result: 'ok', compartment: load.compartmentId });
}
