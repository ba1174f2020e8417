import type { InteractionMessage, MirrorCommand, RecognitionModelRef } from '../../../devices/smart-mirror/messages.ts';
import type { Db } from '../../store/db.ts';
import type { Ctx, Effects } from './context.ts';
import { answerFor } from './answer.ts';
import { closeSession, ensureSession, openSession, recordTaken, type SizeRequestRow, setRequestStatus } from './sessions.ts';
import { orderOnline } from './suggest.ts';
import { fuseWithCamera } from './tags.ts';

/**
 * A frame from a mirror (MQTT or HTTP): recognised → the item and suggestions; unsure → ask the shopper to
 * pick; bad image → a clear error. The bytes live only for this call. The answer also goes to the mirror's cmd topic.
 */
export async function onFrame(ctx: Ctx, mirrorId: string, bytes: Buffer): Promise<MirrorCommand> {
  const fail = (reason: string, message: string): MirrorCommand => {
    ctx.metrics.frames.inc({ outcome: 'error' });
    const cmd: MirrorCommand = { type: 'error', reason, message };
    ctx.sendNow(mirrorId, cmd);
    return cmd;
  };
  const rec = ctx.deps.recognition;
  if (!rec.isReady()) return fail('recognition_unavailable', 'product recognition is not running');
  let r: Awaited<ReturnType<typeof rec.recognise>>;
  try {
    r = await rec.recognise(bytes, { embedding: true });
  } catch (err) {
    if (isImageError(err)) return fail(err.reason, err.message);
    return fail('recognition_failed', (err as Error).message);
  }
  const result = r;
  const model: RecognitionModelRef = { id: r.modelId, sha256: r.modelSha256, version: r.modelVersion };
  return ctx.work(async (tx, fx) => {
    const s = await ensureSession(ctx, tx, fx, mirrorId);
    // the room's RFID reader knows better than the camera which item it is: a tag in the room wins
    const fused = await fuseWithCamera(ctx, tx, fx, s, mirrorId, result.unsure ? null : result.label);
    if (fused) {
      ctx.metrics.frames.inc({ outcome: 'tagged' });
      fx.send(mirrorId, fused);
      return fused;
    }
    let cmd: MirrorCommand;
    if (result.unsure || !result.products.length) {
      ctx.metrics.frames.inc({ outcome: 'unsure' });
      const options = result.top.map((t) => ({
        label: t.label,
        confidence: t.confidence,
        products: ctx.catalog.products.filter((p) => p.category === t.label).map((p) => ({ sku: p.sku, name: p.name })),
      }));
      cmd = { type: 'ask_pick', sessionId: s.id, confidence: result.confidence, model, options };
    } else {
      ctx.metrics.frames.inc({ outcome: 'recognised' });
      cmd = await answerFor(ctx, tx, s.id, result.products[0]!.sku, result.label, result.confidence, 'model', result.embedding, model);
    }
    fx.send(mirrorId, cmd);
    return cmd;
  });
}

export const onPresence = (ctx: Ctx, mirrorId: string, present: boolean) =>
  ctx.work(async (tx, fx) => {
    if (present) await ensureSession(ctx, tx, fx, mirrorId);
    else await closeSession(ctx, tx, fx, mirrorId);
  });

export const onInteraction = (ctx: Ctx, mirrorId: string, m: InteractionMessage) => ctx.work((tx, fx) => interaction(ctx, tx, fx, mirrorId, m));

