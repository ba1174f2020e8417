import type { RecognitionModelRef, SizeRequestStatus } from '../../../devices/smart-mirror/messages.ts';
import type { Db } from '../../store/db.ts';
import type { Ctx, Effects } from './context.ts';
import type { FittingSessionClosed } from './events.ts';
import { type CoOccurrence, learnCoOccurrence } from './suggest.ts';

export interface SessionRow {
  id: string;
  mirror_id: string;
  zone: string | null;
  shopper_id: string | null;
  shopper_session_id: string | null;
  started_at: number;
  ended_at: number | null;
}
export interface SizeRequestRow {
  id: string;
  session_id: string | null;
  mirror_id: string;
  zone: string | null;
  sku: string;
  size: string;
  status: SizeRequestStatus;
  created_at: number;
  updated_at: number;
  alerted?: number;
  claimed_by?: string | null;
  answered_by?: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The mirror's fitting-room zone: `fitting.mirrors` first, else the zone it was registered with. */
export async function mirrorZone(ctx: Ctx, mirrorId: string): Promise<string | null> {
  return ctx.cfg.mirrors.find((m) => m.id === mirrorId)?.zone ?? (await ctx.deps.registry.get(mirrorId))?.zone ?? null;
}

export const openSession = (tx: Db, mirrorId: string) =>
  tx.get<SessionRow>('SELECT * FROM fitting_room_sessions WHERE mirror_id = ? AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1', [mirrorId]);

/** The mirror's open session, opened now if there is none (a frame before any presence message opens one too). */
export async function ensureSession(ctx: Ctx, tx: Db, fx: Effects, mirrorId: string): Promise<SessionRow> {
  const open = await openSession(tx, mirrorId);
  if (open) return open;
  const zone = await mirrorZone(ctx, mirrorId);
  const shopper = zone ? (ctx.shoppersInZone.get(zone) ?? null) : null;
  const row: SessionRow = {
    id: ctx.newId(),
    mirror_id: mirrorId,
    zone,
    shopper_id: shopper,
    shopper_session_id: shopper ? (ctx.shopperSessions.get(shopper) ?? null) : null,
    started_at: ctx.now(),
    ended_at: null,
  };
  await tx.run('INSERT INTO fitting_room_sessions (id, mirror_id, zone, shopper_id, shopper_session_id, started_at) VALUES (?, ?, ?, ?, ?, ?)', [
    row.id,
    row.mirror_id,
    row.zone,
    row.shopper_id,
    row.shopper_session_id,
    row.started_at,
  ]);
  fx.emit('fitting.session.opened', mirrorId, {
    sessionId: row.id,
    mirrorId,
    zone,
    shopperId: row.shopper_id,
    shopperSessionId: row.shopper_session_id,
    startedAt: iso(row.started_at),
  });
  fx.send(mirrorId, { type: 'session', sessionId: row.id, status: 'open' });
  return row;
}

/** Ends the mirror's open session: one `fitting.session.closed` with everything in it, enqueued with the UPDATE. */
export async function closeSession(ctx: Ctx, tx: Db, fx: Effects, mirrorId: string): Promise<FittingSessionClosed | null> {
  const s = await openSession(tx, mirrorId);
  if (!s) return null;
  const endedAt = ctx.now();
  await tx.run('UPDATE fitting_room_sessions SET ended_at = ? WHERE id = ?', [endedAt, s.id]);
  // requests nobody has brought yet are moot once the shopper left
  const pending = await tx.all<SizeRequestRow>("SELECT * FROM fitting_size_requests WHERE session_id = ? AND status IN ('open', 'claimed')", [s.id]);
  for (const r of pending) await setRequestStatus(ctx, tx, fx, r, 'cancelled', 'gateway');
  const data = await summary(tx, { ...s, ended_at: endedAt });
  fx.emit('fitting.session.closed', mirrorId, data);
  fx.send(mirrorId, { type: 'session', sessionId: s.id, status: 'closed' });
  return data;
}

export async function summary(db: Db, s: SessionRow): Promise<FittingSessionClosed> {
  const rows = await db.all<{
    sku: string;
    category: string;
    via: string;
    modelId: string | null;
    modelSha256: string | null;
    size: string | null;
    epc: string | null;
    camera: 'agreed' | 'disagreed' | 'none' | null;
    endedReason: string | null;
  }>(
    `SELECT sku, category, via, model_id AS modelId, model_sha256 AS modelSha256, size, epc, camera, ended_reason AS endedReason
     FROM fitting_items WHERE session_id = ? ORDER BY at, sku`,
    [s.id],
  );
  // tag fields only on tagged items: camera and pick items keep the shape the cloud already reads
  const items = rows.map(({ size, epc, camera, endedReason, ...i }) =>
    i.via === 'tag' ? { ...i, size, epc: epc ?? '', camera: camera ?? 'none', endedReason } : i,
  );
  const fusion = { agreed: rows.filter((r) => r.camera === 'agreed').length, disagreed: rows.filter((r) => r.camera === 'disagreed').length };
  const sugg = await db.all<{ sku: string; taken_at: number | null }>('SELECT sku, taken_at FROM fitting_suggestions WHERE session_id = ? ORDER BY sku', [
    s.id,
  ]);
  const reqs = await db.all<SizeRequestRow>('SELECT * FROM fitting_size_requests WHERE session_id = ? ORDER BY created_at, id', [s.id]);
  const orders = await db.all<{ id: string; sku: string; size: string; delivery: string }>(
    'SELECT id, sku, size, delivery FROM fitting_orders WHERE session_id = ? ORDER BY created_at, id',
    [s.id],
  );
  return {
    sessionId: s.id,
    mirrorId: s.mirror_id,
    zone: s.zone,
    shopperId: s.shopper_id,
    shopperSessionId: s.shopper_session_id ?? null,
    startedAt: iso(s.started_at),
    endedAt: iso(s.ended_at ?? s.started_at),
    items,
    fusion,
    suggestionsShown: sugg.length,
    suggestionsTaken: sugg.filter((x) => x.taken_at !== null).map((x) => x.sku),
    sizeRequests: reqs.map((r) => ({ id: r.id, sku: r.sku, size: r.size, status: r.status })),
    orders,
  };
}

/** `model`: the model that recognised it (null for a pick), kept so the cloud can compare models by what they did */
export const recordItem = (tx: Db, sessionId: string, sku: string, category: string, via: 'model' | 'pick', at: number, model?: RecognitionModelRef) =>
  tx.run('INSERT INTO fitting_items (session_id, sku, category, via, at, model_id, model_sha256) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
    sessionId,
    sku,
    category,
    via,
    at,
    model?.id ?? null,
    model?.sha256 ?? null,
  ]);

