import { gatewaySource } from '../../../devices/topics.ts';
import { downlinkFilter } from '../../../devices/downlink.ts';
import type { EventMap, EventType } from '../../bus/events.ts';
import type { Config } from '../../config/schema.ts';
import { createThrottledWarn } from '../../ingest/throttle.ts';
import { counter, gauge } from '../../metrics.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import type { Work } from '../../store/unit-of-work.ts';
import type { DownlinkConfig } from './config.ts';
import './events.ts';
import { handle, type HandlerCtx } from './handlers.ts';
import { downlinkHttp } from './http.ts';
import { downlinkMigrations } from './migrations.ts';
import { createHttpPull, createMqttReceiver } from './receivers.ts';
import { createSequencer } from './sequencer.ts';
import { feedStockFromStore } from './store-stock.ts';
import { createTrust, type Refusal, type Verified } from './trust.ts';

const ALONE_BYTES = 4096;

/**
 * Cloud → store: signed messages from the cloud broker (a subscription under the store's prefix) and/or an HTTP
 * feed, applied exactly once and in order per stream (sequencer.ts), each in one unit of work with its new position.
 * Stock and catalog go into the live catalog; config patches, commands, model and incentive messages become
 * state changes or bus events (handlers.ts). Nothing acts without an Ed25519 signature from a pinned key (trust.ts).
 */
