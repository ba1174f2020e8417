import type { Clock } from '../../clock.ts';
import { parseRetryAfter } from './backoff.ts';
import type { OutboxItem } from './repository.ts';
import type { SendResult, Sender } from './sender.ts';

type Answer = { kind: 'ok' } | { kind: 'poison'; reason: string } | { kind: 'retry'; reason: string; afterMs?: number };

/**
 * HTTP POST of CloudEvents 1.0 in batched mode (`application/cloudevents-batch+json`, a JSON array of the
 * structured events). Only a 2xx acknowledges. 408, 429 and 5xx are retried (429 after its Retry-After);
 * 401/403 too, because they say the token is wrong, not the events. Any other 4xx refuses the batch: it is
 * split in halves until the refused events are alone, so one bad event goes to dead letter and the rest
 * is delivered, in order.
 */
export function createHttpSender(o: { url: string; token?: string | undefined; timeoutMs: number; clock: Clock }): Sender {
  const inflight = new Set<AbortController>();

  async function post(items: OutboxItem[]): Promise<Answer> {
    const ac = new AbortController();
    inflight.add(ac);
    const timer = setTimeout(() => ac.abort(new Error(`no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/cloudevents-batch+json; charset=utf-8',
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        },
        body: `[${items.map((i) => i.body).join(',')}]`,
        signal: ac.signal,
      });
      const text = await res.text().catch(() => '');
      const s = res.status;
      if (s >= 200 && s < 300) return { kind: 'ok' };
      const reason = `HTTP ${s}${text ? `: ${text.slice(0, 200)}` : ''}`;
      if (s === 429) {
        const afterMs = parseRetryAfter(res.headers.get('retry-after'), o.clock.now());
        return { kind: 'retry', reason, ...(afterMs !== undefined ? { afterMs } : {}) };
      }
      if (s === 408 || s === 401 || s === 403 || s < 400 || s >= 500) return { kind: 'retry', reason };
      return { kind: 'poison', reason };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      return { kind: 'retry', reason: e.cause?.code ?? e.cause?.message ?? e.message };
    } finally {
      clearTimeout(timer);
      inflight.delete(ac);
    }
  }

  async function send(items: OutboxItem[]): Promise<SendResult> {
    const a = await post(items);
    if (a.kind === 'ok') return { acked: items, poison: [] };
    if (a.kind === 'retry') return { acked: [], poison: [], retry: { reason: a.reason, ...(a.afterMs !== undefined ? { afterMs: a.afterMs } : {}) } };
    if (items.length === 1) return { acked: [], poison: [{ item: items[0] as OutboxItem, reason: a.reason }] };
    const mid = Math.ceil(items.length / 2);
    const left = await send(items.slice(0, mid));
    if (left.retry) return left;
    const right = await send(items.slice(mid));
    return { acked: [...left.acked, ...right.acked], poison: [...left.poison, ...right.poison], ...(right.retry ? { retry: right.retry } : {}) };
  }

  return {
    send,
    async close() {
      for (const ac of inflight) ac.abort(new Error('outbox stopping'));
    },
  };
}
