import { deviceSource, deviceTopic, gatewaySource } from '../../devices/topics.ts';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Bus } from '../bus/bus.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import type { Ingest } from '../ingest/ingest.ts';
import { createThrottledWarn } from '../ingest/throttle.ts';
import type { Logger } from '../log.ts';
import { counter, gauge, type Registry as Metrics } from '../metrics.ts';
import type { Registry } from '../registry/registry.ts';
import { secretMatchesPlain } from './secrets.ts';
import { canPublish, canSubscribe, type Principal } from './acl.ts';
import type { Broker, DeviceLink } from './link.ts';
import { startListeners } from './listeners.ts';

type SgClient = Client & { sg?: Principal };

/**
 * A commit acknowledges a whole batch at once: each client's PUBACKs of that commit leave in one socket write
 * (corked until the next tick) instead of one write each.
 */
const corked = new Set<{ cork(): void; uncork(): void }>();
const uncorkAll = () => {
  for (const s of corked) s.uncork();
  corked.clear();
};
function corkUntilNextTick(stream: unknown) {
  const s = stream as { cork?: () => void; uncork(): void };
  if (typeof s?.cork !== 'function' || corked.has(s as never)) return;
  s.cork();
  if (corked.size === 0) process.nextTick(uncorkAll);
  corked.add(s as never);
}

