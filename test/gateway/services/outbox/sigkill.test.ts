import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI, cleanEnv, writeGatewayConfig } from '../../../helpers/cli.ts';
import { ADMIN_TOKEN, connectMqtt, publish, tempDir, until } from '../../../helpers/gateway.ts';
import { startReceiver } from './harness.ts';

const N = 1500;

describe('outbox across a gateway crash', () => {
  it('loses nothing when the gateway is SIGKILLed mid-drain and restarted; duplicates carry the same ids', async () => {
    const dataDir = tempDir();
    const rx = await startReceiver();
    rx.setAnswer(() => ({ status: 503 }));
    const {
      file,
      http,
      mqtt: mqttPort,
    } = await writeGatewayConfig(dataDir, {
      http: { adminToken: ADMIN_TOKEN },
      devices: [{ id: 'sc-01', kind: 'ble-scanner', secret: 'scanner-secret-0123456789' }],
      cloud: { forwarders: [{ name: 'cloud', kind: 'http', url: rx.url }], batchSize: 50, backoff: { initialMs: 20, maxMs: 100 } },
    });
    const start = () => {
      const child: ChildProcess = spawn(process.execPath, [CLI, 'start', '--config', file], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
      onTestFinished(() => void child.kill('SIGKILL'));
      return child;
    };
    const outbox = async () => {
      const r = await fetch(`http://127.0.0.1:${http}/api/v1/outbox`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).catch(() => null);
      return r?.ok ? ((await r.json()) as { backlog: { events: number } }) : null;
    };

    let child = start();
    await until(async () => (await fetch(`http://127.0.0.1:${http}/readyz`).catch(() => null))?.ok, 20_000, 'gateway ready');
    const device = await connectMqtt(mqttPort, { username: 'sc-01', password: 'scanner-secret-0123456789' });
    const acks: Promise<void>[] = [];
    for (let i = 0; i < N; i++) acks.push(publish(device, 'storegate/store-1/ble-scanner/sc-01/status', JSON.stringify({ online: true, uptimeSeconds: i })));
    await Promise.all(acks);
    device.end(true);
    await until(async () => (await outbox())?.backlog.events === N, 20_000, 'every status event in the outbox');

    // the cloud comes back; the gateway dies while the sixth batch is on the wire
    const killed = new Promise<void>((resolve) => {
      rx.setAnswer(() => {
        if (rx.requests.length === 5) {
          child.kill('SIGKILL');
          child.once('exit', () => resolve());
        }
        return { status: 200 };
      });
    });
    await killed;
    const before = new Set(rx.received.map((e) => e.id)).size;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(N);

    child = start();
    const marks = () => rx.received.filter((e) => e.type === 'storegate.device.status' && e.source.endsWith('/sc-01'));
    await until(() => new Set(marks().map((e) => e.id)).size === N, 30_000, 'every event delivered after the restart');
    await until(async () => (await outbox())?.backlog.events === 0, 10_000, 'empty outbox');

    const byId = new Map<string, number>();
    for (const e of marks()) {
      const mark = (e.data as unknown as { uptimeSeconds: number }).uptimeSeconds;
      expect(byId.get(e.id) ?? mark).toBe(mark); // a duplicate is the same event under the same id
      byId.set(e.id, mark);
    }
    expect([...byId.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    const firstSeen = [...new Map(marks().map((e) => [e.id, (e.data as unknown as { uptimeSeconds: number }).uptimeSeconds])).values()];
    expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
  });
});
