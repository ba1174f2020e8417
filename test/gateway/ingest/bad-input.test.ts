import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addDevice, connectMqtt, deviceTopic, metricValue, publish, startGateway, until } from '../../helpers/gateway.ts';

describe('ingest rejects malformed device messages', () => {
  it('rejects not-JSON, wrong schema, a 1 MB blob, binary garbage and an unknown channel with counted reasons, and accepts the next good message', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'lk-01', 'locker');
    const client = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret });
    const notices: Array<{ type: string; reason: string }> = [];
    await new Promise((r) => client.subscribe(deviceTopic(gw, 'locker', 'lk-01', 'cmd'), { qos: 1 }, r));
    client.on('message', (_t, p) => notices.push(JSON.parse(p.toString())));
    const status = deviceTopic(gw, 'locker', 'lk-01', 'status');

    await publish(client, status, 'this is not json');
    await publish(client, status, JSON.stringify({ online: 'yes' }));
    await publish(client, status, JSON.stringify({ online: true, batteryPct: 900 }));
    await publish(client, status, Buffer.alloc(1024 * 1024, 0x7b));
    await publish(client, status, randomBytes(512));
    await publish(client, deviceTopic(gw, 'locker', 'lk-01', 'nonsense'), '{}');

    expect(await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'not_json' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'schema' })).toBe(2);
    expect(await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'too_large' })).toBe(1);
    expect(await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'unknown_channel' })).toBe(1);
    expect(
      (await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'not_json' })) +
        (await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'schema' })),
    ).toBe(4);
    const n = await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM device_events');
    expect(n?.n).toBe(0);

    // still connected, and the next good message is accepted
    await publish(client, status, JSON.stringify({ online: true }));
    expect((await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM device_events'))?.n).toBe(1);
    // on an external broker the notices travel gateway → broker → device after the device's PUBACK
    await until(() => ['not_json', 'schema', 'too_large', 'unknown_channel'].every((r) => notices.some((x) => x.reason === r)), 5000, 'notices');
    expect(notices.map((x) => x.reason)).toEqual(expect.arrayContaining(['not_json', 'schema', 'too_large', 'unknown_channel']));
    const text = (await gw.http.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/storegate_ingest_rejected_total\{reason="too_large"\} 1/);
  });

  it('logs a rejection once per device per reason per minute, not once per message', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'lk-01', 'locker');
    const client = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret });
    for (let i = 0; i < 20; i++) await publish(client, deviceTopic(gw, 'locker', 'lk-01', 'status'), 'garbage');
    const warnings = gw.logs.parsed().filter((l) => l.msg === 'device message rejected' && l.reason === 'not_json');
    expect(warnings).toHaveLength(1);
    expect(await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'not_json' })).toBe(20);
  });

  it('treats a resent message with the same msgId as one event', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'lk-01', 'locker');
    const client = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret });
    const body = JSON.stringify({ msgId: 'abc-1', online: true });
    await publish(client, deviceTopic(gw, 'locker', 'lk-01', 'status'), body);
    await publish(client, deviceTopic(gw, 'locker', 'lk-01', 'status'), body);
    expect((await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM device_events'))?.n).toBe(1);
  });

  it('never writes a device secret to the log', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'lk-01', 'locker');
    await expect(connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: `${secret}-wrong` })).rejects.toThrow();
    const client = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret });
    await publish(client, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true }));
    expect(gw.logs.lines.join('\n')).not.toContain(secret);
    expect(gw.logs.lines.length).toBeGreaterThan(0);
  });
});
