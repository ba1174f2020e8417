import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSseHub } from '../../../../gateway/http/sse.ts';
import { type SseMessage, sseClient } from './sse-client.ts';
import { ADMIN_TOKEN, addDevice, connectMqtt, deviceTopic, metricValue, startGateway, until } from '../../../helpers/gateway.ts';

describe('dashboard live stream', () => {
  it('delivers every device event, in order, to each of 100 connected clients while the gateway ingests', async () => {
    const gw = await startGateway({ overrides: { 'log.level': 'info' } });
    const secret = await addDevice(gw, 'load-01', 'sensor');
    const clients = Array.from({ length: 100 }, () => [] as number[]);
    for (const got of clients) {
      const c = await sseClient(gw.ports.http, (m) => {
        const d = m.data as { type: string; deviceId: string; data: { body?: { values?: { n?: number } } } };
        if (m.event === 'event' && d.type === 'device.message') got.push(d.data.body?.values?.n ?? -1);
      });
      expect(c.status).toBe(200);
      onTestFinished(() => c.close());
    }
    const dev = await connectMqtt(gw.ports.mqtt, { username: 'load-01', password: secret });
    const topic = deviceTopic(gw, 'sensor', 'load-01', 'telemetry');
    const N = 2000;
    const started = performance.now();
    await Promise.all(Array.from({ length: N }, (_, n) => dev.publishAsync(topic, JSON.stringify({ type: 'count', values: { n } }), { qos: 1 })));
    const ingestSeconds = (performance.now() - started) / 1000;
    await until(() => clients.every((got) => got.length >= N), 30_000, 'every client to receive every event');
    const expected = Array.from({ length: N }, (_, n) => n);
    for (const got of clients) expect(got).toEqual(expected);
    expect(await metricValue(gw, 'storegate_ingest_messages_total', { channel: 'telemetry' })).toBe(N);
    expect(await metricValue(gw, 'storegate_dashboard_clients_dropped_total')).toBe(0);
    console.info(`[measure] ${N} events ingested in ${ingestSeconds.toFixed(2)} s (${Math.round(N / ingestSeconds)}/s) with 100 live dashboard clients`);
  });

  it('answers 503 once the client limit is reached', async () => {
    const gw = await startGateway({ overrides: { 'dashboard.maxClients': 2 } });
    const opened = [await sseClient(gw.ports.http, () => {}), await sseClient(gw.ports.http, () => {})];
    for (const c of opened) onTestFinished(() => c.close());
    const third = await sseClient(gw.ports.http, () => {});
    onTestFinished(() => third.close());
    expect(opened.map((c) => c.status)).toEqual([200, 200]);
    expect(third.status).toBe(503);
  });

  it('ends the live streams when the gateway stops instead of waiting for the clients', async () => {
    const gw = await startGateway();
    const ended = new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: gw.ports.http, path: '/api/v1/dashboard/stream', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
          res.on('error', () => resolve());
          void gw.stopGateway();
        },
      );
      req.on('error', reject);
      req.end();
    });
    await ended;
  });

  it('replays what a reconnecting client missed from its Last-Event-ID', async () => {
    const gw = await startGateway();
    const first: SseMessage[] = [];
    const c1 = await sseClient(gw.ports.http, (m) => first.push(m));
    for (let i = 0; i < 5; i++)
      gw.bus.emit(gw.bus.make('device.message', 'storegate/store-1/sensor/s1', { deviceId: 's1', kind: 'sensor', channel: 'telemetry', body: { i } }));
    await until(() => first.filter((m) => m.event === 'event').length === 5);
    const cut = first.filter((m) => m.event === 'event')[1]?.id ?? '';
    c1.close();
    const second: SseMessage[] = [];
    const c2 = await sseClient(gw.ports.http, (m) => second.push(m), { 'last-event-id': cut });
    onTestFinished(() => c2.close());
    await until(() => second.filter((m) => m.event === 'event').length === 3);
    expect(second.filter((m) => m.event === 'event').map((m) => (m.data as { data: { body: { i: number } } }).data.body.i)).toEqual([2, 3, 4]);
  });
});

describe('SSE hub', () => {
  /** a response whose reader never reads: its buffer only grows, like a stalled browser */
  const stalled = () => Object.assign(new PassThrough({ highWaterMark: 1024 }), { writeHead: () => {} }) as unknown as ServerResponse;
  const reading = () => {
    const chunks: string[] = [];
    const s = Object.assign(new PassThrough(), { writeHead: () => {} });
    s.on('data', (c: Buffer) => chunks.push(c.toString()));
    return { res: s as unknown as ServerResponse, text: () => chunks.join('') };
  };

  it('drops a client that stops reading instead of buffering for it, and keeps serving the others', async () => {
    let dropped = 0;
    const hub = createSseHub({ maxClients: 10, clientBufferBytes: 8192, replay: 100 }, { dropped: () => dropped++ });
    const slow = stalled();
    const fast = reading();
    hub.attach(slow);
    hub.attach(fast.res);
    for (let i = 0; i < 200; i++) {
      hub.publish('event', { i, pad: 'x'.repeat(200) });
      await new Promise((r) => setImmediate(r)); // one flush per tick, as under load
    }
    expect(dropped).toBe(1);
    expect(slow.destroyed).toBe(true);
    expect(hub.size).toBe(1);
    expect(fast.text().match(/^event: event$/gm)).toHaveLength(200);
  });
});
