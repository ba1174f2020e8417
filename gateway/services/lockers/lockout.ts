import type { KeypadMessage } from '../../../devices/locker/messages.ts';
import type { Db } from '../../store/db.ts';
import { alertKey, raiseAlert, resolveAlert } from './alerts.ts';
import type { Ctx, Effects } from './context.ts';

interface SourceRow {
  source_key: string;
  controller_id: string;
  failures: number;
  lockouts: number;
  locked_until: number;
  last_lockout_at: number;
}

/**
 * Who a code attempt comes from: a keypad session or a shopper app install on one controller. A controller that
 * sends no session (older firmware) is one source, so its keypad locks as a whole, as before.
 */
export function codeSource(controllerId: string, msg: KeypadMessage) {
  const via = msg.via ?? 'keypad';
  return { key: `${controllerId}|${via}|${msg.session ?? '*'}`, whole: msg.session === undefined, via };
}

export type CodeSource = ReturnType<typeof codeSource>;

const load = async (tx: Db, controllerId: string, s: CodeSource): Promise<SourceRow> =>
  (await tx.get<SourceRow>('SELECT * FROM locker_code_sources WHERE source_key = ?', [s.key])) ?? {
    source_key: s.key,
    controller_id: controllerId,
    failures: 0,
    lockouts: 0,
    locked_until: 0,
    last_lockout_at: 0,
  };

const save = (tx: Db, r: SourceRow, now: number) =>
  tx.run(
    `INSERT INTO locker_code_sources (source_key, controller_id, failures, lockouts, locked_until, last_lockout_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (source_key) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts, locked_until = excluded.locked_until,
       last_lockout_at = excluded.last_lockout_at, updated_at = excluded.updated_at`,
    [r.source_key, r.controller_id, r.failures, r.lockouts, r.locked_until, r.last_lockout_at, now],
  );

/** Seconds this source is still locked for (0: not locked). */
export async function lockedFor(ctx: Ctx, tx: Db, controllerId: string, s: CodeSource): Promise<number> {
  const r = await load(tx, controllerId, s);
  return r.locked_until > ctx.now() ? Math.ceil((r.locked_until - ctx.now()) / 1000) : 0;
}

/**
 * A wrong entry from one source: after `maxFailures` that source (only) is locked for lockoutSeconds × growth^(n-1),
 * capped. Every wrong entry also counts for the bank: `sprayFailures` of them within `sprayWindowMinutes`, from
 * however many sources, is someone trying codes across sessions: one critical alert and `locker.keypad.spray`,
 * and nobody is locked out by it. Returns the lockout length when this entry locked the source.
 */
export async function codeFailed(ctx: Ctx, tx: Db, fx: Effects, controllerId: string, s: CodeSource): Promise<number | null> {
  const now = ctx.now();
  const kc = ctx.cfg.keypad;
  await tx.run('INSERT INTO locker_code_failures (controller_id, at) VALUES (?, ?)', [controllerId, now]);
  const since = now - kc.sprayWindowMinutes * 60_000;
  const recent =
    (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM locker_code_failures WHERE controller_id = ? AND at > ?', [controllerId, since]))?.n ?? 0;
  if (recent >= kc.sprayFailures) {
    const message = `${recent} wrong codes on ${controllerId} within ${kc.sprayWindowMinutes} min: someone may be trying codes`;
    if (await raiseAlert(tx, fx, controllerId, { key: alertKey.spray(controllerId), severity: 'critical', message, deviceId: controllerId }, now)) {
      fx.emit('locker.keypad.spray', controllerId, { controllerId, failures: recent, windowMinutes: kc.sprayWindowMinutes });
      fx.after(() => ctx.metrics.sprays.inc());
    }
  }
  const r = await load(tx, controllerId, s);
  r.failures += 1;
  if (r.failures < kc.maxFailures) {
    await save(tx, r, now);
    return null;
  }
  const forgotten = now - r.last_lockout_at > kc.forgetAfterHours * 3600_000;
  r.lockouts = (forgotten ? 0 : r.lockouts) + 1;
  const seconds = Math.min(kc.maxLockoutSeconds, kc.lockoutSeconds * kc.growth ** (r.lockouts - 1));
  Object.assign(r, { failures: 0, locked_until: now + seconds * 1000, last_lockout_at: now });
  await save(tx, r, now);
  fx.emit('locker.keypad.locked', controllerId, { controllerId, lockedForSeconds: seconds, lockouts: r.lockouts, source: s.whole ? 'keypad' : s.via });
  fx.after(() => ctx.metrics.lockouts.inc());
  // a keypad without sessions is locked for everybody: staff must know; one session locked out is routine
  if (s.whole)
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
  return seconds;
}

export async function codeSucceeded(ctx: Ctx, tx: Db, fx: Effects, controllerId: string, s: CodeSource) {
  const r = await load(tx, controllerId, s);
  if (r.failures) await save(tx, { ...r, failures: 0 }, ctx.now());
  if (s.whole) await resolveAlert(tx, fx, controllerId, alertKey.lockout(controllerId));
}

/** Minute sweep: forget old failures and sources; the spray alarm resolves once the window holds fewer than the threshold. */
export async function sweepCodeFailures(ctx: Ctx, tx: Db, fx: Effects) {
  const kc = ctx.cfg.keypad;
  const since = ctx.now() - kc.sprayWindowMinutes * 60_000;
  await tx.run('DELETE FROM locker_code_failures WHERE at <= ?', [since]);
  await tx.run('DELETE FROM locker_code_sources WHERE locked_until < ? AND updated_at < ?', [ctx.now(), ctx.now() - kc.forgetAfterHours * 3600_000]);
  for (const id of ctx.controllers) {
    const n = (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM locker_code_failures WHERE controller_id = ?', [id]))?.n ?? 0;
    if (n < kc.sprayFailures) await resolveAlert(tx, fx, id, alertKey.spray(id));
  }
}
