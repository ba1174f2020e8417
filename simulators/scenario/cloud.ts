import { createServer, type IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createCloudSimulator, newSigningKey } from '../cloud.ts';

export interface CloudEvent {
  id: string;
  type: string;
  source: string;
  time: string;
  data: Record<string, unknown>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/**
 * A local "cloud": an HTTP CloudEvents receiver the gateway's outbox forwards to. It de-duplicates on the
 * event id (as the real cloud must: delivery is at least once), can be taken down (503) to inject an outage,
 * and lets the scenario wait for an event (e.g. the parcel-loaded event that carries the pickup code's nonce).
 */
export async function startCloudReceiver() {
  const events = new Map<string, CloudEvent>();
  const stats = { requests: 0, refused: 0, duplicates: 0 };
  let down = false;
  const listeners = new Set<(e: CloudEvent) => void>();
  // the cloud → store side: signed stock messages the gateway pulls from GET /downlink (ETag)
  const key = newSigningKey();
  const downlink = await createCloudSimulator({ storeId: 'scenario', keyId: 'scenario-hq', privateKey: key.privateKey });

  const server = createServer(async (req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/downlink')) {
      const body = `{"messages":[${downlink.feed.join(',')}]}`;
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      if (req.headers['if-none-match'] === etag) res.writeHead(304, { etag }).end();
      else res.writeHead(200, { 'content-type': 'application/json', etag }).end(body);
      return;
    }
    if (req.method === 'GET') {
      // what left the store, for people: counts by type and the latest events (the demo prints this URL)
      const last = [...events.values()].slice(-50).reverse();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received: events.size, stats, byType: countByType(), last }, null, 2));
      return;
    }
    stats.requests++;
    const body = await readBody(req).catch(() => '');
    if (down) {
      stats.refused++;
      res.writeHead(503, { 'retry-after': '1' }).end('cloud is down (scenario fault)');
      return;
    }
    let batch: unknown;
    try {
      batch = JSON.parse(body);
    } catch {
      res.writeHead(400).end('not JSON');
      return;
    }
    for (const e of (Array.isArray(batch) ? batch : [batch]) as CloudEvent[]) {
      if (!e || typeof e.id !== 'string' || typeof e.type !== 'string') continue;
      // CloudEvents types are `storegate.<type>`; the scenario speaks the gateway's own type names
      e.type = e.type.replace(/^storegate\./, '');
      if (events.has(e.id)) stats.duplicates++;
      else {
        events.set(e.id, e);
        for (const l of listeners) l(e);
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  const countByType = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const e of events.values()) out[e.type] = (out[e.type] ?? 0) + 1;
    return out;
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/events`,
    downlink: {
      keyId: 'scenario-hq',
      publicKeyPem: key.publicKeyPem,
      feedUrl: `http://127.0.0.1:${port}/downlink`,
      /** a sale at the till took the last of a size: the store's stock is recounted to 0 */
      sellOut: async (sku: string, size: string) => void (await downlink.stock([{ sku, size, reason: 'recount', quantity: 0 }])),
    },
    stats,
    events: () => [...events.values()],
    countByType,
    setDown(d: boolean) {
      down = d;
    },
    onEvent(l: (e: CloudEvent) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    /** the first received event that matches, waiting up to `timeoutMs` */
    waitFor(match: (e: CloudEvent) => boolean, timeoutMs: number): Promise<CloudEvent> {
      const found = [...events.values()].find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const off = () => listeners.delete(l);
        const t = setTimeout(() => {
          off();
          reject(new Error(`cloud: no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        const l = (e: CloudEvent) => {
          if (!match(e)) return;
          clearTimeout(t);
          off();
          resolve(e);
        };
        listeners.add(l);
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
export type CloudReceiver = Awaited<ReturnType<typeof startCloudReceiver>>;
