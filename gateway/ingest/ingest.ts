import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { deviceSource, parseDeviceTopic } from '../../devices/topics.ts';
import type { Bus } from '../bus/bus.ts';
import type { DomainEvent, EventMap, EventOf, EventType } from '../bus/events.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { counter, type Registry as Metrics } from '../metrics.ts';
import type { Device, Registry } from '../registry/registry.ts';
import type { UnitOfWork } from '../store/unit-of-work.ts';
import { createThrottledWarn } from './throttle.ts';

export interface IngestContext {
  device: Device;
  channel: string;
  topic: string;
  receivedAt: number;
  /** `storegate/<storeId>/<kind>/<deviceId>` */
  source: string;
  /**
   * An event from this device. Its id comes from the device's own `msgId` when the message has one (so a QoS 1
   * resend is stored once), else it is fresh.
   */
  event<T extends EventType>(type: T, data: EventMap[T]): EventOf<T>;
}

/**
 * `events` are the message's record: persisted in `device_events` (unless the channel says `persist: false`),
 * queued for the cloud when routed, in the transaction that precedes the PUBACK, then emitted on the bus.
 * `local` events only go on the bus, to their own subscribers (see `Bus.emitLocal`): frames, codes, raw radio data.
 */
export type HandlerResult =
  | { events: DomainEvent[]; local?: DomainEvent[] }
  /** `items`: for a batch message, the reason of each bad item (a `device.rejected` event carries them) */
  | { reject: string; detail?: string; items?: string[] };

/**
 * A device channel: pure. A validated body in (typed by the channel's schema), domain events out; no I/O and
 * no state. The capabilities that care react to the events on the bus.
 */
export interface ChannelHandler<B = unknown> {
  /** device kind, or '*' for every kind */
  kind: string;
  channel: string;
  /** raw bytes (camera frames) instead of JSON */
  binary?: boolean;
  maxBytes?: number;
  schema?: TSchema;
  /** default true; frames, advertisements and keypad entries are never persisted */
  persist?: boolean;
  toEvents(body: B, ctx: IngestContext): HandlerResult;
}

/** A JSON channel whose body is checked against `schema` before `toEvents` sees it, and typed by it. */
export const jsonChannel = <S extends TSchema>(h: Omit<ChannelHandler<Static<S>>, 'schema' | 'binary'> & { schema: S }): ChannelHandler<Static<S>> => h;
/** A channel of raw bytes (camera frames). */
export const binaryChannel = (h: Omit<ChannelHandler<Buffer>, 'schema' | 'binary'>): ChannelHandler<Buffer> => ({ ...h, binary: true });

/** Topics outside the storegate tree (e.g. OpenMQTTGateway's `home/<gw>/BTtoMQTT/<mac>`) map to a device + channel. */
export type TopicMapper = (topic: string) => { deviceId: string; channel: string; kind?: string } | null;

export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  /** The authenticated device (embedded broker). Absent in external mode: the registry is consulted. */
  device?: Device;
  /** resolveTopic(topic), when the caller (the broker's ACL) already did it */
  where?: ReturnType<Ingest['resolveTopic']>;
}

type Rejected = { ok: false; reason: string; detail?: string };
export type IngestResult = { ok: true; events: DomainEvent[]; device: Device } | Rejected;

/**
 * The one edge where device messages become domain events: topic → device → channel → size → JSON → schema →
 * events → persisted (with their outbox rows) → acknowledged → bus. The same code runs behind the embedded
 * broker and the external one.
 */
