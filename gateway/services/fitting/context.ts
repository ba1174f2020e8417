import { randomUUID } from 'node:crypto';
import type { MirrorCommand } from '../../../devices/smart-mirror/messages.ts';
import { MIRROR_KIND } from '../../../devices/smart-mirror/topics.ts';
import { deviceSource } from '../../../devices/topics.ts';
import type { DomainEvent, EventMap, EventType } from '../../bus/events.ts';
import { counter } from '../../metrics.ts';
import type { ServiceDeps } from '../../service.ts';
import { createSseHub, type SseHub } from '../../http/sse.ts';
import type { Db } from '../../store/db.ts';
import type { LiveCatalog } from '../../live-catalog.ts';
import type { Language } from '../../staff/accounts.ts';
import type { FittingConfig } from './config.ts';
import { createTagState } from './tag-state.ts';
import './events.ts';

/** What a unit of work produces besides SQL: events (bus + outbox) and mirror commands, released after COMMIT. */
export interface Effects {
  emit<T extends EventType>(type: T, mirrorId: string, data: EventMap[T]): DomainEvent;
  /** queue a command for the mirror (sent after COMMIT); returns it, so a handler can also answer over HTTP */
  send(mirrorId: string, cmd: MirrorCommand): MirrorCommand;
}

export function createContext(deps: ServiceDeps, cfg: FittingConfig, catalog: LiveCatalog, language: Language = 'en') {
  const log = deps.log.child({ module: 'fitting' });
  const metrics = {
    frames: counter(deps.metrics, 'storegate_fitting_frames_total', 'Mirror frames handled, by outcome', ['outcome']),
    sizeRequests: counter(deps.metrics, 'storegate_fitting_size_requests_total', 'Size requests by status change', ['status']),
    orders: counter(deps.metrics, 'storegate_fitting_orders_total', 'Online order intents from mirrors', ['delivery']),
    tagReads: counter(deps.metrics, 'storegate_fitting_tag_reads_total', 'RFID tag reads in fitting rooms, by what they did', ['outcome']),
    tagRejected: counter(deps.metrics, 'storegate_fitting_tag_reads_rejected_total', 'RFID tag reads refused, by reason', ['reason']),
    tagCamera: counter(deps.metrics, 'storegate_fitting_tag_camera_total', 'Tagged items compared with the camera (the tag wins a disagreement)', ['outcome']),
    tagItemsEnded: counter(deps.metrics, 'storegate_fitting_tag_items_ended_total', 'Tagged items that left the mirror, by why', ['reason']),
  };
  const source = (mirrorId: string) => deviceSource(deps.storeId, MIRROR_KIND, mirrorId);
  /** the last answer per mirror: what the mirror page shows */
  const lastAnswer = new Map<string, MirrorCommand>();
  /** mirror id → the mirror page's live stream (every command the mirror gets, as it gets it) */
  const live = new Map<string, SseHub>();
  const liveHub = (mirrorId: string) => {
    let hub = live.get(mirrorId);
    if (!hub) {
      hub = createSseHub({ maxClients: 4, clientBufferBytes: 256 * 1024, replay: 20 });
      live.set(mirrorId, hub);
    }
    return hub;
  };

  /** the staff page's live stream: every size-request change */
  const staffLive = createSseHub({ maxClients: 32, clientBufferBytes: 256 * 1024, replay: 50 });

  function sendNow(mirrorId: string, cmd: MirrorCommand) {
    if (cmd.type === 'recognised' || cmd.type === 'ask_pick' || cmd.type === 'order_online') lastAnswer.set(mirrorId, cmd);
    if (cmd.type === 'session' && cmd.status === 'closed') lastAnswer.delete(mirrorId);
    // the item the mirror shows left the room: the mirror page stops showing it
    const shown = lastAnswer.get(mirrorId);
    if (cmd.type === 'item_ended' && shown?.type === 'recognised' && shown.item?.sku === cmd.sku) lastAnswer.delete(mirrorId);
    deps.link.send(MIRROR_KIND, mirrorId, cmd);
    live.get(mirrorId)?.publish('cmd', cmd);
  }

  /** One unit of work (gateway/store/unit-of-work.ts): SQL in one transaction; events and mirror commands after COMMIT. */
  function work<T>(fn: (tx: Db, fx: Effects) => Promise<T>): Promise<T> {
    return deps.work.run((w) =>
      fn(w.tx, {
        emit(type, mirrorId, data) {
          const e = deps.bus.make(type, source(mirrorId), data);
          w.emit(e);
          return e;
        },
        send(mirrorId, cmd) {
          w.after(() => sendNow(mirrorId, cmd));
          return cmd;
        },
      }),
    );
  }

  return {
    deps,
    cfg,
    catalog,
    /** the store's language: shopper and staff pages start in it */
    language,
    log,
    metrics,
    work,
    sendNow,
    lastAnswer,
    live,
    liveHub,
    staffLive,
    now: () => deps.clock.now(),
    newId: () => randomUUID(),
    /** zone → the shopper pseudonym last seen entering it (from presence events) */
    shoppersInZone: new Map<string, string>(),
    /** shopper pseudonym → their open store visit (presence's session id), from presence.session.opened/closed */
    shopperSessions: new Map<string, string>(),
    /** tagged items in the fitting rooms (tags.ts) */
    tags: createTagState(),
  };
}
export type Ctx = ReturnType<typeof createContext>;
