import { mkdtempSync, rmSync } from 'node:fs';
import { createLiveCatalog } from '../../../gateway/live-catalog.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TSchema } from 'typebox';
import { createBus } from '../../../gateway/bus/bus.ts';
import { systemClock } from '../../../gateway/clock.ts';
import { loadConfig } from '../../../gateway/config/load.ts';
import { createAuth } from '../../../gateway/http/auth.ts';
import { coreChannels } from '../../../gateway/ingest/core-channels.ts';
import { createLogger } from '../../../gateway/log.ts';
import { createMetrics } from '../../../gateway/metrics.ts';
import { createRegistry } from '../../../gateway/registry/registry.ts';
import type { ServiceDeps } from '../../../gateway/service.ts';
import { SERVICE_FACTORIES } from '../../../gateway/services/index.ts';
import { openDb } from '../../../gateway/store/db.ts';
import { createOutboxStore } from '../../../gateway/store/outbox.ts';
import { createUnitOfWork } from '../../../gateway/store/unit-of-work.ts';
import { noRecognizer } from '../../../gateway/recognizer.ts';
import { nullLink } from '../../../gateway/broker/link.ts';

export interface ChannelInfo {
  kind: string;
  channel: string;
  schema?: TSchema;
  binary?: boolean;
  maxBytes?: number;
}

/**
 * Every device channel the gateway registers today (core + each service in SERVICE_FACTORIES), learned by
 * building the services against throwaway deps and reading their `channels`, so new capabilities are fuzzed
 * without editing this suite. Nothing is started.
 */
export async function registeredChannels(): Promise<{ channels: ChannelInfo[]; services: string[]; topicMapped: boolean }> {
  const log = createLogger({ level: 'silent' });
  const metrics = createMetrics();
  const db = await openDb(':memory:');
  const bus = createBus({ log, metrics, clock: systemClock });
  // some factories keep keys in the data dir
  const dataDir = mkdtempSync(join(tmpdir(), 'storegate-probe-'));
  const config = loadConfig({ env: {}, overrides: { dataDir } });
  const outbox = createOutboxStore({ routes: [], forwarders: [], ttlSeconds: { critical: 0, normal: 0, bulk: 0 }, clock: systemClock });
  const deps: ServiceDeps = {
    storeId: config.storeId,
    bus,
    db,
    clock: systemClock,
    log,
    metrics,
    registry: createRegistry({ db, clock: systemClock }),
    link: nullLink,
    auth: createAuth({ admin: 'probe-admin-token' }),
    outbox,
    work: createUnitOfWork({ db, bus, outbox, log, metrics, maxRows: 500 }),
    recognition: noRecognizer,
    catalog: createLiveCatalog(),
  };
  const services = SERVICE_FACTORIES.map((make) => make(deps, config));
  const channels: ChannelInfo[] = [...coreChannels(), ...services.flatMap((s) => s.channels ?? [])].map((h) => ({
    kind: h.kind,
    channel: h.channel,
    ...(h.schema ? { schema: h.schema } : {}),
    ...(h.binary ? { binary: true } : {}),
    ...(h.maxBytes ? { maxBytes: h.maxBytes } : {}),
  }));
  await db.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { channels, services: services.map((s) => s.name), topicMapped: services.some((s) => s.topicMappers?.length) };
}
