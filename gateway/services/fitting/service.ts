import { InteractionMessage, PresenceMessage } from '../../../devices/smart-mirror/messages.ts';
import { MIRROR_CHANNELS, MIRROR_KIND } from '../../../devices/smart-mirror/topics.ts';
import { binaryChannel, type ChannelHandler, jsonChannel } from '../../ingest/ingest.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import { loadCatalogSync } from '../../catalog.ts';
import type { Language } from '../../staff/accounts.ts';
import type { FittingConfig } from './config.ts';
import { createContext } from './context.ts';
import { fittingHttp } from './http.ts';
import { fittingMigrations } from './migrations.ts';
import { onFrame, onInteraction, onPresence, onShopperInZone } from './mirror.ts';
import { RFID_CHANNELS, RFID_READER_KIND } from '../../../devices/rfid/topics.ts';
import { createThrottledWarn } from '../../ingest/throttle.ts';
import { rfidReadsChannel } from './rfid-channel.ts';
import { alertLateRequests } from './sessions.ts';
import { leaveTagsBehind, onTagsRead, sweepTags } from './tags.ts';
import { OUTFIT_RULES } from './suggest.ts';
import { followConfig } from '../../config/live.ts';

/**
 * Fitting rooms: smart mirrors send frames, presence and interactions; the gateway answers with the
 * recognised item and suggestions, runs the size-request queue for staff, and records one session per mirror
 * occupancy (sent to the cloud when it ends). Frames stay in memory for one recognition call, nothing else.
 */
