import type { MqttClient } from 'mqtt';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log.ts';

/**
 * The cloud broker subscription: QoS 1, a persistent session under a fixed client id, so the cloud broker keeps
 * what arrives while the gateway is down. mqtt.js sends our PUBACK only after handleMessage's callback, and it
 * handles one incoming publish at a time: a message is acknowledged once its unit of work has committed.
 */
export function createMqttReceiver(o: {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  clientId: string;
  topic: string;
  log: Logger;
  onMessage: (payload: Buffer) => Promise<void>;
  onState: (up: boolean) => void;
}) {
  let client: MqttClient | undefined;
  let subscribed = false;
  return {
    async start() {
      // mqtt.js (≈ 20 MB) only when a downlink broker is configured
      const { default: mqtt } = await import('mqtt');
      const c = mqtt.connect(o.url, {
        clientId: o.clientId,
        clean: false,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        ...(o.username ? { username: o.username } : {}),
        ...(o.password ? { password: o.password } : {}),
      });
      client = c;
      c.on('connect', () => {
        o.onState(true);
        c.subscribe(o.topic, { qos: 1 }, (err, granted) => {
          if (err || granted?.some((g) => g.qos === 128)) o.log.warn({ err: err?.message, topic: o.topic }, 'downlink subscribe refused');
          else subscribed = true;
        });
      });
      c.on('close', () => {
        subscribed = false;
        o.onState(false);
      });
      c.on('error', (err) => o.log.warn({ err: err.message }, 'downlink broker error'));
      c.handleMessage = (packet, callback) => {
        const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
        o.onMessage(payload).then(
          () => callback(),
          (err) => {
            // not acknowledged: the cloud broker delivers it again after we reconnect
            o.log.error({ err: (err as Error).message }, 'downlink message not stored; reconnecting so the broker redelivers');
            c.end(true, () => c.reconnect());
          },
        );
      };
    },
    connected: () => client?.connected ?? false,
    subscribed: () => subscribed,
    async stop() {
      const c = client;
      client = undefined;
      if (c) await new Promise<void>((r) => c.end(false, {}, () => r()));
    },
  };
}

const PULL_WINDOW = 64;

/** For stores without a cloud broker: GET the feed with If-None-Match; 304 means nothing new (and still in sync). */
export function createHttpPull(o: {
  url: string;
  token?: string | undefined;
  intervalMs: number;
  timeoutMs: number;
  clock: Clock;
  log: Logger;
  onMessage: (payload: string) => Promise<void>;
  onResult: (r: { ok: boolean; status: number | null; messages: number }) => void;
}) {
  let etag: string | undefined;
  let timer: { cancel(): void } | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function pullOnce(): Promise<void> {
    let status: number | null = null;
    let n = 0;
    try {
      const res = await fetch(o.url, {
        headers: { accept: 'application/json', ...(etag ? { 'if-none-match': etag } : {}), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      status = res.status;
      if (res.status === 304) return o.onResult({ ok: true, status, messages: 0 });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { messages?: unknown };
      if (!Array.isArray(body.messages)) throw new Error('the feed has no messages array');
      // A window of messages is handed over at once, in feed order: the sequencer queues their units in that order
      // and the unit of work commits them together (group commit) instead of one transaction per message; bounded,
      // so that one pull does not become one long transaction. The first one not stored ends the pull and keeps the
      // ETag: the next pull brings it and the rest again.
      for (let i = 0; i < body.messages.length; i += PULL_WINDOW) {
        if (stopped) return;
        const window = body.messages.slice(i, i + PULL_WINDOW);
        const results = await Promise.allSettled(window.map((m) => o.onMessage(typeof m === 'string' ? m : JSON.stringify(m))));
        const failed = results.findIndex((r) => r.status === 'rejected');
        n += failed < 0 ? results.length : failed;
        if (failed >= 0) throw (results[failed] as PromiseRejectedResult).reason;
      }
      const tag = res.headers.get('etag');
      if (tag) etag = tag;
      o.onResult({ ok: true, status, messages: n });
    } catch (err) {
      o.log.warn({ err: (err as Error).message, status }, 'downlink pull failed');
      o.onResult({ ok: false, status, messages: n });
    }
  }

  const pull = () => {
    running ??= pullOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    pull,
    start() {
      timer = o.clock.setInterval(() => void pull(), o.intervalMs);
      void pull();
    },
    etag: () => etag,
    async stop() {
      stopped = true;
      timer?.cancel();
      await running;
    },
  };
}
