import { codeFromPickupQr } from '../../../devices/locker/codes.ts';
import type { KeypadMessage } from '../../../devices/locker/messages.ts';
import { verifyReturnQr } from '../../../devices/locker/return-qr.ts';
import type { Db } from '../../store/db.ts';
import { alertKey, raiseAlert, resolveAlert } from './alerts.ts';
import { bestFit } from './allocate.ts';
import type { Ctx, Effects, ParcelRow } from './context.ts';
import { openDoor } from './doors.ts';
import { freeCompartments, sizeDims } from './queries.ts';

interface KeypadRow {
  controller_id: string;
  failures: number;
  lockouts: number;
  locked_until: number;
  last_lockout_at: number;
}

/** What to offer a shopper who is returning something. A rule from config by default; a model can replace it. */
export type IncentiveRule = (r: { orderId: string; item: string; reason: string }) => string | null;
export const configIncentiveRule =
  (incentive: { reasons: string[]; offer: string } | undefined): IncentiveRule =>
  (r) =>
    incentive?.reasons.includes(r.reason) ? incentive.offer : null;

/**
 * A keypad entry: a 6-digit code, a pickup QR (`SGP1.<code>`) or a signed return QR (`SGR1.…`). The code is
 * hashed at once and never stored, logged or put on the bus. Wrong entries count towards a lockout that
 * grows with each repeat (lockoutSeconds × growth^(n-1), capped); a locked keypad refuses everything.
 */
export async function onKeypad(ctx: Ctx, tx: Db, fx: Effects, controllerId: string, msg: KeypadMessage, incentive: IncentiveRule) {
  const now = ctx.now();
  const k = (await tx.get<KeypadRow>('SELECT * FROM locker_keypads WHERE controller_id = ?', [controllerId])) ?? {
    controller_id: controllerId,
    failures: 0,
    lockouts: 0,
    locked_until: 0,
    last_lockout_at: 0,
  };
  const save = (row: KeypadRow) =>
    tx.run(
      `INSERT INTO locker_keypads (controller_id, failures, lockouts, locked_until, last_lockout_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (controller_id) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts,
         locked_until = excluded.locked_until, last_lockout_at = excluded.last_lockout_at`,
      [row.controller_id, row.failures, row.lockouts, row.locked_until, row.last_lockout_at],
    );
  const refuse = (reason: string, result: 'wrong' | 'locked' | 'expired' | 'refused', extra: { lockedForSeconds?: number } = {}) => {
    fx.send(controllerId, { type: 'keypad', result, ...extra });
    fx.emit('locker.keypad.refused', controllerId, { controllerId, reason });
    fx.after(() => ctx.metrics.refused.inc({ reason }));
  };
  if (k.locked_until > now) return refuse('locked', 'locked', { lockedForSeconds: Math.ceil((k.locked_until - now) / 1000) });

  const fail = async (reason: string) => {
    const kc = ctx.cfg.keypad;
    k.failures += 1;
    if (k.failures < kc.maxFailures) {
      await save(k);
      return refuse(reason, 'wrong');
    }
    const forgotten = now - k.last_lockout_at > kc.forgetAfterHours * 3600_000;
    k.lockouts = (forgotten ? 0 : k.lockouts) + 1;
    const seconds = Math.min(kc.maxLockoutSeconds, kc.lockoutSeconds * kc.growth ** (k.lockouts - 1));
    Object.assign(k, { failures: 0, locked_until: now + seconds * 1000, last_lockout_at: now });
    await save(k);
    refuse(reason, 'locked', { lockedForSeconds: Math.ceil(seconds) });
    fx.emit('locker.keypad.locked', controllerId, { controllerId, lockedForSeconds: seconds, lockouts: k.lockouts });
    fx.after(() => ctx.metrics.lockouts.inc());
    await raiseAlert(
      tx,
      fx,
      controllerId,
      {
        key: alertKey.lockout(controllerId),
        severity: 'warning',
        message: `keypad of ${controllerId} locked after ${kc.maxFailures} wrong entries`,
        deviceId: controllerId,
      },
      now,
    );
  };
  const succeed = async () => {
    if (k.failures) await save({ ...k, failures: 0 });
    await resolveAlert(tx, fx, controllerId, alertKey.lockout(controllerId));
  };

  if ('qr' in msg && msg.qr.startsWith('SGR1.')) return returnDrop(ctx, tx, fx, controllerId, msg.qr, incentive, fail, succeed, refuse);
  const code = 'code' in msg ? msg.code : codeFromPickupQr(msg.qr);
  if (code === null || !/^[0-9]{6}$/.test(code)) return fail('malformed');
  const p = await tx.get<ParcelRow & { controller_id: string }>(
    `SELECT p.*, c.controller_id FROM locker_parcels p JOIN locker_compartments c ON c.id = p.compartment_id
     WHERE p.code_hash = ? AND p.status = 'awaiting_pickup' AND c.controller_id = ?`,
    [ctx.hashCode(code), controllerId],
  );
  if (!p) return fail('wrong_code');
  if (p.expires_at !== null && p.expires_at <= now) return refuse('expired', 'expired');
  const c = await tx.get<import('./context.ts').CompartmentRow>('SELECT * FROM locker_compartments WHERE id = ?', [p.compartment_id]);
  if (!c || c.op || c.fault || c.out_of_service) return refuse('compartment_unavailable', 'refused');
  await succeed();
  await tx.run("UPDATE locker_parcels SET status = 'picking_up' WHERE id = ?", [p.id]);
  await openDoor(ctx, tx, fx, c, 'pickup', p.id, 'code' in msg ? 'code' : 'qr');
  fx.send(controllerId, { type: 'keypad', result: 'ok', compartment: c.id });
}

