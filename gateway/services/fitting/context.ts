import { randomUUID } from 'node:crypto';
import type { MirrorCommand } from '../../../devices/smart-mirror/messages.ts';
import { MIRROR_KIND } from '../../../devices/smart-mirror/topics.ts';
import type { DomainEvent, EventMap, EventType } from '../../bus/events.ts';
import { counter } from '../../metrics.ts';
import type { ServiceDeps } from '../../service.ts';
import { createSseHub, type SseHub } from '../../http/sse.ts';
import type { Db } from '../../store/db.ts';
import type { Catalog } from '../../catalog.ts';
import type { FittingConfig } from './config.ts';
import './events.ts';

/** What a unit of work produces besides SQL: events (bus + outbox) and mirror commands, released after COMMIT. */
export interface Effects {
  emit<T extends EventType>(type: T, mirrorId: string, data: EventMap[T]): DomainEvent;
  /** queue a command for the mirror (sent after COMMIT); returns it, so a handler can also answer over HTTP */
  send(mirrorId: string, cmd: MirrorCommand): MirrorCommand;
}

export function createContext(deps: ServiceDeps, cfg: FittingConfig, catalog: Catalog) {
  const log = deps.log.child({ module: 'fitting' });
  const metrics = {
    frames: counter(deps.metrics, 'storegate_fitting_frames_total', 'Mirror frames handled, by outcome', ['outcome']),
    sizeRequests: counter(deps.metrics, 'storegate_fitting_size_requests_total', 'Size requests by status change', ['status']),
    orders: counter(deps.metrics, 'storegate_fitting_orders_total', 'Online order intents from mirrors', ['delivery']),
  };
  const source = (mirrorId: string) => `storegate/${deps.storeId}/${MIRROR_KIND}/${mirrorId}`;
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

  let chain: Promise<unknown> = Promise.resolve();
  /** session state changes run one at a time */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn);
    chain = next.catch(() => {});
    return next;
  };

  function sendNow(mirrorId: string, cmd: MirrorCommand) {
    if (cmd.type === 'recognised' || cmd.type === 'ask_pick' || cmd.type === 'order_online') lastAnswer.set(mirrorId, cmd);
    if (cmd.type === 'session' && cmd.status === 'closed') lastAnswer.delete(mirrorId);
    deps.link.send(MIRROR_KIND, mirrorId, cmd);
    live.get(mirrorId)?.publish('cmd', cmd);
  }

  /** One SQLite transaction; cloud-bound events are enqueued in it, everything else goes out after COMMIT. */
  async function work<T>(fn: (tx: Db, fx: Effects) => Promise<T>): Promise<T> {
    const events: DomainEvent[] = [];
    const commands: Array<[string, MirrorCommand]> = [];
    const result = await deps.db.transaction(async (tx) => {
      const fx: Effects = {
        emit(type, mirrorId, data) {
          const e = deps.bus.make(type, source(mirrorId), data);
          events.push(e);
          return e;
        },
        send(mirrorId, cmd) {
          commands.push([mirrorId, cmd]);
          return cmd;
        },
      };
      const r = await fn(tx, fx);
      // the session summary and order intents always go (whatever cloud.routes says); other events as routed
      const forCloud = events.filter((e) => e.type === 'fitting.session.closed' || e.type === 'order.intent.created' || deps.outbox?.routed(e.type));
      if (forCloud.length) await deps.outbox?.enqueue(tx, forCloud);
      return r;
    });
    for (const [id, cmd] of commands) sendNow(id, cmd);
    for (const e of events) deps.bus.emit(e);
    return result;
  }

  return {
    deps,
    cfg,
    catalog,
    log,
    metrics,
    serial,
    work,
    sendNow,
    lastAnswer,
    live,
    liveHub,
    now: () => deps.clock.now(),
    newId: () => randomUUID(),
    /** zone → the shopper pseudonym last seen entering it (from presence events) */
    shoppersInZone: new Map<string, string>(),
    /** shopper pseudonym → their open store visit (presence's session id), from presence.session.opened/closed */
    shopperSessions: new Map<string, string>(),
  };
}
export type Ctx = ReturnType<typeof createContext>;
