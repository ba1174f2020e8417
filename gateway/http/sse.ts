import type { ServerResponse } from 'node:http';

export interface SseLimits {
  maxClients: number;
  /** a client whose unsent bytes exceed this is dropped instead of buffered without bound */
  clientBufferBytes: number;
  /** messages kept for clients that reconnect with Last-Event-ID */
  replay: number;
}

interface Client {
  res: ServerResponse;
  id: number;
}

/**
 * Server-sent events to many dashboard clients. Each message is serialised once; messages published in the
 * same tick are written to every client in one chunk (setImmediate), so 1000 events/s cost each client a few
 * writes per second, not 1000. The gateway never waits for a client: one whose socket buffer grows past
 * `clientBufferBytes` is disconnected (its browser reconnects and catches up from the replay ring).
 */
export function createSseHub(limits: SseLimits, hooks: { dropped?: () => void } = {}) {
  const clients = new Set<Client>();
  const ring: { seq: number; text: string }[] = [];
  let seq = 0;
  let flushedSeq = 0;
  let pending = '';
  let scheduled = false;
  let nextClient = 0;

  const drop = (c: Client) => {
    clients.delete(c);
    hooks.dropped?.();
    c.res.destroy();
  };

  const write = (c: Client, chunk: string) => {
    if (c.res.destroyed || c.res.writableEnded) return void clients.delete(c);
    if (c.res.writableLength + chunk.length > limits.clientBufferBytes) return drop(c);
    c.res.write(chunk);
  };

  const flush = () => {
    scheduled = false;
    const chunk = pending;
    pending = '';
    flushedSeq = seq;
    if (!chunk) return;
    for (const c of clients) write(c, chunk);
  };

  /** publish() for a payload already serialised (one line of JSON) */
  const publishJson = (event: string, json: string) => {
    const id = ++seq;
    const text = `id: ${id}\nevent: ${event}\ndata: ${json}\n\n`;
    ring.push({ seq: id, text });
    // trim in chunks: splicing the front of the array on every message is O(replay) per event (measured as
    // the dashboard's biggest ingest cost)
    if (ring.length >= limits.replay * 2) ring.splice(0, ring.length - limits.replay);
    pending += text;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
    return id;
  };

  return {
    get size() {
      return clients.size;
    },
    get lastSeq() {
      return seq;
    },
    full: () => clients.size >= limits.maxClients,

    /** Take over a response as an event stream; replays what the client missed when it says where it was. */
    attach(res: ServerResponse, lastEventId?: string) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const c: Client = { res, id: ++nextClient };
      clients.add(c);
      res.on('close', () => clients.delete(c));
      const after = lastEventId !== undefined ? Number(lastEventId) : Number.NaN;
      let hello = `retry: 2000\n: connected\n\n`;
      if (Number.isFinite(after)) for (const m of ring) if (m.seq > after && m.seq <= flushedSeq) hello += m.text;
      // messages already queued for this tick reach the new client with the next flush
      write(c, hello);
      return c.id;
    },

    publish: (event: string, data: unknown) => publishJson(event, JSON.stringify(data)),
    publishJson,

    /** a comment line keeps proxies and the browser from timing the stream out */
    ping() {
      for (const c of clients) write(c, ': ping\n\n');
    },

    close() {
      flush();
      for (const c of clients) c.res.end();
      clients.clear();
    },
  };
}

export type SseHub = ReturnType<typeof createSseHub>;
