import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createFakeClock, systemClock } from '../../../../gateway/clock.ts';
import { ADMIN_TOKEN, until } from '../../../helpers/gateway.ts';
import { event, startOutbox, startReceiver, enqueue } from './harness.ts';

async function adminApi(plugin: NonNullable<Awaited<ReturnType<typeof startOutbox>>['service']['http']>) {
  const app = Fastify();
  await app.register(plugin);
  return (method: 'GET' | 'POST', url: string, payload?: object) =>
    app
      .inject({ method, url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, ...(payload ? { payload } : {}) })
      .then((r) => ({ status: r.statusCode, body: r.json() }));
}

describe('outbox poison and throttling', () => {
  it('dead-letters events of a type the receiver refuses with 400 and keeps delivering the rest', async () => {
    const rx = await startReceiver();
    let refuse = true;
    rx.setAnswer((events) =>
      refuse && events.some((e) => e.type === 'storegate.locker.bad-report') ? { status: 400, body: 'unknown event type' } : { status: 200 },
    );
    const { service, work } = await startOutbox(systemClock, { forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }], batchSize: 16 });
    const events = Array.from({ length: 40 }, (_, i) => event(i % 7 === 3 ? 'locker.bad-report' : 'locker.parcel.loaded', 'storegate/s1/locker/lk-01', i));
    const bad = events.filter((e) => e.type === 'locker.bad-report').map((e) => e.id);
    await work.run(async (w) => enqueue(w, events));
    await until(() => rx.received.length === events.length - bad.length, 5000, 'the good events');
    await until(async () => (await service.status()).backlog.events === 0, 5000, 'empty outbox');

    const api = await adminApi(service.http);
    const st = await api('GET', '/api/v1/outbox');
    expect(st.body).toMatchObject({ deadLetters: bad.length, forwarders: [{ name: 'cloud', state: 'up', deadLetters: bad.length }] });
    const dl = await api('GET', '/api/v1/outbox/dead-letters');
    expect(dl.body.items.map((d: { id: string }) => d.id).sort()).toEqual([...bad].sort());
    expect(dl.body.items[0].reason).toBe('HTTP 400: unknown event type');
    expect(rx.received.map((e) => e.data.seq)).toEqual(events.filter((e) => !bad.includes(e.id)).map((e) => (e.data as { seq: number }).seq));

    refuse = false;
    expect((await api('POST', '/api/v1/outbox/dead-letters/retry', {})).body).toEqual({ retried: bad.length });
    await until(() => rx.received.length === events.length, 5000, 'the retried dead letters');
    expect(
      rx.received
        .filter((e) => e.type === 'storegate.locker.bad-report')
        .map((e) => e.id)
        .sort(),
    ).toEqual([...bad].sort());
    expect((await api('GET', '/api/v1/outbox')).body.deadLetters).toBe(0);
  });

  it('waits for the Retry-After of a 429 before sending again', async () => {
    const clock = createFakeClock();
    const rx = await startReceiver();
    rx.setAnswer(() => (rx.requests.length === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 }));
    const { service, work } = await startOutbox(clock, { forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }], backoff: { initialMs: 1000 } });
    const e = event('locker.parcel.loaded', 'storegate/s1/locker/lk-01', 0);
    await work.run(async (w) => enqueue(w, [e]));
    await until(() => rx.requests.length === 1, 5000, 'the throttled request');
    await service.idle();
    const st = (await service.status()).forwarders[0];
    expect(st).toMatchObject({ state: 'retrying', lastError: 'HTTP 429' });
    expect(Date.parse(st?.nextAttemptAt ?? '')).toBe(clock.now() + 120_000);

    clock.advance(119_000);
    await service.idle();
    expect(rx.requests.length).toBe(1);
    clock.advance(1_000);
    await until(() => rx.received.length === 1, 5000, 'the retried request');
    expect(rx.received[0]?.id).toBe(e.id);
  });

  it('retries 5xx, 408 and a wrong token instead of dead-lettering', async () => {
    const rx = await startReceiver();
    const answers = [503, 408, 401, 500];
    rx.setAnswer(() => ({ status: answers[rx.requests.length] ?? 200 }));
    const { service, work } = await startOutbox(systemClock, {
      forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }],
      backoff: { initialMs: 5, maxMs: 20 },
    });
    await work.run(async (w) => enqueue(w, [event('order.intent.created', 'storegate/s1/gateway/orders', 0)]));
    await until(() => rx.received.length === 1, 5000, 'delivery after four failures');
    expect(rx.requests.map((r) => r.status)).toEqual([503, 408, 401, 500, 200]);
    expect((await service.status()).deadLetters).toBe(0);
  });
});
