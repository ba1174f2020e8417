import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import selfsigned from 'selfsigned';
import { describe, expect, it } from 'vitest';
import { externalConnectOptions } from '../../../gateway/broker/external.ts';
import { connectMqtt, deviceTopic, nextEvent, publish, startGateway, tempDir } from '../../helpers/gateway.ts';
import { freePort, hasMosquitto, startMosquittoDynsec } from '../../helpers/mosquitto.ts';

const SERVICE = { username: 'storegate-service', password: 'svc-pass-0123456789' };
const DAY = 86_400_000;

type Pem = { cert: string; private: string };
const validity = () => ({ notBeforeDate: new Date(Date.now() - DAY), notAfterDate: new Date(Date.now() + DAY) });
const makeCa = (name: string) =>
  selfsigned.generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...validity(),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
const makeLeaf = (ca: Pem, cn: string, usage: 'server' | 'client') =>
  selfsigned.generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...validity(),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', ...(usage === 'server' ? { serverAuth: true } : { clientAuth: true }) },
      ...(usage === 'server' ? [{ name: 'subjectAltName' as const, altNames: [{ type: 7 as const, ip: '127.0.0.1' }] }] : []),
    ],
  });

/** Writes a store's TLS material: its CA, mosquitto's certificate, the gateway's client certificate, and one from a CA nobody trusts. */
async function pki(dir: string) {
  const ca = await makeCa('store CA');
  const stranger = await makeCa('some other CA');
  const files: Record<string, string> = {};
  const write = (name: string, pem: string) => {
    files[name] = join(dir, name);
    writeFileSync(files[name], pem, { mode: 0o600 });
  };
  const server = await makeLeaf(ca, '127.0.0.1', 'server');
  const gateway = await makeLeaf(ca, SERVICE.username, 'client');
  const rogue = await makeLeaf(stranger, SERVICE.username, 'client');
  write('ca.crt', ca.cert);
  write('broker.crt', server.cert);
  write('broker.key', server.private);
  write('gateway.crt', gateway.cert);
  write('gateway.key', gateway.private);
  write('rogue.crt', rogue.cert);
  write('rogue.key', rogue.private);
  return files as Record<'ca.crt' | 'broker.crt' | 'broker.key' | 'gateway.crt' | 'gateway.key' | 'rogue.crt' | 'rogue.key', string>;
}

/** What mqtt.js makes of mqtt.external's options (the gateway's own code path), connected once. */
function tryConnect(url: string, ext: Record<string, unknown>) {
  const options = externalConnectOptions(
    { url, protocolVersion: 4, dynamicSecurity: true, clientEvents: 'none', offlineAfterSeconds: 120, ...ext },
    SERVICE,
    `probe-${Math.random()}`,
  );
  return new Promise<void>((resolve, reject) => {
    const c = mqtt.connect(url, { ...options, reconnectPeriod: 0, connectTimeout: 5000 });
    c.once('connect', () => {
      resolve();
      c.end(true);
    });
    c.once('error', (err) => c.end(true, {}, () => reject(err)));
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

describe.skipIf(!hasMosquitto)('external broker: client certificates (mqtt.external.certFile / keyFile)', () => {
  it('logs in to a mosquitto listener that requires a client certificate, provisions and ingests through it', async () => {
    const tls = await pki(tempDir('storegate-pki-'));
    const tlsPort = await freePort();
    const mosq = await startMosquittoDynsec(
      tempDir('storegate-mosquitto-'),
      SERVICE,
      [
        `listener ${tlsPort} 127.0.0.1`,
        `cafile ${tls['ca.crt']}`,
        `certfile ${tls['broker.crt']}`,
        `keyfile ${tls['broker.key']}`,
        'require_certificate true',
      ].join('\n'),
    );
    const url = `mqtts://127.0.0.1:${tlsPort}`;
    const external = { url, dynamicSecurity: true, caFile: tls['ca.crt'], certFile: tls['gateway.crt'], keyFile: tls['gateway.key'] };
    const gw = await startGateway({
      broker: 'embedded',
      overrides: { 'mqtt.mode': 'external', 'mqtt.external': external, 'service.password': SERVICE.password },
    });
    expect((await gw.http.inject({ url: '/readyz' })).json()).toMatchObject({ checks: { broker: true } });

    // the dynamic-security commands went over the certificate-authenticated connection
    const { secret, broker } = await gw.devices.add({ id: 'lk-01', kind: 'locker' });
    expect(broker.provisioned).toBe(true);
    const device = await connectMqtt(mosq.port, { username: 'lk-01', password: secret });
    const status = nextEvent(gw, 'device.status');
    await publish(device, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true }));
    expect((await status).data).toMatchObject({ deviceId: 'lk-01', online: true });

    // the same options without a client certificate, or with one from another CA, are refused by mosquitto
    await expect(tryConnect(url, { caFile: tls['ca.crt'] })).rejects.toThrow();
    await expect(tryConnect(url, { caFile: tls['ca.crt'], certFile: tls['rogue.crt'], keyFile: tls['rogue.key'] })).rejects.toThrow();
    // and with it, accepted (the refusals above are about the certificate, not the rest)
    await tryConnect(url, { caFile: tls['ca.crt'], certFile: tls['gateway.crt'], keyFile: tls['gateway.key'] });
  });
});
