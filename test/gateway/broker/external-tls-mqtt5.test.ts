import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDevCerts } from '../../../gateway/cli/commands/certs.ts';
import { addDevice, connectMqtt, deviceTopic, nextEvent, publish, startGateway, tempDir, until } from '../../helpers/gateway.ts';
import { hasMosquitto, startMosquitto, startMosquittoDynsec } from '../../helpers/mosquitto.ts';

describe.skipIf(!hasMosquitto)('external broker: TLS, MQTT 5 devices, CloudEvents MQTT binding', () => {
  it('connects to mosquitto over TLS, verifying it with mqtt.external.caFile', async () => {
    const dir = tempDir();
    const files = await makeDevCerts(join(dir, 'tls'), ['localhost', '127.0.0.1']);
    const service = { username: 'storegate-service', password: 'svc-pass-0123456789' };
    const tlsPort = await (await import('../../helpers/mosquitto.ts')).freePort();
    await startMosquittoDynsec(
      tempDir('storegate-mosquitto-'),
      service,
      [`listener ${tlsPort} 127.0.0.1`, `cafile ${files.caCert}`, `certfile ${files.cert}`, `keyfile ${files.key}`].join('\n'),
    );
    const gw = await startGateway({
      broker: 'embedded',
      overrides: {
        'mqtt.mode': 'external',
        'mqtt.external': { url: `mqtts://127.0.0.1:${tlsPort}`, dynamicSecurity: true, caFile: files.caCert },
        'service.password': service.password,
      },
    });
    expect((await gw.http.inject({ url: '/readyz' })).json()).toMatchObject({ checks: { broker: true } });
    const { secret } = await gw.devices.add({ id: 'lk-01', kind: 'locker' });
    const { readFileSync } = await import('node:fs');
    const device = await connectMqtt(tlsPort, {
      protocol: 'mqtts',
      ca: readFileSync(files.caCert),
      username: 'lk-01',
      password: secret,
    });
    const status = nextEvent(gw, 'device.status');
    await publish(device, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true }));
    expect((await status).data).toMatchObject({ deviceId: 'lk-01', online: true });
  });

  it('serves MQTT 5 devices on mosquitto (the embedded aedes broker speaks 3.1.1 only and refuses them)', async () => {
    const gw = await startGateway({ broker: 'mosquitto' });
    const secret = await addDevice(gw, 'mirror-1', 'mirror');
    const device = await connectMqtt(gw.ports.mqtt, { protocolVersion: 5, username: 'mirror-1', password: secret });
    const cmd: unknown[] = [];
    device.on('message', (_t, p) => cmd.push(JSON.parse(p.toString())));
    await device.subscribeAsync(deviceTopic(gw, 'mirror', 'mirror-1', 'cmd'), { qos: 1 });
    await publish(device, deviceTopic(gw, 'mirror', 'mirror-1', 'status'), JSON.stringify({ online: true, firmware: 'v5' }));
    await until(() => gw.link.connectedDeviceIds().includes('mirror-1'), 5000, 'mirror-1 online');
    gw.link.send('mirror', 'mirror-1', { type: 'hello' });
    await until(() => cmd.length === 1, 5000, 'command');

    const embedded = await startGateway({ broker: 'embedded' });
    const s2 = await addDevice(embedded, 'mirror-1', 'mirror');
    await expect(connectMqtt(embedded.ports.mqtt, { protocolVersion: 5, username: 'mirror-1', password: s2 })).rejects.toThrow();
  });

  it('bridges CloudEvents structured on MQTT 3.1.1 and binary with user properties on MQTT 5', async () => {
    const fleet = await startMosquitto(tempDir('storegate-fleet-'));
    const gw = await startGateway({
      broker: 'embedded',
      overrides: {
        'cloud.forwarders': [
          { name: 'v4', kind: 'mqtt', url: fleet.url, topic: 'fleet/v4/{typePath}' },
          { name: 'v5', kind: 'mqtt', url: fleet.url, topic: 'fleet/v5/{typePath}', protocolVersion: 5 },
        ],
        'cloud.routes': [{ match: 'device.status', priority: 'normal' }],
      },
    });
    const processor = await connectMqtt(fleet.port, { protocolVersion: 5 });
    const got: Array<{ topic: string; payload: string; props: Record<string, unknown> | undefined }> = [];
    processor.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), props: packet.properties as Record<string, unknown> }));
    await processor.subscribeAsync('fleet/#', { qos: 1 });
    const secret = await addDevice(gw, 'lk-01', 'locker');
    const device = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret });
    await publish(device, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true, msgId: 'm1' }));
    await until(() => got.length === 2, 10_000, 'both bridged');

    const v4 = got.find((g) => g.topic.startsWith('fleet/v4/'));
    expect(v4?.topic).toBe('fleet/v4/device/status');
    expect(JSON.parse(v4?.payload ?? '{}')).toMatchObject({
      specversion: '1.0',
      id: 'lk-01/status/m1',
      type: 'storegate.device.status',
      data: { online: true },
    });

    const v5 = got.find((g) => g.topic.startsWith('fleet/v5/'));
    expect(JSON.parse(v5?.payload ?? '{}')).toMatchObject({ deviceId: 'lk-01', online: true });
    expect(v5?.props?.contentType).toBe('application/json');
    expect(v5?.props?.userProperties).toMatchObject({
      specversion: '1.0',
      id: 'lk-01/status/m1',
      type: 'storegate.device.status',
      source: 'storegate/store-1/locker/lk-01',
    });
  });
});
