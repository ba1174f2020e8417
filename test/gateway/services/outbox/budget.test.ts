import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { until } from '../../../helpers/gateway.ts';
import { event, startOutbox, startReceiver, enqueue } from './harness.ts';

const SRC = { lock: 'storegate/s1/locker/lk-01', sess: 'storegate/s1/gateway/presence', tele: 'storegate/s1/ble-scanner/sc-01' };

describe('outbox disk budget, TTL and draining priorities', () => {
  it('drops bulk first, oldest first, during a long outage, counts it, raises one alert, and loses no critical event', async () => {
    const clock = createFakeClock();
    const rx = await startReceiver();
    rx.setAnswer(() => ({ status: 503 }));
    const { service, work, bus } = await startOutbox(clock, {
      forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }],
      budget: { maxEvents: 2000, maxBytes: 0 },
      batchSize: 500,
    });
    const alerts: unknown[] = [];
    bus.on('test', 'alert.outbox.budget-exceeded', (e) => void alerts.push(e.data));
    const critical: string[] = [];
    const bulk: string[] = [];
    // ten hours of outage, five minutes at a time: per minute 1 locker event, 2 session events, 10 telemetry events
    for (let step = 0; step < 120; step++) {
      await work.run(async (w) => {
        for (let i = 0; i < 5; i++) {
          const m = step * 5 + i;
          const c = event('locker.parcel.loaded', SRC.lock, m);
          critical.push(c.id);
          await enqueue(w, [c], { priority: 'critical' });
          await enqueue(w, [event('presence.session.ended', SRC.sess, 2 * m), event('presence.session.ended', SRC.sess, 2 * m + 1)]);
          const t = Array.from({ length: 10 }, (_, k) => event('device.status', SRC.tele, 10 * m + k));
          bulk.push(...t.map((e) => e.id));
          await enqueue(w, t, { priority: 'bulk' });
        }
      });
      clock.advance(5 * 60_000);
      await service.idle();
      await service.maintain();
    }
    const st = await service.status();
    expect(st.backlog.events).toBe(2000);
    // the budget alert itself is a critical event on its way to the cloud
    expect(st.backlog.byClass).toMatchObject({ critical: { events: 601 }, normal: { events: 1200 }, bulk: { events: 199 } });
    expect(st.dropped.budget).toEqual({ critical: 0, normal: 0, bulk: 5801 });
    expect(st.budget).toMatchObject({ over: false, alertRaised: true });
    expect(alerts).toHaveLength(1);

    rx.setAnswer(() => ({ status: 200 }));
    await until(
      async () => {
        clock.advance(60_000);
        await service.idle();
        return rx.received.length >= 2000;
      },
      10_000,
      'the backlog drained',
    );
    const got = new Set(rx.received.map((e) => e.id));
    expect(critical.every((id) => got.has(id))).toBe(true);
    expect(rx.received.filter((e) => e.type === 'storegate.device.status').map((e) => e.id)).toEqual(bulk.slice(-199));
    expect(rx.received.filter((e) => e.type === 'storegate.alert.outbox.budget-exceeded')).toHaveLength(1);
  });

  it('never drops critical events, even when they alone exceed the budget', async () => {
    const clock = createFakeClock();
    const rx = await startReceiver();
    rx.setAnswer(() => ({ status: 503 }));
    const { service, work } = await startOutbox(clock, {
      forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }],
      budget: { maxEvents: 10, maxBytes: 4000 },
    });
    await work.run(async (w) =>
      enqueue(
        w,
        Array.from({ length: 30 }, (_, i) => event('locker.door.forced', SRC.lock, i)),
        { priority: 'critical' },
      ),
    );
    await work.run(async (w) => enqueue(w, [event('presence.session.ended', SRC.sess, 0)]));
    await service.idle();
    await service.maintain();
    const st = await service.status();
    expect(st.backlog.byClass.critical.events).toBe(31); // 30 + the budget alert
    expect(st.dropped.budget).toEqual({ critical: 0, normal: 1, bulk: 0 });
    expect(st.budget.over).toBe(true);
  });

  it('expires events past their class TTL and counts them', async () => {
    const clock = createFakeClock();
    const rx = await startReceiver();
    rx.setAnswer(() => ({ status: 503 }));
    const { service, work } = await startOutbox(clock, {
      forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }],
      ttlSeconds: { critical: 0, normal: 3600, bulk: 600 },
    });
    await work.run(async (w) => {
      await enqueue(w, [event('locker.parcel.loaded', SRC.lock, 0)], { priority: 'critical' });
      await enqueue(w, [event('presence.session.ended', SRC.sess, 0)], { priority: 'normal' });
      await enqueue(w, [event('device.status', SRC.tele, 0), event('device.status', SRC.tele, 1)], { priority: 'bulk' });
    });
    clock.advance(601_000);
    await service.idle();
    await service.maintain();
    expect((await service.status()).dropped.ttl).toEqual({ critical: 0, normal: 0, bulk: 2 });
    clock.advance(3_000_000);
    await service.idle();
    await service.maintain();
    const st = await service.status();
    expect(st.dropped.ttl).toEqual({ critical: 0, normal: 1, bulk: 2 });
    expect(st.backlog.byClass.critical.events).toBe(1);
  });

  it('sends live critical and session events in the first batch after an outage, ahead of the telemetry backlog', async () => {
    const clock = createFakeClock();
    const rx = await startReceiver();
    rx.setAnswer(() => ({ status: 503 }));
    const { service, work } = await startOutbox(clock, { forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }], batchSize: 50 });
    await work.run(async (w) =>
      enqueue(
        w,
        Array.from({ length: 1000 }, (_, i) => event('device.status', SRC.tele, i)),
        { priority: 'bulk' },
      ),
    );
    await until(() => rx.requests.length >= 1, 5000, 'a failed attempt');
    await service.idle();
    const live = [event('presence.session.started', SRC.sess, 0), event('locker.parcel.loaded', SRC.lock, 0)];
    await work.run(async (w) => enqueue(w, live));
    await service.idle();
    rx.setAnswer(() => ({ status: 200 }));
    const before = rx.requests.length;
    clock.advance(10 * 60_000);
    await until(() => rx.received.length > 0, 5000, 'the first delivered batch');
    const first = rx.requests[before];
    expect(first?.status).toBe(200);
    expect(first?.events.map((e) => e.id)).toEqual(expect.arrayContaining(live.map((e) => e.id)));
    expect(first?.events).toHaveLength(50);
  });
});
