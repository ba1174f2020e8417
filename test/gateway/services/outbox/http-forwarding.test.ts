import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../../gateway/clock.ts';
import { until } from '../../../helpers/gateway.ts';
import { dedupe, event, startOutbox, startReceiver, enqueue } from './harness.ts';

const fastBackoff = { initialMs: 20, maxMs: 200, jitter: 0.5, downAfterFailures: 3 };

describe('outbox → HTTP CloudEvents receiver', () => {
  it('delivers every event after the receiver comes back from an outage, in order per source, with no loss', async () => {
    const rx = await startReceiver();
    const { service, work } = await startOutbox(systemClock, {
      forwarders: [{ name: 'cloud', kind: 'http', url: rx.url, token: 'cloud-token' }],
      batchSize: 50,
      backoff: fastBackoff,
    });
    const sources = ['storegate/s1/locker/lk-01', 'storegate/s1/locker/lk-02', 'storegate/s1/gateway/presence'];
    const next = new Map<string, number>();
    const all: string[] = [];
    const produce = async (rounds: number) => {
      for (let r = 0; r < rounds; r++) {
        const events = sources.map((s) => {
          const seq = next.get(s) ?? 0;
          next.set(s, seq + 1);
          return event(s.includes('presence') ? 'presence.session.ended' : 'locker.parcel.loaded', s, seq);
        });
        all.push(...events.map((e) => e.id));
        await work.run(async (w) => enqueue(w, events));
      }
    };

    await produce(20);
    await until(() => rx.received.length === 60, 5000, 'first events');
    await rx.down();
    await produce(100);
    await until(async () => (await service.status()).forwarders[0]?.state === 'down', 5000, 'circuit down');
    const down = await service.status();
    expect(down.forwarders[0]?.downSince).not.toBeNull();
    expect(down.backlog.events).toBe(300);
    await rx.up();
    await produce(30);
    await until(() => new Set(rx.received.map((e) => e.id)).size === all.length, 10_000, 'every event delivered');

    const { unique, inOrder } = dedupe(rx.received);
    expect(unique.map((e) => e.id).sort()).toEqual([...all].sort());
    expect(inOrder).toBe(true);
    expect(rx.requests.every((r) => r.auth === 'Bearer cloud-token' && r.contentType?.startsWith('application/cloudevents-batch+json'))).toBe(true);
    expect(unique[0]).toMatchObject({ specversion: '1.0', type: 'storegate.locker.parcel.loaded', datacontenttype: 'application/json' });
    await until(async () => (await service.status()).backlog.events === 0, 5000, 'empty outbox');
    const st = await service.status();
    expect(st.forwarders[0]).toMatchObject({ state: 'up', downSince: null, sent: all.length });
  });

  it('stamps each source with its own gap-free sequence', async () => {
    const rx = await startReceiver();
    const { work } = await startOutbox(systemClock, { forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }] });
    const a = [0, 1, 2].map((i) => event('locker.door.opened', 'storegate/s1/locker/a', i));
    const b = [0, 1].map((i) => event('locker.door.opened', 'storegate/s1/locker/b', i));
    await work.run(async (w) => enqueue(w, [a[0]!, b[0]!, a[1]!]));
    await work.run(async (w) => enqueue(w, [b[1]!, a[2]!, a[0]!]));
    await until(() => rx.received.length === 5, 5000, 'five events');
    const seqOf = (src: string) => rx.received.filter((e) => e.source === src).map((e) => e.sequence);
    expect(seqOf('storegate/s1/locker/a')).toEqual(['0000000000000001', '0000000000000002', '0000000000000003']);
    expect(seqOf('storegate/s1/locker/b')).toEqual(['0000000000000001', '0000000000000002']);
  });

  it('writes nothing to the cloud when the producing transaction rolls back', async () => {
    const rx = await startReceiver();
    const { service, work } = await startOutbox(systemClock, { forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }] });
    await expect(
      work.run(async (w) => {
        await enqueue(w, [event('locker.parcel.loaded', 'storegate/s1/locker/lk-01', 0)]);
        throw new Error('compartment jammed');
      }),
    ).rejects.toThrow('compartment jammed');
    const ok = event('locker.parcel.loaded', 'storegate/s1/locker/lk-01', 1);
    await work.run(async (w) => enqueue(w, [ok]));
    await until(() => rx.received.length === 1, 5000, 'the committed event');
    await service.idle();
    expect(rx.received.map((e) => e.id)).toEqual([ok.id]);
  });

  it('sends what a unit of work commits, once, by its route; nothing emitted on the bus alone goes to the cloud', async () => {
    const rx = await startReceiver();
    const { service, work, bus } = await startOutbox(systemClock, { forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }] });
    const e = event('locker.parcel.picked-up', 'storegate/s1/locker/lk-01', 0);
    const alert = event('alert.device.offline', 'storegate/s1/gateway/health', 0);
    const unrouted = event('presence.zone.dwell', 'storegate/s1/gateway/presence', 0);
    const busOnly = event('locker.parcel.loaded', 'storegate/s1/locker/lk-01', 1);
    const seen: string[] = [];
    bus.on('test', '*', (x) => void seen.push(x.id));
    await work.run(async (w) => {
      w.emit(e);
      w.emit(alert);
      w.emit(unrouted);
    });
    // the same id again (a replayed fact) is queued once
    await work.run(async (w) => w.emit(e));
    bus.emit(busOnly);
    await until(() => rx.received.length >= 2, 5000, 'two events');
    await service.idle();
    await until(async () => (await service.status()).backlog.events === 0, 5000, 'empty outbox');
    expect(rx.received.map((x) => x.id).sort()).toEqual([e.id, alert.id].sort());
    expect(rx.received.find((x) => x.id === alert.id)).toMatchObject({ priority: 'critical' });
    // every committed event reached the bus after COMMIT, routed or not
    expect(seen).toEqual([e.id, alert.id, unrouted.id, e.id, busOnly.id]);
  });
});

describe('outbox with several forwarders', () => {
  it('keeps an event until every forwarder has delivered it, each at its own pace', async () => {
    const a = await startReceiver();
    const b = await startReceiver();
    b.setAnswer(() => ({ status: 503 }));
    const { service, work } = await startOutbox(systemClock, {
      forwarders: [
        { name: 'primary', kind: 'http', url: a.url },
        { name: 'analytics', kind: 'http', url: b.url },
      ],
      backoff: fastBackoff,
    });
    const events = [0, 1, 2].map((i) => event('locker.parcel.loaded', 'storegate/s1/locker/lk-01', i));
    await work.run(async (w) => enqueue(w, events));
    await until(() => a.received.length === 3, 5000, 'primary delivered');
    await until(async () => (await service.status()).forwarders[1]?.state !== 'up', 5000, 'analytics failing');
    const st = await service.status();
    expect(st.backlog.events).toBe(3);
    expect(st.forwarders.map((f) => [f.name, f.pending])).toEqual([
      ['primary', 0],
      ['analytics', 3],
    ]);
    b.setAnswer(() => ({ status: 200 }));
    await until(() => b.received.length === 3, 5000, 'analytics delivered');
    await until(async () => (await service.status()).backlog.events === 0, 5000, 'empty outbox');
    expect(a.received.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });
});
