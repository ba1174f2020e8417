import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { makeDevCerts } from '../../../gateway/cli/commands/certs.ts';
import { deviceTopic, startGateway, tempDir } from '../../helpers/gateway.ts';

function connect(url: string, opts: mqtt.IClientOptions) {
  return new Promise<mqtt.MqttClient>((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

describe('TLS with storegate certs dev', () => {
  it('serves MQTTS, MQTT over WSS and HTTPS with a certificate signed by the generated CA', async () => {
    const dir = tempDir();
    const files = await makeDevCerts(join(dir, 'tls'), ['localhost', '127.0.0.1']);
    const ca = readFileSync(files.caCert);
    const gw = await startGateway({
      overrides: {
        'http.tls': { certFile: files.cert, keyFile: files.key },
        'mqtt.tls': { port: 0, wsPort: 0, certFile: files.cert, keyFile: files.key },
      },
    });
    const { secret } = await gw.registry.add({ id: 'lk-01', kind: 'locker' });
    const ports = gw.ports as { tls?: number; wss?: number; http: number };

    const mqtts = await connect(`mqtts://127.0.0.1:${ports.tls}`, { username: 'lk-01', password: secret, ca, servername: 'localhost' });
    await mqtts.publishAsync(deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true }), { qos: 1 });
    mqtts.end(true);
    const wss = await connect(`wss://localhost:${ports.wss}`, { username: 'lk-01', password: secret, ca });
    await wss.publishAsync(deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true }), { qos: 1 });
    wss.end(true);
    expect((await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM device_events'))?.n).toBe(2);

    // a client that does not trust the CA is refused by its own TLS check
    await expect(connect(`mqtts://127.0.0.1:${ports.tls}`, { username: 'lk-01', password: secret, servername: 'localhost' })).rejects.toThrow(
      /self.signed|certificate/i,
    );

    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: ports.http, path: '/healthz', ca, servername: 'localhost' }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toEqual({ status: 'ok' });
  });
});
