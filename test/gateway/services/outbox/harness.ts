import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Value from 'typebox/value';
import { onTestFinished } from 'vitest';
import type { DomainEvent } from '../../../../gateway/bus/events.ts';
import type { Clock } from '../../../../gateway/clock.ts';
import type { Priority } from '../../../../gateway/store/outbox.ts';
import type { Work } from '../../../../gateway/store/unit-of-work.ts';
import { type CloudConfig, CloudConfigSchema } from '../../../../gateway/services/outbox/config.ts';
import { createOutboxService } from '../../../../gateway/services/outbox/service.ts';
import { ADMIN_TOKEN, tempDir } from '../../../helpers/gateway.ts';
import { serviceDeps, startAlone } from '../../../helpers/service-deps.ts';

/** A cloud config with the schema's defaults under the test's own keys. */
export function cloudConfig(partial: Record<string, unknown>): CloudConfig {
  return Value.Convert(CloudConfigSchema, Value.Default(CloudConfigSchema, Value.Clone(partial))) as CloudConfig;
}

/** The outbox service alone, over a real SQLite file, a real bus and the given clock. Stopped at test end. */
export async function startOutbox(clock: Clock, cloud: Record<string, unknown>, dir = tempDir()) {
  const config = cloudConfig(cloud);
  const deps = await serviceDeps({ clock, dir, storeId: 's1', adminToken: ADMIN_TOKEN, cloud: config });
  const { db, bus, metrics, work, outbox } = deps;
  let seed = 42;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const service = createOutboxService(deps, config, { random });
  const stop = await startAlone(deps, service);
  return { service, db, bus, metrics, dir, stop, work, outbox };
}

/** Events as a capability commits them, inside `work.run(async (w) => …)`: routed ones (or all, with a class) to the outbox. */
export function enqueue(w: Work, events: DomainEvent[], opts: { priority?: Priority } = {}) {
  for (const e of events) w.emit(e, opts);
}

let n = 0;
/** A domain event as a capability would make it; `id` stable, `seq` in data for order checks. */
export function event(type: string, source: string, seq: number): DomainEvent {
  return { specversion: '1.0', id: `ev-${source}-${seq}-${++n}`, source, type, time: new Date(Date.UTC(2026, 0, 1)).toISOString(), data: { seq } };
}

export interface ReceivedEvent {
  id: string;
  source: string;
  type: string;
  sequence: string;
  data: { seq: number };
}

type Answer = { status: number; headers?: Record<string, string>; body?: string };

/**
 * A real HTTP receiver on port 0. `answer` decides each request's reply (default 200); every event of a
 * 2xx-answered request is recorded in arrival order. It can go down (close) and come back on the same port.
 */
export async function startReceiver() {
  const received: ReceivedEvent[] = [];
  const requests: { events: ReceivedEvent[]; status: number; auth?: string | undefined; contentType?: string | undefined }[] = [];
  let answer: (events: ReceivedEvent[], req: IncomingMessage) => Answer = () => ({ status: 200 });
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const events = JSON.parse(body) as ReceivedEvent[];
    const a = answer(events, req);
    requests.push({ events, status: a.status, auth: req.headers.authorization, contentType: req.headers['content-type'] });
    if (a.status >= 200 && a.status < 300) received.push(...events);
    res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '');
  };
  let server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  onTestFinished(close);
  return {
    url: `http://127.0.0.1:${port}/events`,
    received,
    requests,
    setAnswer(fn: typeof answer) {
      answer = fn;
    },
    down: close,
    async up() {
      server = createServer(handler);
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
}

/** Unique ids in first-arrival order, and whether each source's `data.seq` is increasing in that order. */
export function dedupe(events: ReceivedEvent[]) {
  const seen = new Map<string, ReceivedEvent>();
  for (const e of events) if (!seen.has(e.id)) seen.set(e.id, e);
  const unique = [...seen.values()];
  const last = new Map<string, number>();
  let inOrder = true;
  for (const e of unique) {
    if ((last.get(e.source) ?? -1) >= e.data.seq) inOrder = false;
    last.set(e.source, e.data.seq);
  }
  return { unique, inOrder };
}
