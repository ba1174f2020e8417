import type { MirrorCommand, TagFusion } from '../../../devices/smart-mirror/messages.ts';
import type { Db } from '../../store/db.ts';
import type { Ctx, Effects } from './context.ts';
import type { TagsRead } from './events.ts';
import { answerFor } from './answer.ts';
import { ensureSession, recordTagItem, type SessionRow } from './sessions.ts';
import { findProduct } from './suggest.ts';
import type { TagInRoom } from './tag-state.ts';

/**
 * RFID in the fitting room: a tag read there puts that exact item and size on the room's mirror; the camera's answer,
 * when there is one, is compared with it (same kind of item → high confidence; else the tag wins and the disagreement
 * is counted). A tag that goes unread for `fitting.rfid.tagTimeoutSeconds`, or that another room's reader reads once
 * its own room has not read it for `moveAfterSeconds`, has left: its item ends. Repeat reads, from any antenna, only keep a tag alive.
 */

const MIRRORS_CACHE_MS = 5000;

/** The zone's mirrors: `fitting.mirrors` first, then the mirrors registered in that zone. */
async function mirrorsIn(ctx: Ctx, zone: string): Promise<string[]> {
  const hit = ctx.tags.mirrors.get(zone);
  if (hit && ctx.now() - hit.at < MIRRORS_CACHE_MS) return hit.ids;
  const configured = new Map(ctx.cfg.mirrors.map((m) => [m.id, m.zone]));
  const registered = (await ctx.deps.registry.list({ kind: 'mirror' })).filter((d) => d.enabled && !configured.has(d.id) && d.zone === zone).map((d) => d.id);
  const ids = [...ctx.cfg.mirrors.filter((m) => m.zone === zone).map((m) => m.id), ...registered].sort();
  ctx.tags.mirrors.set(zone, { ids, at: ctx.now() });
  return ids;
}

/** The camera's last confident answer on this mirror, if recent enough to compare with a tag. */
function cameraVerdict(ctx: Ctx, mirrorId: string, category: string): { camera: TagInRoom['camera']; cameraLabel: string | null } {
  const last = ctx.tags.lastCamera.get(mirrorId);
  if (!last || ctx.now() - last.at > ctx.cfg.rfid.fusionWindowSeconds * 1000) return { camera: 'none', cameraLabel: null };
  return { camera: last.label === category ? 'agreed' : 'disagreed', cameraLabel: last.label };
}

const fusionOf = (t: TagInRoom, cameraLabel: string | null): TagFusion => ({
  camera: t.camera,
  confidence: t.camera === 'agreed' ? 'high' : 'tag',
  ...(cameraLabel ? { cameraLabel } : {}),
});

/** What the mirror shows for a tagged item: the product, its exact size and tag, suggestions as for a camera item. */
async function tagAnswer(ctx: Ctx, tx: Db, sessionId: string, t: TagInRoom, cameraLabel: string | null): Promise<MirrorCommand> {
  const a = await answerFor(ctx, tx, sessionId, t.sku, t.category, 1, 'tag');
  return a.type === 'recognised' ? { ...a, size: t.size, tag: { epc: t.epc, gtin: t.gtin, serial: t.serial }, fusion: fusionOf(t, cameraLabel) } : a;
}

function countCamera(ctx: Ctx, t: TagInRoom, camera: TagInRoom['camera']) {
  if (camera === 'none' || camera === t.camera) return false;
  t.camera = camera;
  ctx.metrics.tagCamera.inc({ outcome: camera });
  return true;
}

/** One reader message's good reads (and the count of its bad ones). */
export async function onTagsRead(ctx: Ctx, e: TagsRead) {
  for (const r of e.rejected) ctx.metrics.tagRejected.inc({ reason: r.reason });
  const zone = ctx.cfg.rfid.readers.find((x) => x.id === e.readerId)?.zone ?? e.zone;
  const mirrorId = zone ? (await mirrorsIn(ctx, zone))[0] : undefined;
  const now = ctx.now();
  const fresh: TagInRoom[] = [];
  const moved: TagInRoom[] = [];
  // state changes here, synchronously: two messages with the same new tag must not both start it
  for (const r of e.reads) {
    if (ctx.cfg.rfid.minRssi !== null && r.rssi !== null && r.rssi < ctx.cfg.rfid.minRssi) {
      ctx.metrics.tagReads.inc({ outcome: 'weak' });
      continue;
    }
    if (!zone || !mirrorId) {
      ctx.metrics.tagReads.inc({ outcome: 'no_mirror' });
      continue;
    }
    const known = ctx.tags.byEpc.get(r.epc);
    if (known && known.zone === zone) {
      known.lastSeen = Math.max(known.lastSeen, now);
      ctx.metrics.tagReads.inc({ outcome: 'repeat' });
      continue;
    }
    const behind = ctx.tags.leftBehind.get(r.epc);
    if (behind && behind.zone === zone && !known) {
      behind.at = now;
      ctx.metrics.tagReads.inc({ outcome: 'left_behind' });
      continue;
    }
    // still read in its own room just now: a stray read through the wall, not the item moving
    if (known && now - known.lastSeen < ctx.cfg.rfid.moveAfterSeconds * 1000) {
      ctx.metrics.tagReads.inc({ outcome: 'stray' });
      continue;
    }
    const p = findProduct(ctx.catalog, r.sku);
    if (!p) continue; // removed from the catalog since the channel looked it up
    if (known) {
      ctx.tags.byEpc.delete(r.epc);
      moved.push(known);
    }
    const t: TagInRoom = { ...r, category: p.category, mirrorId, zone, readerId: e.readerId, sessionId: null, firstSeen: now, lastSeen: now, camera: 'none' };
    ctx.tags.byEpc.set(r.epc, t);
    ctx.metrics.tagReads.inc({ outcome: known ? 'moved' : 'new' });
    fresh.push(t);
  }
  if (!fresh.length && !moved.length) return;
  await ctx.work(async (tx, fx) => {
    for (const t of moved) await endItem(ctx, tx, fx, t, 'moved');
    for (const t of fresh) {
      const s = await ensureSession(ctx, tx, fx, t.mirrorId);
      t.sessionId = s.id;
      const { camera, cameraLabel } = cameraVerdict(ctx, t.mirrorId, t.category);
      countCamera(ctx, t, camera);
      await recordTagItem(tx, s.id, { sku: t.sku, category: t.category, size: t.size, epc: t.epc, camera: t.camera }, now);
      fx.emit('fitting.item.tagged', t.mirrorId, {
        sessionId: s.id,
        mirrorId: t.mirrorId,
        zone: t.zone,
        readerId: t.readerId,
        sku: t.sku,
        size: t.size,
        gtin: t.gtin,
        serial: t.serial,
        epc: t.epc,
        camera: t.camera,
        cameraLabel,
      });
      fx.send(t.mirrorId, await tagAnswer(ctx, tx, s.id, t, cameraLabel));
    }
  });
}