/** One statement for all of them: a pick's transaction is a handful of round trips, not one per suggestion. */
export async function recordShown(tx: Db, sessionId: string, shown: Array<{ sku: string; kind: string }>, at: number) {
  if (!shown.length) return;
  await tx.run(
    `INSERT INTO fitting_suggestions (session_id, sku, kind, shown_at) VALUES ${shown.map(() => '(?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
    shown.flatMap((s) => [sessionId, s.sku, s.kind, at]),
  );
}

export const recordTaken = (tx: Db, sessionId: string, sku: string, at: number) =>
  tx.run('UPDATE fitting_suggestions SET taken_at = COALESCE(taken_at, ?) WHERE session_id = ? AND sku = ?', [at, sessionId, sku]);

/**
 * An item the room's reader read: its exact size and tag. A tag is stronger evidence than the camera or a pick, so it
 * takes over a row the camera wrote for the same product (one row per product and session: a second size of the same
 * product read later replaces the first's size).
 */
export const recordTagItem = (tx: Db, sessionId: string, t: { sku: string; category: string; size: string | null; epc: string; camera: string }, at: number) =>
  tx.run(
    `INSERT INTO fitting_items (session_id, sku, category, via, at, size, epc, camera) VALUES (?, ?, ?, 'tag', ?, ?, ?, ?)
     ON CONFLICT (session_id, sku) DO UPDATE SET via = 'tag', size = excluded.size, epc = excluded.epc, camera = excluded.camera,
       model_id = NULL, model_sha256 = NULL, ended_at = NULL, ended_reason = NULL`,
    [sessionId, t.sku, t.category, at, t.size, t.epc, t.camera],
  );

/** Items tried together with `sku` in other sessions of this store: the learned half of "goes with". */
export async function coOccurrenceFor(db: Db, sku: string, excludeSession?: string): Promise<CoOccurrence> {
  const rows = await db.all<{ session_id: string; sku: string }>(
    `SELECT b.session_id, b.sku FROM fitting_items a JOIN fitting_items b ON b.session_id = a.session_id
     WHERE a.sku = ? AND a.session_id <> ? ORDER BY b.session_id`,
    [sku, excludeSession ?? ''],
  );
  const bySession = new Map<string, string[]>();
  for (const r of rows) bySession.set(r.session_id, [...(bySession.get(r.session_id) ?? []), r.sku]);
  return learnCoOccurrence(bySession.values());
}

/** `by` is who did it (see SizeRequestUpdated.by): recorded as the claimer or the answerer */
export async function setRequestStatus(ctx: Ctx, tx: Db, fx: Effects, r: SizeRequestRow, status: SizeRequestStatus, by: string) {
  const column = status === 'claimed' ? 'claimed_by' : 'answered_by';
  await tx.run(`UPDATE fitting_size_requests SET status = ?, updated_at = ?, ${column} = ? WHERE id = ?`, [status, ctx.now(), by, r.id]);
  ctx.metrics.sizeRequests.inc({ status });
  fx.emit('fitting.size_request.updated', r.mirror_id, { id: r.id, mirrorId: r.mirror_id, zone: r.zone, sku: r.sku, size: r.size, status, by });
  fx.send(r.mirror_id, { type: 'size_request', id: r.id, status, productId: r.sku, size: r.size });
  if (r.alerted) fx.emit('alert.resolved', r.mirror_id, lateAlert(r, 0));
}

export const lateAlert = (r: SizeRequestRow, seconds: number) => ({
  key: `fitting:size-request:${r.id}:late`,
  severity: 'warning' as const,
  message: `size request ${r.sku} ${r.size} at ${r.zone ?? r.mirror_id} waiting for more than ${Math.round(seconds)} s`,
  deviceId: r.mirror_id,
});

/** Open size requests older than the limit raise one alert each (resolved when claimed, done or cancelled). */
export async function alertLateRequests(ctx: Ctx, tx: Db, fx: Effects) {
  const limit = ctx.cfg.sizeRequestAlertSeconds;
  const late = await tx.all<SizeRequestRow>("SELECT * FROM fitting_size_requests WHERE status = 'open' AND alerted = 0 AND created_at <= ?", [
    ctx.now() - limit * 1000,
  ]);
  for (const r of late) {
    await tx.run('UPDATE fitting_size_requests SET alerted = 1 WHERE id = ?', [r.id]);
    fx.emit('alert.raised', r.mirror_id, lateAlert(r, limit));
  }
  return late.length;
}
