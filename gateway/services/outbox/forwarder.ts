import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log.ts';
import type { Db } from '../../store/db.ts';
import { backoffDelay, type CircuitState } from './backoff.ts';
import type { OutboxMetrics } from './metrics.ts';
import { ack, deadLetter, nextBatch, type OutboxItem } from './repository.ts';
import type { SendResult, Sender } from './sender.ts';

export interface ForwarderStatus {
  name: string;
  kind: 'http' | 'mqtt';
  state: CircuitState;
  /** when the current outage began (first failed attempt); null while up */
  downSince: string | null;
  consecutiveFailures: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  sent: number;
  deadLettered: number;
  /** events acknowledged per second over the last minute */
  sendRate: number;
}

export interface ForwarderOptions {
  name: string;
  kind: 'http' | 'mqtt';
  sender: Sender;
  db: Db;
  clock: Clock;
  log: Logger;
  metrics: OutboxMetrics;
  batchSize: number;
  shares: { normal: number; bulk: number };
  backoff: { initialMs: number; maxMs: number; jitter: number; downAfterFailures: number; maxRetryAfterMs: number };
  random: () => number;
}

/**
 * One drain loop per forwarder: take a batch, send it, acknowledge what was acknowledged, dead-letter the
 * poison, and on failure wait (exponential backoff with jitter, or Retry-After) before trying again. The
 * circuit is `up` until a send fails, `retrying` after that, `down` after `downAfterFailures` in a row.
 */
export function createForwarder(o: ForwarderOptions) {
  const log = o.log.child({ forwarder: o.name });
  let state: CircuitState = 'up';
  let downSince: number | null = null;
  let failures = 0;
  let nextAttemptAt: number | null = null;
  let lastError: string | null = null;
  let sent = 0;
  let deadLettered = 0;
  const window: Array<[number, number]> = [];
  let timer: { cancel(): void } | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const setState = (s: CircuitState) => {
    state = s;
    for (const k of ['up', 'retrying', 'down'] as const) o.metrics.state.set({ forwarder: o.name, state: k }, k === s ? 1 : 0);
    o.metrics.downSince.set({ forwarder: o.name }, downSince ? downSince / 1000 : 0);
  };
  setState('up');

  function wake() {
    if (stopped || timer) return;
    if (running) {
      again = true;
      return;
    }
    running = loop().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        wake();
      }
    });
  }

  function fail(reason: string, afterMs?: number) {
    if (stopped) return;
    failures += 1;
    lastError = reason;
    downSince ??= o.clock.now();
    const delay = afterMs !== undefined ? Math.min(afterMs, o.backoff.maxRetryAfterMs) : backoffDelay(failures, o.backoff, o.random);
    nextAttemptAt = o.clock.now() + delay;
    o.metrics.failures.inc({ forwarder: o.name });
    setState(failures >= o.backoff.downAfterFailures ? 'down' : 'retrying');
    if (failures === 1 || failures === o.backoff.downAfterFailures) log.warn({ reason, failures, retryInMs: delay }, 'cloud forwarding failed; retrying');
    again = false;
    timer = o.clock.setTimeout(() => {
      timer = undefined;
      nextAttemptAt = null;
      wake();
    }, delay);
  }

  function recovered() {
    if (state !== 'up') log.info({ downSince: downSince && new Date(downSince).toISOString(), failures }, 'cloud forwarding recovered');
    failures = 0;
    downSince = null;
    lastError = null;
    setState('up');
  }

  async function record(r: SendResult) {
    if (r.acked.length || r.poison.length) {
      await o.db.transaction(async (tx) => {
        await ack(tx, o.name, r.acked);
        const byReason = new Map<string, OutboxItem[]>();
        for (const p of r.poison) byReason.set(p.reason, [...(byReason.get(p.reason) ?? []), p.item]);
        for (const [reason, list] of byReason) await deadLetter(tx, o.name, list, reason, o.clock.now());
      });
    }
    if (r.acked.length) {
      sent += r.acked.length;
      window.push([o.clock.now(), r.acked.length]);
      o.metrics.sent.inc({ forwarder: o.name }, r.acked.length);
    }
    if (r.poison.length) {
      deadLettered += r.poison.length;
      o.metrics.deadLetters.inc({ forwarder: o.name }, r.poison.length);
      log.warn({ events: r.poison.length, reason: r.poison[0]?.reason, type: r.poison[0]?.item.type }, 'cloud refused events: dead-lettered');
    }
  }

  /**
   * Sends are strictly one after another (that is what keeps each source in order), but the database work
   * overlaps the network: the next batch is read, and the previous one acknowledged, while a batch is on the wire.
   */
  async function loop() {
    const cursor = [0, 0, 0];
    const take = (items: OutboxItem[]) => {
      for (const i of items) cursor[i.rank] = Math.max(cursor[i.rank] ?? 0, i.seq);
      return items;
    };
    let acking: Promise<void> = Promise.resolve();
    try {
      let items = take(await nextBatch(o.db, o.name, o.batchSize, o.shares, cursor));
      while (!stopped && items.length) {
        const sending = o.sender.send(items);
        const prefetch = nextBatch(o.db, o.name, o.batchSize, o.shares, [...cursor]);
        const r = await sending;
        await acking;
        acking = record(r);
        if (r.retry) {
          await acking;
          await prefetch.catch(() => {});
          return fail(r.retry.reason, r.retry.afterMs);
        }
        recovered();
        items = take(await prefetch);
      }
      await acking;
    } catch (err) {
      await acking.catch(() => {});
      log.error({ err }, 'outbox drain failed');
      fail((err as Error).message);
    }
  }

  return {
    name: o.name,
    wake,
    status(): ForwarderStatus {
      const now = o.clock.now();
      while (window.length && (window[0]?.[0] ?? now) < now - 60_000) window.shift();
      return {
        name: o.name,
        kind: o.kind,
        state,
        downSince: downSince === null ? null : new Date(downSince).toISOString(),
        consecutiveFailures: failures,
        nextAttemptAt: nextAttemptAt === null ? null : new Date(nextAttemptAt).toISOString(),
        lastError,
        sent,
        deadLettered,
        sendRate: window.reduce((s, [, n]) => s + n, 0) / 60,
      };
    },
    /** resolves when the loop is idle (tests, shutdown) */
    idle: () => running ?? Promise.resolve(),
    async stop() {
      stopped = true;
      timer?.cancel();
      timer = undefined;
      await o.sender.close();
      await running;
    },
  };
}

export type Forwarder = ReturnType<typeof createForwarder>;
