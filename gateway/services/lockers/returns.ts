import { type ReturnQrPayload, verifyReturnQr } from '../../../devices/locker/return-qr.ts';
import { Errors } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import { bestFit } from './allocate.ts';
import type { Ctx, Effects } from './context.ts';
import { openDoor } from './doors.ts';
import { type IncentivePicker, offerShown } from './incentives.ts';
import { decideKeepIt, type KeepItDecision } from './keep-it.ts';
import { returnLabels } from './labels.ts';
import { freeCompartments, sizeDims } from './queries.ts';

export type QrRefusal = { reason: string; result: 'wrong' | 'expired' };

/** A return QR checked offline (signature, expiry) and not used before; or why not, as a keypad refusal. */
export async function checkReturnQr(ctx: Ctx, tx: Db, qr: string): Promise<{ ok: true; q: ReturnQrPayload } | ({ ok: false } & QrRefusal)> {
  const check = verifyReturnQr(qr, ctx.cfg.returns, ctx.now());
  if (!check.ok) return { ok: false, reason: `return_qr_${check.reason}`, result: check.reason === 'expired' ? 'expired' : 'wrong' };
  const prior = await tx.get<{ status: string }>('SELECT status FROM locker_returns WHERE id = ?', [check.payload.rid]);
  if (prior && prior.status !== 'cancelled') return { ok: false, reason: 'return_qr_reused', result: 'wrong' };
  return { ok: true, q: check.payload };
}

const sizeOf = (ctx: Ctx, q: ReturnQrPayload) => (q.size && ctx.cfg.sizes[q.size] ? q.size : ctx.cfg.returns.defaultSize);
const categoryOf = (q: ReturnQrPayload) => q.cat ?? 'uncategorised';