/** The embedded aedes broker: device auth, per-device ACL, and ingest before PUBACK. It listens at `start()`. */
export async function createEmbeddedBroker(deps: {
  config: Pick<Config, 'storeId' | 'mqtt' | 'service' | 'homeAssistant'>;
  ingest: Ingest;
  registry: Registry;
  bus: Bus;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
}): Promise<Broker & { aedes: Aedes }> {
  const { config, ingest, registry, bus, clock } = deps;
  const { storeId } = config;
  const log = deps.log.child({ module: 'broker' });
  const warn = createThrottledWarn(log, clock);
  const authFailures = counter(deps.metrics, 'storegate_broker_auth_failures_total', 'Refused MQTT connects', ['reason']);
  const aclDenied = counter(deps.metrics, 'storegate_broker_acl_denied_total', 'Refused publishes and subscribes', ['action', 'reason']);
  const clientsGauge = gauge(deps.metrics, 'storegate_broker_clients', 'Connected MQTT clients');

  const MAX_QOS0_IN_FLIGHT = 5000;
  let qos0InFlight = 0;
  const aedes = await Aedes.createBroker({ maxClientsIdLength: 128, concurrency: 1000, id: `storegate-${storeId}` });

  // MQTT-3.1.3-8: a zero-length client id is only allowed with a clean session. aedes 1.2 would accept it and
  // give it a random id: a persistent session nobody can resume, queuing messages forever. preConnect sees the
  // packet but cannot send a CONNACK code, so it marks the client and authenticate answers CONNACK 2.
  aedes.preConnect = (client: SgClient & { sgEmptyId?: boolean }, packet, done) => {
    if (!packet.clientId && packet.clean === false) client.sgEmptyId = true;
    done(null, true);
  };

  aedes.authenticate = (client: SgClient & { sgEmptyId?: boolean }, username, password, done) => {
    const refuse = (reason: string) => {
      authFailures.inc({ reason });
      warn(`auth:${username ?? client.id}:${reason}`, { clientId: client.id, username, reason }, 'mqtt connect refused');
      const returnCode = reason === 'empty_client_id' ? 2 : reason === 'not_authorized' ? 5 : 4;
      done(Object.assign(new Error(reason), { returnCode }), false);
    };
    if (client.sgEmptyId) return refuse('empty_client_id');
    if (!username) {
      if (!config.mqtt.allowAnonymous) return refuse('anonymous');
      client.sg = { role: 'anonymous' };
      return done(null, true);
    }
    const secret = password?.toString('utf8') ?? '';
    if (username === config.service.username) {
      if (config.service.password && secretMatchesPlain(secret, config.service.password)) {
        client.sg = { role: 'service', name: username };
        return done(null, true);
      }
      return refuse('bad_secret');
    }
    const ha = config.homeAssistant;
    if (ha.enabled && username === ha.username) {
      if (ha.password && secretMatchesPlain(secret, ha.password)) {
        client.sg = { role: 'observer', name: username, prefixes: [`${ha.discoveryPrefix}/`, `${gatewaySource(storeId, 'homeassistant')}/`] };
        return done(null, true);
      }
      return refuse('bad_secret');
    }
    registry.authenticate(username, secret).then(
      (r) => {
        if (!r.ok) return refuse(r.reason);
        client.sg = { role: 'device', device: r.device };
        done(null, true);
      },
      (err) => {
        log.error({ err }, 'registry lookup failed');
        done(Object.assign(new Error('unavailable'), { returnCode: 3 }), false);
      },
    );
  };

  aedes.authorizePublish = (client: SgClient | null, packet: PublishPacket, done) => {
    // a last will published after its client is gone: recover the principal from the will's topic
    const p: Principal | undefined = client?.sg;
    if (!p) return done(new Error('not authenticated'));
    let where: ReturnType<typeof ingest.resolveTopic> | undefined;
    const denied = canPublish(p, packet.topic, storeId, (t) => {
      where = ingest.resolveTopic(t);
      return where;
    });
    if (denied) {
      aclDenied.inc({ action: 'publish', reason: denied });
      const who = p.role === 'device' ? p.device.id : p.role;
      warn(`pub:${who}:${denied}`, { deviceId: who, topic: packet.topic.slice(0, 120) }, 'mqtt publish refused');
      return done(new Error(denied));
    }
    if (p.role === 'service' || p.role === 'observer') return done(null);
    // Ingest persists the event before we return: aedes sends PUBACK only after this callback. QoS 0 has no
    // PUBACK to protect, so the client's next packets need not wait for the commit — up to a bound, after
    // which QoS 0 waits too (backpressure instead of an unbounded queue).
    const early = packet.qos === 0 && qos0InFlight < MAX_QOS0_IN_FLIGHT;
    if (early) {
      qos0InFlight++;
      done(null);
    }
    // the answer to the device (PUBACK, or a rejection on its cmd topic) goes once the outcome is durable;
    // only then does ingest put the events on the bus
    ingest
      .handle(
        {
          topic: packet.topic,
          payload: packet.payload as Buffer,
          ...(where !== undefined ? { where } : {}),
          ...(p.role === 'device' ? { device: p.device } : {}),
        },
        (r) => {
          if (!r.ok && p.role === 'device') {
            // MQTT 3.1.1 has no negative PUBACK: tell the device on its cmd topic why
            link.send(p.device.kind, p.device.id, { type: 'rejected', reason: r.reason, topic: packet.topic });
          }
          if (early) qos0InFlight--;
          else {
            if (client) corkUntilNextTick(client.conn);
            done(null);
          }
        },
      )
      .catch((err) => {
        log.error({ err }, 'ingest failed; not acknowledging');
        if (early) qos0InFlight--;
        else done(new Error('store unavailable'));
      });
  };

  aedes.authorizeSubscribe = (client: SgClient, sub, done) => {
    const p = client.sg;
    if (p && canSubscribe(p, sub.topic, storeId)) return done(null, sub);
    aclDenied.inc({ action: 'subscribe', reason: 'forbidden_topic' });
    const who = p?.role === 'device' ? p.device.id : (p?.role ?? 'unknown');
    warn(`sub:${who}`, { deviceId: who, topic: sub.topic.slice(0, 120) }, 'mqtt subscribe refused');
    done(null, null);
  };

  aedes.on('client', (client: SgClient) => {
    clientsGauge.inc();
    const p = client.sg;
    if (p?.role === 'device') {
      registry.touch(p.device.id);
      bus.emit(
        bus.make('device.connected', deviceSource(storeId, p.device.kind, p.device.id), {
          deviceId: p.device.id,
          kind: p.device.kind,
          clientId: client.id,
        }),
      );
    }
  });
  aedes.on('clientDisconnect', (client: SgClient) => {
    clientsGauge.dec();
    const p = client.sg;
    if (p?.role === 'device') {
      bus.emit(
        bus.make('device.disconnected', deviceSource(storeId, p.device.kind, p.device.id), {
          deviceId: p.device.id,
          kind: p.device.kind,
          clientId: client.id,
        }),
      );
    }
  });
  aedes.on('clientError', (client: SgClient, err) => {
    log.debug({ clientId: client.id, err: err.message }, 'mqtt client error');
  });
  aedes.on('connectionError', (_client, err) => {
    log.debug({ err: err.message }, 'mqtt connection error');
  });

  const link: DeviceLink = {
    publishRetained(topic, payload) {
      aedes.publish(
        { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true, dup: false },
        (err) => err && log.warn({ err: err.message, topic }, 'retained publish failed'),
      );
    },
    send(kind, deviceId, payload, channel = 'cmd') {
      aedes.publish(
        {
          cmd: 'publish',
          topic: deviceTopic({ storeId, kind, deviceId, channel }),
          payload: Buffer.from(JSON.stringify(payload)),
          qos: 1,
          retain: false,
          dup: false,
        },
        (err) => err && log.warn({ err: err.message, deviceId }, 'command publish failed'),
      );
    },
    async disconnectDevice(deviceId) {
      for (const c of Object.values((aedes as unknown as { clients: Record<string, SgClient> }).clients)) {
        if (c.sg?.role === 'device' && c.sg.device.id === deviceId) c.close();
      }
    },
    connectedDeviceIds() {
      return Object.values((aedes as unknown as { clients: Record<string, SgClient> }).clients).flatMap((c) =>
        c.sg?.role === 'device' ? [c.sg.device.id] : [],
      );
    },
    isReady: () => listeners !== undefined && !aedes.closed,
    async close() {
      // stop accepting first; a server's close() waits for open sockets, which aedes.close() then ends
      const closed = listeners?.stopAccepting();
      await new Promise<void>((r) => aedes.close(() => r()));
      listeners?.terminateWebSockets();
      await closed;
    },
  };

  let listeners: Awaited<ReturnType<typeof startListeners>> | undefined;
  return Object.assign(link, {
    aedes,
    async start() {
      listeners = await startListeners(config.mqtt, (stream, req) => aedes.handle(stream as never, req as never));
      log.info(listeners.ports, 'embedded broker listening');
      return listeners.ports;
    },
  });
}
