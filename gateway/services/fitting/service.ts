import { InteractionMessage, PresenceMessage } from '../../../devices/smart-mirror/messages.ts';
import { MIRROR_CHANNELS, MIRROR_KIND } from '../../../devices/smart-mirror/topics.ts';
import type { ChannelHandler } from '../../ingest/ingest.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import { type Catalog, loadCatalogSync } from '../../catalog.ts';
import type { FittingConfig } from './config.ts';
import { type Ctx, createContext } from './context.ts';
import { fittingHttp } from './http.ts';
import { fittingMigrations } from './migrations.ts';
import { onFrame, onInteraction, onPresence, onShopperInZone } from './mirror.ts';
import { alertLateRequests } from './sessions.ts';
import { OUTFIT_RULES } from './suggest.ts';

/**
 * Fitting rooms: smart mirrors send frames, presence and interactions; the gateway answers with the
 * recognised item and suggestions, runs the size-request queue for staff, and records one session per mirror
 * occupancy (sent to the cloud when it ends). Frames stay in memory for one recognition call, nothing else.
 */
export function createFittingService(deps: ServiceDeps, cfg: FittingConfig): GatewayService {
  if (!cfg.enabled) return { name: 'fitting', start: async () => {}, stop: async () => {} };
  // a bad catalog stops the gateway at start with the file, line/product and field in the message
  let catalog: Catalog;
  try {
    catalog = loadCatalogSync(cfg.catalogPath, Object.keys(OUTFIT_RULES));
  } catch (err) {
    throw new Error(`fitting.catalogPath: ${(err as Error).message}`);
  }
  const ctx = createContext(deps, cfg, catalog);
  const timers: Array<{ cancel(): void }> = [];
  const run = (what: string, mirrorId: string, p: Promise<unknown>) =>
    void p.catch((err) => ctx.log.error({ err: (err as Error).message, mirrorId, what }, 'fitting handler failed'));
  const source = (id: string) => `storegate/${deps.storeId}/${MIRROR_KIND}/${id}`;

  const channels: ChannelHandler[] = [
    {
      kind: MIRROR_KIND,
      channel: MIRROR_CHANNELS.frame,
      binary: true,
      // frames are never written to device_events, and the event below carries the size only
      persist: false,
      maxBytes: cfg.maxFrameBytes,
      toEvents(body, ictx) {
        const bytes = frameBytes(body as Buffer);
        if (!bytes) return { reject: 'bad_frame_json', detail: 'JSON frames need {"image": "<base64 JPEG/PNG/WebP>"}' };
        run('frame', ictx.device.id, onFrame(ctx, ictx.device.id, bytes));
        return { events: [deps.bus.make('fitting.frame.received', source(ictx.device.id), { mirrorId: ictx.device.id, bytes: bytes.length })] };
      },
    },
    {
      kind: MIRROR_KIND,
      channel: MIRROR_CHANNELS.presence,
      schema: PresenceMessage,
      toEvents(body, ictx) {
        const m = body as PresenceMessage;
        run('presence', ictx.device.id, onPresence(ctx, ictx.device.id, m.present));
        const e = deps.bus.make('device.message', ictx.source, { deviceId: ictx.device.id, kind: MIRROR_KIND, channel: 'presence', body: m });
        return { events: [{ ...e, id: ictx.eventId(body) ?? e.id }] };
      },
    },
    {
      kind: MIRROR_KIND,
      channel: MIRROR_CHANNELS.interaction,
      schema: InteractionMessage,
      toEvents(body, ictx) {
        const m = body as InteractionMessage;
        run('interaction', ictx.device.id, onInteraction(ctx, ictx.device.id, m));
        const e = deps.bus.make('device.message', ictx.source, { deviceId: ictx.device.id, kind: MIRROR_KIND, channel: 'interaction', body: m });
        return { events: [{ ...e, id: ictx.eventId(body) ?? e.id }] };
      },
    },
  ];

  return {
    name: 'fitting',
    migrations: fittingMigrations,
    channels,
    http: fittingHttp(ctx),
    async start() {
      deps.bus.on('fitting', 'presence.entered', (e) => run('presence', e.data.zone, onShopperInZone(ctx, e.data.shopperId, e.data.zone)));
      // a shopper who walked out of a fitting-room zone is no longer the one at its mirror
      const leftZone = (shopperId: string, zone: string) => {
        if (ctx.shoppersInZone.get(zone) === shopperId) ctx.shoppersInZone.delete(zone);
      };
      deps.bus.on('fitting', 'presence.moved', (e) => {
        leftZone(e.data.shopperId, e.data.from);
        run('presence', e.data.to, onShopperInZone(ctx, e.data.shopperId, e.data.to));
      });
      deps.bus.on('fitting', 'presence.session.opened', (e) => void ctx.shopperSessions.set(e.data.shopperId, e.data.sessionId));
      deps.bus.on('fitting', 'presence.session.closed', (e) => {
        if (ctx.shopperSessions.get(e.data.shopperId) === e.data.sessionId) ctx.shopperSessions.delete(e.data.shopperId);
        for (const zone of [...ctx.shoppersInZone.keys()]) leftZone(e.data.shopperId, zone);
      });
      deps.bus.on('fitting', 'privacy.erase.starting', (e) => {
        ctx.shopperSessions.delete(e.data.shopperId);
        for (const [zone, shopper] of ctx.shoppersInZone) if (shopper === e.data.shopperId) ctx.shoppersInZone.delete(zone);
      });
      deps.bus.on('fitting', 'presence.exited', (e) => leftZone(e.data.shopperId, e.data.zone));
      await announcePendingLockerOrders(ctx);
      const every = Math.max(1000, Math.min(30_000, (cfg.sizeRequestAlertSeconds * 1000) / 4));
      // a comment line every 15 s keeps open mirror pages' streams from timing out
      timers.push(
        deps.clock.setInterval(() => {
          for (const hub of ctx.live.values()) hub.ping();
        }, 15_000),
      );
      timers.push(
        deps.clock.setInterval(
          () =>
            run(
              'late-requests',
              'gateway',
              ctx.serial(() => ctx.work((tx, fx) => alertLateRequests(ctx, tx, fx))),
            ),
          every,
        ),
      );
    },
    async stop() {
      for (const t of timers) t.cancel();
      deps.bus.off('fitting');
      await ctx.serial(async () => {});
    },
  };
}