/** The keep-it policy's answer for this QR, with the shopper's keep-its in the policy window (fraud guard). */
async function keepItFor(ctx: Ctx, tx: Db, q: ReturnQrPayload): Promise<KeepItDecision> {
  const policy = ctx.cfg.returns.keepIt;
  const since = ctx.now() - (policy?.windowDays ?? 0) * 86_400_000;
  const kept = q.sid
    ? ((await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM locker_returns WHERE shopper_id = ? AND status = 'kept' AND created_at > ?", [q.sid, since]))
        ?.n ?? 0)
    : 0;
  return decideKeepIt({ category: categoryOf(q), value: q.val, size: sizeOf(ctx, q), shopperId: q.sid, keptRecently: kept }, policy);
}

async function pickOffer(tx: Db, picker: IncentivePicker, q: ReturnQrPayload) {
  const prior = q.sid
    ? ((await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM locker_returns WHERE shopper_id = ? AND status != 'cancelled'", [q.sid]))?.n ?? 0)
    : 0;
  return picker({ reason: q.reason, category: categoryOf(q), value: q.val, priorReturns: prior });
}

async function insertReturn(
  ctx: Ctx,
  tx: Db,
  q: ReturnQrPayload,
  o: { compartmentId: string | null; status: string; channel: string; decision: string; offer: string | null },
) {
  await tx.run(
    `INSERT INTO locker_returns (id, order_id, item, reason, compartment_id, status, incentive, incentive_shown, created_at, category, value, shopper_id, channel, decision)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET compartment_id = excluded.compartment_id, status = excluded.status, incentive = excluded.incentive,
       incentive_shown = excluded.incentive_shown, created_at = excluded.created_at, channel = excluded.channel, decision = excluded.decision`,
    [
      q.rid,
      q.oid,
      q.item,
      q.reason,
      o.compartmentId ?? '',
      o.status,
      o.offer,
      o.offer ? 1 : 0,
      ctx.now(),
      categoryOf(q),
      q.val ?? null,
      q.sid ?? null,
      o.channel,
      o.decision,
    ],
  );
}

function kept(ctx: Ctx, fx: Effects, controllerId: string | null, q: ReturnQrPayload, channel: 'locker' | 'desk', why: string) {
  const data = { returnId: q.rid, orderId: q.oid, item: q.item, category: categoryOf(q), reason: q.reason, channel, decision: why };
  if (controllerId) fx.emit('locker.return.kept', controllerId, data, q.rid);
  else fx.emitGateway('locker.return.kept', data, q.rid);
  fx.after(() => {
    ctx.metrics.keepIt.inc({ decision: 'keep', category: returnLabels(ctx, data.category, q.reason, channel).category });
    ctx.metrics.returns.inc(returnLabels(ctx, data.category, q.reason, channel));
  });
}

/**
 * A return QR scanned at the locker. Keep it: nothing opens, the display says so and the return is `kept`.
 * Otherwise the best-fit free compartment for its size opens (doors.ts records the drop when it closes occupied).
 * Either way the rule set may pick an offer, shown on the display with its id for the shopper's answer.
 */
export async function returnAtLocker(
  ctx: Ctx,
  tx: Db,
  fx: Effects,
  controllerId: string,
  q: ReturnQrPayload,
  picker: IncentivePicker,
  accepted: () => Promise<void>,
): Promise<{ refused: 'no_free_compartment' } | null> {
  const decision = await keepItFor(ctx, tx, q);
  const c = decision.keep ? null : bestFit(sizeDims(ctx, sizeOf(ctx, q)) ?? { w: 1, h: 1, d: 1 }, await freeCompartments(tx, { controllerId }));
  if (!decision.keep && !c) return { refused: 'no_free_compartment' };
  await accepted();
  const pick = await pickOffer(tx, picker, q);
  await insertReturn(ctx, tx, q, {
    compartmentId: c?.id ?? null,
    status: decision.keep ? 'kept' : 'dropping',
    channel: 'locker',
    decision: decision.why,
    offer: pick?.text ?? null,
  });
  if (c) {
    await tx.run("UPDATE locker_compartments SET state = 'returning', return_id = ? WHERE id = ?", [q.rid, c.id]);
    await openDoor(ctx, tx, fx, c, 'return', q.rid, 'return-qr');
    fx.send(controllerId, { type: 'keypad', result: 'ok', compartment: c.id });
  } else {
    fx.send(controllerId, { type: 'keypad', result: 'ok' });
    fx.send(controllerId, { type: 'display', returnId: q.rid, message: 'Keep it: no need to return this item. Your refund is on its way.' });
    kept(ctx, fx, controllerId, q, 'locker', decision.why);
  }
  if (!decision.keep) fx.after(() => ctx.metrics.keepIt.inc({ decision: 'return', category: returnLabels(ctx, categoryOf(q), q.reason, 'locker').category }));
  if (pick) {
    const offerId = await offerShown(ctx, tx, fx, controllerId, q.rid, pick);
    fx.send(controllerId, { type: 'display', message: pick.text, offerId, returnId: q.rid });
    fx.after(() => ctx.log.info({ returnId: q.rid, offer: pick.offer, rule: pick.rule }, 'return incentive shown'));
  }
  return null;
}

/**
 * The same QR shown at the service desk (staff page): checked and decided exactly as at the locker; the item, unless
 * kept, is taken at the desk (`received`). Staff see the decision and the offer to read out, and record the answer.
 */
export function returnAtDesk(ctx: Ctx, qr: string, picker: IncentivePicker, actor: string) {
  return ctx.work(async (tx, fx) => {
    const check = await checkReturnQr(ctx, tx, qr);
    if (!check.ok) throw new Errors.invalid(`return QR refused: ${check.reason.replace('return_qr_', '').replace('_', ' ')}`);
    const q = check.q;
    const decision = await keepItFor(ctx, tx, q);
    const pick = await pickOffer(tx, picker, q);
    await insertReturn(ctx, tx, q, {
      compartmentId: null,
      status: decision.keep ? 'kept' : 'received',
      channel: 'desk',
      decision: decision.why,
      offer: pick?.text ?? null,
    });
    await fx.audit(actor, decision.keep ? 'desk:keep_it' : 'desk:return', null, q.rid);
    if (decision.keep) kept(ctx, fx, null, q, 'desk', decision.why);
    else {
      const data = {
        returnId: q.rid,
        orderId: q.oid,
        item: q.item,
        category: categoryOf(q),
        reason: q.reason,
        compartmentId: null,
        channel: 'desk' as const,
        decision: decision.why,
        incentive: pick?.text ?? null,
        incentiveShown: !!pick,
      };
      fx.emitGateway('locker.return.dropped', data, q.rid);
      fx.after(() => {
        ctx.metrics.keepIt.inc({ decision: 'return', category: returnLabels(ctx, data.category, q.reason, 'desk').category });
        ctx.metrics.returns.inc(returnLabels(ctx, data.category, q.reason, 'desk'));
      });
    }
    const offerId = pick ? await offerShown(ctx, tx, fx, null, q.rid, pick) : null;
    return {
      returnId: q.rid,
      orderId: q.oid,
      item: q.item,
      category: categoryOf(q),
      reason: q.reason,
      keepIt: decision.keep,
      decision: decision.why,
      offer: pick && offerId ? { offerId, offer: pick.offer, text: pick.text, rule: pick.rule } : null,
    };
  });
}
