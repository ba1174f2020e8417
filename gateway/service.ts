import type { FastifyPluginAsync } from 'fastify';
import type { DeviceLink } from './broker/link.ts';
import type { Bus } from './bus/bus.ts';
import type { Clock } from './clock.ts';
import type { ChannelHandler, TopicMapper } from './ingest/ingest.ts';
import type { Logger } from './log.ts';
import type { Registry as Metrics } from './metrics.ts';
import type { Registry } from './registry/registry.ts';
import type { Db } from './store/db.ts';
import type { Migration } from './store/migrate.ts';
import type { Auth } from './http/auth.ts';
import type { ProductRecognizer } from './recognizer.ts';
import type { OutboxStore } from './store/outbox.ts';
import type { UnitOfWork } from './store/unit-of-work.ts';
import type { LiveCatalog } from './live-catalog.ts';

/** What the process hands a capability's factory. Each factory also receives its own config section. */
export interface ServiceDeps {
  storeId: string;
  bus: Bus;
  db: Db;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  registry: Registry;
  /** to devices' `cmd` topics, whichever broker is in use */
  link: DeviceLink;
  auth: Auth;
  /**
   * The one write path: `work.run(async (w) => …)` runs a state change in a transaction; `w.emit(event)` queues
   * the event for the cloud in that transaction when it is routed, and puts it on the bus after COMMIT.
   */
  work: UnitOfWork;
  /** the store side of the cloud outbox (routing, the rows); the forwarders are the outbox service */
  outbox: OutboxStore;
  /** on-device product recognition (the shipped ONNX model) */
  recognition: ProductRecognizer;
  /**
   * The store's catalog and stock as they are now (gateway/live-catalog.ts): the fitting room seeds it from its
   * catalog file, the downlink changes it through the unit of work; readers see every change at once.
   */
  catalog: LiveCatalog;
}

/**
 * A capability plugged into the gateway: its tables, the device channels it parses, its HTTP routes, and
 * start/stop. main.ts runs migrations and registers channels before the broker accepts connections.
 */
export interface GatewayService {
  name: string;
  migrations?: Migration[];
  channels?: ChannelHandler[];
  /** `deviceTopics`: the mapped topics a device may publish, for provisioning it on an external broker */
  topicMappers?: { mapper: TopicMapper; subscribe: string; deviceTopics?: (device: { id: string; kind: string }) => string[] }[];
  http?: FastifyPluginAsync;
  /** part of /readyz */
  ready?(): boolean;
  start(): Promise<void>;
  /**
   * Slow start-up work start() began and runs alongside the rest of the gateway's start (the recognition model):
   * the gateway's start() waits for it after HTTP listens, and fails if it fails; ready() stays false until then.
   */
  started?(): Promise<void>;
  stop(): Promise<void>;
}
