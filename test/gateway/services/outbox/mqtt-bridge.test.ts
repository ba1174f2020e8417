import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { tempDir, until } from '../../../helpers/gateway.ts';
import { hasMosquitto, MOSQUITTO, startMosquitto } from '../../../helpers/mosquitto.ts';
import { dedupe, event, type ReceivedEvent, startOutbox, enqueue } from './harness.ts';

const portOpen = (port: number) =>
  new Promise<boolean>((r) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      r(true);
    });
    s.on('error', () => r(false));
  });

/** The cloud side: a subscriber that resubscribes after every reconnect and counts its SUBACKs. */
function cloudSubscriber(url: string, filter: string) {
  const received: (ReceivedEvent & { topic: string })[] = [];
  let subscribed = 0;
  const client = mqtt.connect(url, { clientId: 'cloud-sub', reconnectPeriod: 50, resubscribe: false });
  client.on('connect', () => client.subscribe(filter, { qos: 1 }, (err) => !err && subscribed++));
  client.on('message', (topic, payload) => received.push({ ...(JSON.parse(payload.toString()) as ReceivedEvent), topic }));
  onTestFinished(() => new Promise<void>((r) => client.end(true, {}, () => r())));
  return { received, subscriptions: () => subscribed };
}

describe.skipIf(!hasMosquitto)('outbox → MQTT bridge to a cloud mosquitto', () => {
  it('publishes at QoS 1 to the topic template and delivers everything after the broker restarts, in order per source', async () => {
    const dir = tempDir();
    const broker = await startMosquitto(dir);
    const sub = cloudSubscriber(broker.url, 'cloud/s1/#');
    await until(() => sub.subscriptions() === 1, 5000, 'subscribed');
    const clock = createFakeClock();
    const { service, work } = await startOutbox(clock, {
      forwarders: [{ name: 'broker', kind: 'mqtt', url: broker.url, topic: 'cloud/{storeId}/{type}' }],
      batchSize: 20,
    });
    const sources = ['storegate/s1/locker/lk-01', 'storegate/s1/locker/lk-02', 'storegate/s1/gateway/presence'];
    const all: string[] = [];
    let round = 0;
    const produce = async (rounds: number) => {
      for (let r = 0; r < rounds; r++, round++) {
        const events = sources.map((s) => event('locker.parcel.loaded', s, round));
        all.push(...events.map((e) => e.id));
        await work.run(async (w) => enqueue(w, events));
      }
    };

    await produce(10);
    await until(() => sub.received.length === 30, 5000, 'first events');
    expect(sub.received[0]?.topic).toBe('cloud/s1/locker.parcel.loaded');

    broker.proc.kill('SIGTERM');
    await once(broker.proc, 'exit');
    await produce(40);
    await until(async () => (await service.status()).forwarders[0]?.state !== 'up', 5000, 'circuit open');
    expect((await service.status()).backlog.events).toBe(120);

    const again = spawn(MOSQUITTO as string, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    onTestFinished(() => void again.kill('SIGTERM'));
    await until(() => portOpen(broker.port), 5000, 'mosquitto back');
    await until(() => sub.subscriptions() === 2, 5000, 'subscriber back');
    await produce(10);
    await until(
      async () => {
        clock.advance(60_000);
        await service.idle();
        return new Set(sub.received.map((e) => e.id)).size === all.length;
      },
      10_000,
      'every event delivered',
    );
    const { unique, inOrder } = dedupe(sub.received);
    expect(unique.map((e) => e.id).sort()).toEqual([...all].sort());
    expect(inOrder).toBe(true);
    await until(async () => (await service.status()).backlog.events === 0, 5000, 'empty outbox');
    expect((await service.status()).forwarders[0]).toMatchObject({ state: 'up', kind: 'mqtt' });
  });
});