/**
 * A frame is raw image bytes, or JSON `{"image": "<base64>"}` for mirrors whose MQTT stack only sends text.
 * JSON is recognised by its first byte (`{`), which no JPEG, PNG or WebP starts with.
 */
export function frameBytes(payload: Buffer): Buffer | null {
  if (payload[0] !== 0x7b) return payload;
  try {
    const image = (JSON.parse(payload.toString('utf8')) as { image?: unknown }).image;
    if (typeof image !== 'string' || image.length === 0) return null;
    const bytes = Buffer.from(image.replace(/^data:image\/[a-z]+;base64,/, ''), 'base64');
    return bytes.length ? bytes : null;
  } catch {
    return null;
  }
}

/** The window of orders announced again at start: well inside any retention, and parcels take a day or more. */
const PENDING_ORDERS_MS = 24 * 3600_000;

/**
 * Online orders for locker pickup here from the last day, announced again on the bus at start (the lockers service
 * started before us and ignores orders it already has): closes the gap between the order's COMMIT and the bus.
 */
async function announcePendingLockerOrders(ctx: Ctx) {
  const rows = await ctx.deps.db.all<{ id: string; session_id: string; mirror_id: string; sku: string; size: string; shopper_id: string | null }>(
    `SELECT o.id, o.session_id, o.mirror_id, o.sku, o.size, s.shopper_id FROM fitting_orders o
     LEFT JOIN fitting_room_sessions s ON s.id = o.session_id
     WHERE o.delivery = 'locker' AND o.created_at >= ? ORDER BY o.created_at, o.id`,
    [ctx.now() - PENDING_ORDERS_MS],
  );
  if (!rows.length) return;
  const orders = rows.map((r) => ({
    orderIntentId: r.id,
    sessionId: r.session_id,
    shopperId: r.shopper_id,
    mirrorId: r.mirror_id,
    sku: r.sku,
    size: r.size,
    delivery: 'locker' as const,
    pickupStoreId: ctx.deps.storeId,
  }));
  ctx.deps.bus.emit(ctx.deps.bus.make('fitting.locker_orders.pending', `storegate/${ctx.deps.storeId}/gateway/fitting`, { orders }));
}