export function createFittingService(deps: ServiceDeps, cfg: FittingConfig, opts: { language?: Language } = {}): GatewayService {
  if (!cfg.enabled) return { name: 'fitting', start: async () => {}, stop: async () => {} };
  // a bad catalog stops the gateway at start with the file, line/product and field in the message
  // the file seeds the live catalog (deps.catalog); stock and catalog changes since then are applied on top
  try {
    deps.catalog.seed(loadCatalogSync(cfg.catalogPath, Object.keys(OUTFIT_RULES)), Object.keys(OUTFIT_RULES));
  } catch (err) {
    throw new Error(`fitting.catalogPath: ${(err as Error).message}`);
  }
  // sizeRequestAlertSeconds follows signed config patches (read at each check; the check interval is set at start)
  const ctx = createContext(deps, followConfig(deps.bus, 'fitting', 'fitting', cfg, ['sizeRequestAlertSeconds', 'suggestions']), deps.catalog, opts.language);
  const timers: Array<{ cancel(): void }> = [];
  const run = (what: string, mirrorId: string, p: Promise<unknown>) =>
    void p.catch((err) => ctx.log.error({ err: (err as Error).message, mirrorId, what }, 'fitting handler failed'));

  // the session summary and order intents always go to the cloud, whatever cloud.routes says
  deps.outbox.require([
    { match: 'fitting.session.closed', priority: 'normal' },
    { match: 'order.intent.created', priority: 'critical' },
  ]);

  // Pure: mirror messages become events; the service reacts to them on the bus (start()).
  const channels: ChannelHandler[] = [
    binaryChannel({
      kind: MIRROR_KIND,
      channel: MIRROR_CHANNELS.frame,
      // frames are never written to device_events, and the recorded event carries the size only
      persist: false,
      maxBytes: cfg.maxFrameBytes,
      toEvents(payload, ictx) {
        const bytes = frameBytes(payload);
        if (!bytes) return { reject: 'bad_frame_json', detail: 'JSON frames need {"image": "<base64 JPEG/PNG/WebP>"}' };
        const mirrorId = ictx.device.id;
        return {
          events: [ictx.event('fitting.frame.received', { mirrorId, bytes: bytes.length })],
          local: [ictx.event('fitting.frame.captured', { mirrorId, message: bytes })],
        };
      },
    }),
    jsonChannel({
      kind: MIRROR_KIND,
      channel: MIRROR_CHANNELS.presence,
      schema: PresenceMessage,
      toEvents: (m, ictx) => ({
        events: [ictx.event('device.message', { deviceId: ictx.device.id, kind: MIRROR_KIND, channel: 'presence', body: m })],
        local: [ictx.event('fitting.mirror.presence', { mirrorId: ictx.device.id, message: m })],
      }),
    }),
    jsonChannel({
      kind: MIRROR_KIND,
      channel: MIRROR_CHANNELS.interaction,
      schema: InteractionMessage,
      toEvents: (m, ictx) => ({
        // the shopper's contact goes to the cloud with the order only: never into device_events
        events: [ictx.event('device.message', { deviceId: ictx.device.id, kind: MIRROR_KIND, channel: 'interaction', body: withoutContact(m) })],
        local: [ictx.event('fitting.mirror.interaction', { mirrorId: ictx.device.id, message: m })],
      }),
    }),
    rfidReadsChannel(deps.catalog),
  ];

  return {
    name: 'fitting',
    migrations: fittingMigrations,
    channels,
    http: fittingHttp(ctx),
    async start() {
      deps.bus.on('fitting', 'fitting.frame.captured', (e) => run('frame', e.data.mirrorId, onFrame(ctx, e.data.mirrorId, e.data.message)));
      deps.bus.on('fitting', 'fitting.mirror.presence', (e) => run('presence', e.data.mirrorId, onPresence(ctx, e.data.mirrorId, e.data.message.present)));
      deps.bus.on('fitting', 'fitting.mirror.interaction', (e) => run('interaction', e.data.mirrorId, onInteraction(ctx, e.data.mirrorId, e.data.message)));
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
      // the staff page refreshes its queue on each change, and rings for a new request
      deps.bus.on(
        'fitting',
        'fitting.size_request.updated',
        (e) => void ctx.staffLive.publish('request', { ...e.data, productName: ctx.catalog.products.find((p) => p.sku === e.data.sku)?.name ?? e.data.sku }),
      );
      deps.bus.on('fitting', 'presence.exited', (e) => leftZone(e.data.shopperId, e.data.zone));
      // RFID: reads start items on the room's mirror; the sweep ends the ones no longer read
      const warnTag = createThrottledWarn(ctx.log, deps.clock);
      deps.bus.on('fitting', 'fitting.tags.read', (e) => {
        for (const r of e.data.rejected)
          warnTag(`${e.data.readerId}:${r.reason}`, { deviceId: e.data.readerId, reason: r.reason, detail: r.detail }, 'tag read refused');
        run('tags', e.data.readerId, onTagsRead(ctx, e.data));
      });
      // a message with no good read was refused whole by the ingest (which logged it): each of its reads counts here
      deps.bus.on('fitting', 'device.rejected', (e) => {
        if (e.data.kind !== RFID_READER_KIND || e.data.channel !== RFID_CHANNELS.reads) return;
        for (const reason of e.data.items) ctx.metrics.tagRejected.inc({ reason });
      });
      deps.bus.on('fitting', 'fitting.session.closed', (e) => leaveTagsBehind(ctx, e.data.mirrorId));
      timers.push(deps.clock.setInterval(() => run('tags', 'gateway', sweepTags(ctx)), Math.max(100, Math.min(1000, (cfg.rfid.tagTimeoutSeconds * 1000) / 4))));
      const every = Math.max(1000, Math.min(30_000, (cfg.sizeRequestAlertSeconds * 1000) / 4));
      // a comment line every 15 s keeps open mirror pages' streams from timing out
      timers.push(
        deps.clock.setInterval(() => {
          for (const hub of ctx.live.values()) hub.ping();
          ctx.staffLive.ping();
        }, 15_000),
      );
      timers.push(
        deps.clock.setInterval(
          () =>
            run(
              'late-requests',
              'gateway',
              ctx.work((tx, fx) => alertLateRequests(ctx, tx, fx)),
            ),
          every,
        ),
      );
    },
    async stop() {
      for (const t of timers) t.cancel();
      deps.bus.off('fitting');
      await deps.work.flush();
    },
  };
}

const withoutContact = (m: InteractionMessage) => {
  if (!m.contact) return m;
  const { contact, ...rest } = m;
  return { ...rest, contact: contact.channel };
};

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