async function returnDrop(
  ctx: Ctx,
  tx: Db,
  fx: Effects,
  controllerId: string,
  qr: string,
  incentive: IncentiveRule,
  fail: (reason: string) => Promise<void>,
  succeed: () => Promise<void>,
  refuse: (reason: string, result: 'refused' | 'expired') => void,
) {
  const now = ctx.now();
  const check = verifyReturnQr(qr, ctx.cfg.returns, now);
  if (!check.ok) return check.reason === 'expired' ? refuse('return_qr_expired', 'expired') : fail(`return_qr_${check.reason}`);
  const q = check.payload;
  const prior = await tx.get<{ status: string }>('SELECT status FROM locker_returns WHERE id = ?', [q.rid]);
  if (prior && prior.status !== 'cancelled') return fail('return_qr_reused');
  const size = q.size && ctx.cfg.sizes[q.size] ? q.size : ctx.cfg.returns.defaultSize;
  const dims = sizeDims(ctx, size);
  const c = dims ? bestFit(dims, await freeCompartments(tx, { controllerId })) : null;
  if (!c) return refuse('no_free_compartment', 'refused');
  await succeed();
  const offer = incentive({ orderId: q.oid, item: q.item, reason: q.reason });
  await tx.run(
    `INSERT INTO locker_returns (id, order_id, item, reason, compartment_id, status, incentive, incentive_shown, created_at)
     VALUES (?, ?, ?, ?, ?, 'dropping', ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET compartment_id = excluded.compartment_id, status = 'dropping', incentive = excluded.incentive,
       incentive_shown = excluded.incentive_shown, created_at = excluded.created_at`,
    [q.rid, q.oid, q.item, q.reason, c.id, offer, offer ? 1 : 0, now],
  );
  await tx.run("UPDATE locker_compartments SET state = 'returning', return_id = ? WHERE id = ?", [q.rid, c.id]);
  await openDoor(ctx, tx, fx, c, 'return', q.rid, 'return-qr');
  fx.send(controllerId, { type: 'keypad', result: 'ok', compartment: c.id });
  if (offer) {
    fx.send(controllerId, { type: 'display', message: offer });
    ctx.log.info({ returnId: q.rid, reason: q.reason, incentiveShown: true }, 'return incentive shown');
  }
}
