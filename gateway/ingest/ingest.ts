import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { parseDeviceTopic } from '../../devices/topics.ts';
import type { Bus } from '../bus/bus.ts';
import type { DomainEvent } from '../bus/events.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { counter, type Registry as Metrics } from '../metrics.ts';
import type { Device, Registry } from '../registry/registry.ts';
import type { EventWriter } from '../store/event-writer.ts';
import { createThrottledWarn } from './throttle.ts';

export interface IngestContext {
  device: Device;
  channel: string;
  topic: string;
  receivedAt: number;
  /** `storegate/<storeId>/<kind>/<deviceId>` */
  source: string;
  /** Stable event id: derived from the device's own `msgId` when it sends one (so a QoS 1 resend is a no-op). */
  eventId(body: unknown): string | undefined;
}

export type HandlerResult = { events: DomainEvent[] } | { reject: string; detail?: string };

export interface ChannelHandler {
  /** device kind, or '*' for every kind */
  kind: string;
  channel: string;
  /** raw bytes (camera frames) instead of JSON */
  binary?: boolean;
  maxBytes?: number;
  schema?: TSchema;
  /** default true; frames are never persisted */
  persist?: boolean;
  toEvents(body: unknown, ctx: IngestContext): HandlerResult;
}

/** Topics outside the storegate tree (e.g. OpenMQTTGateway's `home/<gw>/BTtoMQTT/<mac>`) map to a device + channel. */
export type TopicMapper = (topic: string) => { deviceId: string; channel: string; kind?: string } | null;

export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  /** The authenticated device (embedded broker). Absent in external mode: the registry is consulted. */
  device?: Device;
}

export type IngestResult = { ok: true; events: DomainEvent[] } | { ok: false; reason: string; detail?: string };

/**
 * The one edge where device messages become domain events: topic → device → channel handler → size → JSON →
 * schema → events → persisted → bus. The same code runs behind the embedded broker and the external one.
 */
export function createIngest(deps: {
  storeId: string;
  bus: Bus;
  writer: EventWriter;
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

  function reject(reason: string, deviceId: string, detail?: string): IngestResult {
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

    async handle(msg: IncomingMessage): Promise<IngestResult> {
      const where = resolveTopic(msg.topic);
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
      const source = `storegate/${deps.storeId}/${device.kind}/${device.id}`;
      let result: HandlerResult;
      try {
        result = h.toEvents(body, {
          device,
          channel: where.channel,
          topic: msg.topic,
          receivedAt,
          source,
          eventId: (b) => stableId(device.id, where.channel, b),
        });
      } catch (err) {
        log.error({ err, deviceId: device.id, channel: where.channel }, 'channel handler threw');
        return reject('handler_error', device.id);
      }
      if ('reject' in result) return reject(result.reject, device.id, result.detail);

      if (h.persist !== false) {
        await deps.writer.write(result.events.map((event) => ({ event, deviceId: device.id, kind: device.kind, channel: where.channel })));
      }
      received.inc({ kind: device.kind, channel: where.channel });
      deps.registry.touch(device.id);
      for (const e of result.events) deps.bus.emit(e);
      return { ok: true, events: result.events };
    },
  };
}

const MAX_JSON_DEPTH = 32;

/** Iterative, so the check itself cannot overflow the stack. */
function nestedDeeper(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
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