/**
 * A confident camera answer on a mirror whose room has tagged items: the tag of the same kind wins with high confidence,
 * else the newest tag wins and the disagreement is counted (once per item). Null when the room has no tag: the camera's
 * own answer stands. An unsure camera (no `label`) shows the newest tag without a verdict.
 */
export async function fuseWithCamera(ctx: Ctx, tx: Db, fx: Effects, s: SessionRow, mirrorId: string, label: string | null): Promise<MirrorCommand | null> {
  if (label) ctx.tags.lastCamera.set(mirrorId, { label, at: ctx.now() });
  const inRoom = [...ctx.tags.byEpc.values()].filter((t) => t.mirrorId === mirrorId).sort((a, b) => b.firstSeen - a.firstSeen || (a.epc < b.epc ? -1 : 1));
  const newest = inRoom[0];
  if (!newest) return null;
  if (!label) return tagAnswer(ctx, tx, s.id, newest, null);
  const same = inRoom.find((t) => t.category === label);
  const t = same ?? newest;
  if (countCamera(ctx, t, same ? 'agreed' : 'disagreed')) {
    await tx.run('UPDATE fitting_items SET camera = ? WHERE session_id = ? AND sku = ?', [t.camera, s.id, t.sku]);
    fx.emit('fitting.item.fused', mirrorId, {
      sessionId: s.id,
      mirrorId,
      sku: t.sku,
      size: t.size,
      epc: t.epc,
      camera: same ? 'agreed' : 'disagreed',
      cameraLabel: label,
    });
  }
  return tagAnswer(ctx, tx, s.id, { ...t, camera: same ? 'agreed' : 'disagreed' }, label);
}

async function endItem(ctx: Ctx, tx: Db, fx: Effects, t: TagInRoom, reason: 'not_read' | 'moved') {
  ctx.metrics.tagItemsEnded.inc({ reason });
  if (!t.sessionId) return;
  await tx.run('UPDATE fitting_items SET ended_at = ?, ended_reason = ? WHERE session_id = ? AND sku = ? AND epc = ?', [
    ctx.now(),
    reason,
    t.sessionId,
    t.sku,
    t.epc,
  ]);
  fx.emit('fitting.item.ended', t.mirrorId, { sessionId: t.sessionId, mirrorId: t.mirrorId, zone: t.zone, sku: t.sku, size: t.size, epc: t.epc, reason });
  fx.send(t.mirrorId, { type: 'item_ended', sessionId: t.sessionId, sku: t.sku, size: t.size, epc: t.epc, reason });
}

/** Tags not read for the timeout have left their room: their items end (and forgotten left-behind tags are dropped). */
export async function sweepTags(ctx: Ctx) {
  const cutoff = ctx.now() - ctx.cfg.rfid.tagTimeoutSeconds * 1000;
  for (const [epc, b] of ctx.tags.leftBehind) if (b.at < cutoff) ctx.tags.leftBehind.delete(epc);
  const gone = [...ctx.tags.byEpc.values()].filter((t) => t.lastSeen < cutoff);
  if (!gone.length) return;
  for (const t of gone) ctx.tags.byEpc.delete(t.epc);
  await ctx.work(async (tx, fx) => {
    for (const t of gone) await endItem(ctx, tx, fx, t, 'not_read');
  });
}

/** The mirror's session closed (the shopper left): its tags are left behind in the room, not re-opened by their reads. */
export function leaveTagsBehind(ctx: Ctx, mirrorId: string) {
  for (const t of [...ctx.tags.byEpc.values()])
    if (t.mirrorId === mirrorId) {
      ctx.tags.byEpc.delete(t.epc);
      ctx.tags.leftBehind.set(t.epc, { at: t.lastSeen, zone: t.zone });
    }
  ctx.tags.lastCamera.delete(mirrorId);
}