export function createDownlinkService(deps: ServiceDeps, cfg: DownlinkConfig, opts: { config: Readonly<Config> }): GatewayService & Record<string, unknown> {
  const log = deps.log.child({ module: 'downlink' });
  const warn = createThrottledWarn(log, deps.clock);
  const m = {
    messages: counter(deps.metrics, 'storegate_downlink_messages_total', 'Downlink messages by stream and outcome', ['stream', 'outcome']),
    refused: counter(deps.metrics, 'storegate_downlink_refused_total', 'Downlink messages refused, by reason', ['reason']),
    resyncs: counter(deps.metrics, 'storegate_downlink_resync_requests_total', 'Resync requests sent upstream', ['stream']),
    position: gauge(deps.metrics, 'storegate_downlink_stream_position', 'Last sequence applied per stream', ['stream']),
    up: gauge(deps.metrics, 'storegate_downlink_connected', '1 while the downlink broker subscription is up'),
    age: gauge(deps.metrics, 'storegate_downlink_stock_age_seconds', 'Seconds since the stock was last known to be in sync with the cloud (-1: never)'),
  };
  const mqttCfg = resolveMqtt(cfg, opts.config, deps.storeId);
  const active = cfg.keys.length > 0 && (mqttCfg !== undefined || cfg.http !== undefined);
  const trust = createTrust(cfg, deps.storeId);
  let effective = opts.config;
  let pullState: { at: string; ok: boolean; status: number | null } | undefined;
  const timers: Array<{ cancel(): void }> = [];
  deps.catalog.setStaleAfter(cfg.staleAfterSeconds * 1000);
  if (active) deps.outbox.require([{ match: 'downlink.*', priority: 'critical' }]);
  const source = gatewaySource(deps.storeId, 'downlink');
  // with or without a cloud downlink: returns and fitting rooms move the store's stock
  feedStockFromStore(deps, log);

  const emit = <T extends EventType>(w: Work, type: T, data: EventMap[T], o: { local?: boolean } = {}) => {
    const e = deps.bus.make(type, source, data);
    if (o.local) w.after(() => deps.bus.emitLocal(e));
    else w.emit(e);
  };
  const h: HandlerCtx = {
    deps,
    trust,
    config: () => effective,
    setConfig(c, live) {
      effective = c;
      if (live.some((k) => k.startsWith('downlink.staleAfterSeconds'))) deps.catalog.setStaleAfter((c as Config).downlink.staleAfterSeconds * 1000);
    },
    maxTtlMs: cfg.maxTtlSeconds * 1000,
    emit,
  };

  const sequencer = createSequencer({
    db: deps.db,
    work: deps.work,
    clock: deps.clock,
    holdMax: cfg.holdMax,
    resyncAfterMs: cfg.resyncAfterSeconds * 1000,
    apply: (w, v) => handle(h, w, v.event, v.keyId),
    // ≈ 40 stock changes and up: a mirror's pick queued at the same time commits before it, not with it
    alone: (v) => v.bytes > ALONE_BYTES,
    async record(w, v, outcome) {
      const e = v.event;
      m.messages.inc({ stream: e.stream, outcome: outcome.outcome });
      if (outcome.outcome === 'refused') {
        m.refused.inc({ reason: outcome.reason ?? 'refused' });
        warn(
          `${e.stream}:${outcome.reason}`,
          { stream: e.stream, sequence: e.sequence, type: e.type, reason: outcome.reason, errors: outcome.errors },
          'downlink message refused',
        );
        emit(w, 'downlink.refused', {
          id: e.id,
          stream: e.stream,
          sequence: e.sequence,
          type: e.type,
          keyId: v.keyId,
          reason: outcome.reason ?? 'refused',
          ...(outcome.errors ? { errors: outcome.errors } : {}),
        });
      }
      if (outcome.audit)
        await w.tx.run(
          'INSERT INTO downlink_audit (id, at, stream, sequence, type, key_id, requested_by, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [
            e.id,
            deps.clock.now(),
            e.stream,
            e.sequence,
            e.type,
            v.keyId,
            e.requestedby ?? null,
            outcome.outcome === 'applied' ? 'applied' : `refused:${outcome.reason}`,
            outcome.errors ? outcome.errors.join('; ') : null,
          ],
        );
      w.after(() => m.position.set({ stream: e.stream }, e.sequence));
    },
    resync(stream, from, received) {
      m.resyncs.inc({ stream });
      log.warn({ stream, from, received }, 'downlink gap: asking the cloud to resend');
      void deps.work
        .run(async (w) => emit(w, 'downlink.resync.requested', { stream, from, received }))
        .catch((err) => log.error({ err }, 'resync request not queued'));
    },
  });

  /** a refusal before the position: unverified ones are only logged and counted (a forger must not fill the outbox) */
  async function refuse(r: Refusal) {
    m.refused.inc({ reason: r.reason });
    warn(`refused:${r.reason}:${r.keyId ?? ''}`, { reason: r.reason, keyId: r.keyId, detail: r.detail, id: r.event?.id }, 'downlink message refused');
    if (r.reason === 'not_json' || r.reason === 'bad_envelope' || r.reason === 'unknown_key' || r.reason === 'bad_signature') return;
    await deps.work.run(async (w) =>
      emit(w, 'downlink.refused', {
        id: r.event?.id ?? null,
        stream: r.event?.stream ?? null,
        sequence: r.event?.sequence ?? null,
        type: r.event?.type ?? null,
        keyId: r.keyId ?? null,
        reason: r.reason,
        ...(r.detail ? { errors: [r.detail] } : {}),
      }),
    );
  }

  /** One message from either source; resolves when it may be acknowledged. */
  async function receive(payload: Buffer | string): Promise<void> {
    const v = trust.verify(payload);
    if (!v.ok) return refuse(v);
    if (!cfg.streams.includes(v.event.stream))
      return refuse({ ok: false, reason: 'unknown_stream', detail: `stream ${v.event.stream}`, event: v.event, keyId: v.keyId });
    deps.catalog.markSynced(deps.clock.now());
    const r = await sequencer.submit(v as Verified);
    if (r === 'duplicate' || r === 'held') m.messages.inc({ stream: v.event.stream, outcome: r });
  }

  const mqtt = mqttCfg
    ? createMqttReceiver({
        ...mqttCfg,
        topic: downlinkFilter(deps.storeId),
        log,
        onMessage: receive,
        onState: (up) => {
          m.up.set(up ? 1 : 0);
          if (up) deps.catalog.markSynced(deps.clock.now());
        },
      })
    : undefined;
  const pull = cfg.http
    ? createHttpPull({
        url: cfg.http.url,
        token: cfg.http.token,
        intervalMs: cfg.http.intervalSeconds * 1000,
        timeoutMs: cfg.http.timeoutSeconds * 1000,
        clock: deps.clock,
        log,
        onMessage: receive,
        onResult: (r) => {
          pullState = { at: new Date(deps.clock.now()).toISOString(), ok: r.ok, status: r.status };
          if (r.ok) deps.catalog.markSynced(deps.clock.now());
        },
      })
    : undefined;

  function status() {
    const now = deps.clock.now();
    const f = deps.catalog.freshness(now);
    return {
      active,
      streams: sequencer.status(),
      stock: {
        asOf: f.asOf === null ? null : new Date(f.asOf).toISOString(),
        ageSeconds: f.asOf === null ? null : Math.max(0, (now - f.asOf) / 1000),
        stale: f.stale,
      },
      mqtt: mqtt ? { connected: mqtt.connected(), subscribed: mqtt.subscribed() } : null,
      http: pull ? { lastPull: pullState ?? null, etag: pull.etag() ?? null } : null,
      keys: trust.size(),
    };
  }

  return {
    name: 'downlink',
    migrations: downlinkMigrations,
    http: downlinkHttp({ auth: deps.auth, db: deps.db, catalog: deps.catalog, status }),
    receive,
    status,
    pullNow: () => pull?.pull(),
    sequencer,
    async start() {
      await trust.restore(deps.db);
      await sequencer.restore();
      for (const s of sequencer.status()) m.position.set({ stream: s.stream }, s.position);
      m.age.set(-1);
      timers.push(
        deps.clock.setInterval(() => {
          const f = deps.catalog.freshness(deps.clock.now());
          m.age.set(f.asOf === null ? -1 : Math.max(0, (deps.clock.now() - f.asOf) / 1000));
          if (mqtt?.connected()) deps.catalog.markSynced(deps.clock.now());
          sequencer.tick();
        }, 5000),
      );
      if (!active) {
        if (cfg.keys.length === 0 && (mqttCfg || cfg.http))
          log.warn('downlink: a source is configured but no key (downlink.keys): nothing from the cloud is accepted');
        return;
      }
      if (deps.catalog.freshness(deps.clock.now()).asOf === null) deps.catalog.markSynced(deps.clock.now());
      await mqtt?.start();
      pull?.start();
      log.info({ mqtt: Boolean(mqtt), http: Boolean(pull), keys: trust.size() }, 'downlink started');
    },
    async stop() {
      for (const t of timers) t.cancel();
      await pull?.stop();
      await mqtt?.stop();
      await deps.work.flush();
    },
  };
}

/** `downlink.mqtt`, with the url and login of the named (or the only) MQTT cloud forwarder when it gives none */
function resolveMqtt(cfg: DownlinkConfig, config: Readonly<Config>, storeId: string) {
  if (!cfg.mqtt) return undefined;
  const fwd = cfg.mqtt.forwarder ? config.cloud.forwarders.find((f) => f.name === cfg.mqtt?.forwarder && f.kind === 'mqtt') : undefined;
  if (cfg.mqtt.forwarder && !fwd) throw new Error(`downlink.mqtt.forwarder: no MQTT cloud forwarder named "${cfg.mqtt.forwarder}"`);
  const url = cfg.mqtt.url ?? fwd?.url;
  if (!url) throw new Error('downlink.mqtt: give url or forwarder');
  return {
    url,
    username: cfg.mqtt.username ?? fwd?.username,
    password: cfg.mqtt.password ?? fwd?.password,
    clientId: cfg.mqtt.clientId ?? `storegate-${storeId}-downlink`,
  };
}