async function interaction(ctx: Ctx, tx: Db, fx: Effects, mirrorId: string, m: InteractionMessage) {
  if (m.type === 'cancel') return cancelRequest(ctx, tx, fx, mirrorId, m.requestId);
  const p = m.productId ? ctx.catalog.products.find((x) => x.sku === m.productId) : undefined;
  if (!p) return fx.send(mirrorId, { type: 'error', reason: 'unknown_product', message: `product ${m.productId ?? '(none)'} is not in the catalog` });
  const s = await ensureSession(ctx, tx, fx, mirrorId);
  const now = ctx.now();
  if (m.type === 'pick') return fx.send(mirrorId, await answerFor(ctx, tx, s.id, p.sku, p.category, 1, 'pick'));
  if (m.type === 'tap') {
    await recordTaken(tx, s.id, p.sku, now);
    return fx.send(mirrorId, await answerFor(ctx, tx, s.id, p.sku, p.category, 1, 'pick'));
  }
  const size = m.size;
  if (!size || !p.sizes.some((x) => x.size === size))
    return fx.send(mirrorId, { type: 'error', reason: 'unknown_size', message: `${p.name} has no size ${size ?? '(none)'}` });

  if (m.type === 'size_request') {
    const offer = orderOnline(p, size, ctx.cfg.lockerPickup);
    if (offer) return fx.send(mirrorId, { type: 'order_online', sessionId: s.id, offer });
    const r: SizeRequestRow = {
      id: ctx.newId(),
      session_id: s.id,
      mirror_id: mirrorId,
      zone: s.zone,
      sku: p.sku,
      size,
      status: 'open',
      created_at: now,
      updated_at: now,
    };
    await tx.run(
      'INSERT INTO fitting_size_requests (id, session_id, mirror_id, zone, sku, size, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [r.id, r.session_id, r.mirror_id, r.zone, r.sku, r.size, r.status, r.created_at, r.updated_at],
    );
    ctx.metrics.sizeRequests.inc({ status: 'open' });
    fx.emit('fitting.size_request.updated', mirrorId, { id: r.id, mirrorId, zone: r.zone, sku: r.sku, size, status: 'open' });
    return fx.send(mirrorId, { type: 'size_request', id: r.id, status: 'open', productId: p.sku, size });
  }

  // order online
  const delivery = m.delivery ?? 'home';
  if (delivery === 'locker' && !ctx.cfg.lockerPickup)
    return fx.send(mirrorId, { type: 'error', reason: 'no_locker_pickup', message: 'locker pickup is not offered here' });
  const id = ctx.newId();
  await tx.run('INSERT INTO fitting_orders (id, session_id, mirror_id, sku, size, delivery, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    id,
    s.id,
    mirrorId,
    p.sku,
    size,
    delivery,
    now,
  ]);
  ctx.metrics.orders.inc({ delivery });
  fx.emit('order.intent.created', mirrorId, {
    orderIntentId: id,
    sessionId: s.id,
    shopperId: s.shopper_id,
    mirrorId,
    sku: p.sku,
    size,
    delivery,
    pickupStoreId: delivery === 'locker' ? ctx.deps.storeId : null,
    ...(m.contact ? { contact: { channel: m.contact.channel, address: m.contact.address } } : {}),
  });
  return fx.send(mirrorId, { type: 'order', id, status: 'created', productId: p.sku, size, delivery });
}

/** The shopper takes back a size request of this room's open session (one staff have not answered yet). */
async function cancelRequest(ctx: Ctx, tx: Db, fx: Effects, mirrorId: string, requestId: string | undefined) {
  const s = await openSession(tx, mirrorId);
  const r =
    s && requestId
      ? await tx.get<SizeRequestRow>('SELECT * FROM fitting_size_requests WHERE id = ? AND session_id = ? AND mirror_id = ?', [requestId, s.id, mirrorId])
      : undefined;
  if (!r) return fx.send(mirrorId, { type: 'error', reason: 'unknown_request', message: `no size request ${requestId ?? '(none)'} in this fitting room` });
  if (r.status !== 'open' && r.status !== 'claimed')
    return fx.send(mirrorId, { type: 'error', reason: 'request_answered', message: `size request ${r.id} is ${r.status}` });
  await setRequestStatus(ctx, tx, fx, r, 'cancelled', 'shopper');
  return { type: 'size_request', id: r.id, status: 'cancelled', productId: r.sku, size: r.size } as MirrorCommand;
}

/** A shopper's app beacon in a fitting-room zone: remembered, and linked to that zone's open unlinked sessions. */
export async function onShopperInZone(ctx: Ctx, shopperId: string, zone: string) {
  ctx.shoppersInZone.set(zone, shopperId);
  const sessionId = ctx.shopperSessions.get(shopperId) ?? null;
  await ctx.work((tx) =>
    tx.run('UPDATE fitting_room_sessions SET shopper_id = ?, shopper_session_id = ? WHERE zone = ? AND ended_at IS NULL AND shopper_id IS NULL', [
      shopperId,
      sessionId,
      zone,
    ]),
  );
}

export { openSession };

/** Recognition's coded image errors (SG_IMAGE_*) carry a `reason`; matched by shape, services do not import each other. */
function isImageError(err: unknown): err is Error & { code: string; reason: string } {
  return err instanceof Error && typeof (err as { reason?: unknown }).reason === 'string' && typeof (err as { code?: unknown }).code === 'string';
}