export function createIngest(deps: {
  storeId: string;
  bus: Bus;
  work: UnitOfWork;
  registry: Registry;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  maxPayloadBytes: number;
}) {
  const log = deps.log.child({ module: 'ingest' });
  const warn = createThrottledWarn(log, deps.clock);
  const received = counter(deps.metrics, 'storegate_ingest_messages_total', 'Device messages accepted', ['kind', 'channel']);
  const rejected = counter(deps.metrics, 'storegate_ingest_rejected_total', 'Device messages rejected', ['reason']);
  const handlers = new Map<string, { h: ChannelHandler; check: ReturnType<typeof Compile> | null }>();
  const mappers: TopicMapper[] = [];
  const deviceCache = new Map<string, { device: Device | undefined; at: number }>();
  // one labelled child per kind/channel: prom-client hashes a label object on every inc({ … })
  const receivedBy = new Map<string, ReturnType<typeof received.labels>>();
  const countReceived = (kind: string, channel: string) => {
    const key = `${kind}/${channel}`;
    let c = receivedBy.get(key);
    if (!c) {
      c = received.labels({ kind, channel });
      receivedBy.set(key, c);
    }
    c.inc();
  };

  function reject(reason: string, deviceId: string, detail?: string): Rejected {
    rejected.inc({ reason });
    warn(`${deviceId}:${reason}`, { deviceId, reason, detail }, 'device message rejected');
    return { ok: false, reason, ...(detail ? { detail } : {}) };
  }

  async function lookup(id: string): Promise<Device | undefined> {
    const c = deviceCache.get(id);
    if (c && deps.clock.now() - c.at < 5000) return c.device;
    const device = await deps.registry.get(id);
    deviceCache.set(id, { device, at: deps.clock.now() });
    return device;
  }

  function resolveTopic(topic: string): { deviceId: string; channel: string; kind?: string; storeId?: string } | null {
    const t = parseDeviceTopic(topic);
    if (t) return t;
    for (const m of mappers) {
      const r = m(topic);
      if (r) return r;
    }
    return null;
  }

  return {
    register(h: ChannelHandler) {
      handlers.set(`${h.kind}/${h.channel}`, { h, check: h.schema ? Compile(h.schema) : null });
    },
    addTopicMapper(m: TopicMapper) {
      mappers.push(m);
    },
    /** For the broker's ACL: which device and kind a topic belongs to, if any. */
    resolveTopic,
    forgetDevice(id: string) {
      deviceCache.delete(id);
    },

    /**
     * Validates and persists one message; `ack` runs once the outcome is durable (the broker's PUBACK), and
     * only then do the events go on the bus. A rejection is acknowledged too: it is an answer, not a loss.
     * Rejects (and never acks) when the store cannot take the event, so the broker does not acknowledge it.
     */
    async handle(msg: IncomingMessage, ack?: (r: IngestResult) => void): Promise<IngestResult> {
      const r = await accept(msg);
      ack?.(r);
      if (!r.ok) return r;
      for (const e of r.events) deps.bus.emit(e);
      for (const e of r.local) deps.bus.emitLocal(e);
      return { ok: true, events: r.events, device: r.device };
    },
  };

  async function accept(msg: IncomingMessage): Promise<Rejected | { ok: true; events: DomainEvent[]; local: DomainEvent[]; device: Device }> {
    const where = msg.where !== undefined ? msg.where : resolveTopic(msg.topic);
    const claimed = msg.device?.id ?? where?.deviceId ?? 'unknown';
    if (!where) return reject('bad_topic', claimed, msg.topic.slice(0, 120));
    if ('storeId' in where && where.storeId !== deps.storeId) return reject('wrong_store', claimed, where.storeId);
    const device = msg.device ?? (await lookup(where.deviceId));
    if (!device) return reject('unknown_device', where.deviceId);
    if (!device.enabled) return reject('revoked_device', device.id);
    if (device.id !== where.deviceId || (where.kind && where.kind !== device.kind)) return reject('forbidden_topic', device.id, msg.topic);

    const entry = handlers.get(`${device.kind}/${where.channel}`) ?? handlers.get(`*/${where.channel}`);
    if (!entry) return reject('unknown_channel', device.id, where.channel);
    const { h, check } = entry;
    if (msg.payload.length > (h.maxBytes ?? deps.maxPayloadBytes)) return reject('too_large', device.id, `${msg.payload.length} bytes`);

    let body: unknown = msg.payload;
    if (!h.binary) {
      try {
        body = JSON.parse(msg.payload.toString('utf8'));
      } catch {
        return reject('not_json', device.id);
      }
      // JSON.parse takes any depth; JSON.stringify (store, bus consumers, outbox) overflows the stack on it
      if (nestedDeeper(body, MAX_JSON_DEPTH)) return reject('too_deep', device.id, `nesting deeper than ${MAX_JSON_DEPTH}`);
      if (check && !check.Check(body)) {
        const first = check.Errors(body)[0];
        return reject('schema', device.id, first ? `${first.instancePath || '/'} ${first.message}` : undefined);
      }
    }

    const receivedAt = deps.clock.now();
    const source = deviceSource(deps.storeId, device.kind, device.id);
    const stable = h.binary ? undefined : stableId(device.id, where.channel, body);
    let result: HandlerResult;
    try {
      result = h.toEvents(body, {
        device,
        channel: where.channel,
        topic: msg.topic,
        receivedAt,
        source,
        event: (type, data) => deps.bus.make(type, source, data, undefined, stable),
      });
    } catch (err) {
      log.error({ err, deviceId: device.id, channel: where.channel }, 'channel handler threw');
      return reject('handler_error', device.id);
    }
    if ('reject' in result) {
      // the capability that owns the channel may count its own rejections
      deps.bus.emitLocal(
        deps.bus.make('device.rejected', source, {
          deviceId: device.id,
          kind: device.kind,
          channel: where.channel,
          reason: result.reject,
          items: result.items ?? [result.reject],
        }),
      );
      return reject(result.reject, device.id, result.detail);
    }

    const { events } = result;
    if (h.persist !== false) await deps.work.record(events.map((event) => ({ event, deviceId: device.id, kind: device.kind, channel: where.channel })));
    countReceived(device.kind, where.channel);
    deps.registry.touch(device.id);
    return { ok: true, events, local: result.local ?? [], device };
  }
}

const MAX_JSON_DEPTH = 32;

/** Recursion at most `max` deep (so the check itself cannot overflow the stack), and no allocation per value. */
function nestedDeeper(value: unknown, max: number, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= max) return true;
  if (Array.isArray(value)) {
    for (const child of value) if (child !== null && typeof child === 'object' && nestedDeeper(child, max, depth + 1)) return true;
    return false;
  }
  for (const k in value) {
    const child = (value as Record<string, unknown>)[k];
    if (child !== null && typeof child === 'object' && nestedDeeper(child, max, depth + 1)) return true;
  }
  return false;
}

/**
 * A device that numbers its messages (`msgId`) gets an event id made of them: stable across a QoS 1 resend,
 * unique per source as CloudEvents requires, readable, and clustered per device in the unique index.
 */
function stableId(deviceId: string, channel: string, body: unknown): string | undefined {
  const msgId = (body as { msgId?: unknown } | null)?.msgId;
  if (typeof msgId !== 'string' && typeof msgId !== 'number') return undefined;
  return `${deviceId}/${channel}/${msgId}`;
}

export type Ingest = ReturnType<typeof createIngest>;
