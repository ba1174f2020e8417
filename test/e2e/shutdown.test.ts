import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../gateway/store/db.ts';
import { CLI, cleanEnv, gatewayProcessEnv, runCli } from '../helpers/cli.ts';
import { connectMqtt, publish, tempDir, until } from '../helpers/gateway.ts';

describe('storegate start as a process', () => {
  it('exits 0 on SIGTERM with every acknowledged event in a consistent database', async () => {
    const dataDir = tempDir();
    const { env, ports } = await gatewayProcessEnv({ STOREGATE_DATA_DIR: dataDir });
    const { http, mqtt: mqttPort } = ports;
    const added = await runCli(['device', 'add', '--id', 'lk-01', '--kind', 'locker', '--json'], { env });
    expect(added.code).toBe(0);
    const { secret } = JSON.parse(added.stdout) as { secret: string };

    const child = spawn(process.execPath, [CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await until(async () => (await fetch(`http://127.0.0.1:${http}/readyz`).catch(() => null))?.ok, 60_000, 'readyz');
    expect(out).toMatch(/admin token \(saved in .*admin-token\): \S+/);

    const client = await connectMqtt(mqttPort, { username: 'lk-01', password: secret });
    const acked: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) acked.push(publish(client, `storegate/store-1/locker/lk-01/telemetry`, JSON.stringify({ type: 'door', values: { i } })));
    await Promise.all(acked);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const db = await openDb(join(dataDir, 'storegate.db'));
    expect(
      (await db.get<{ r: string }>('PRAGMA integrity_check'))?.r ?? (await db.get<Record<string, string>>('PRAGMA integrity_check'))?.integrity_check,
    ).toBe('ok');
    expect((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM device_events'))?.n).toBe(200);
    await db.close();
  });

  it('manages devices from the CLI: add prints the secret once, list shows it, revoke disables it', async () => {
    const env = cleanEnv({ STOREGATE_DATA_DIR: tempDir() });
    const add = await runCli(['device', 'add', '--id', 'm-1', '--kind', 'mirror', '--zone', 'fitting-1'], { env });
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/MQTT password: \S{40,}/);
    const list = await runCli(['device', 'list'], { env });
    expect(list.stdout).toMatch(/m-1\s+mirror\s+fitting-1\s+enabled/);
    expect(list.stdout).not.toMatch(/password|secret/i);
    expect((await runCli(['device', 'revoke', 'm-1'], { env })).code).toBe(0);
    expect((await runCli(['device', 'list'], { env })).stdout).toMatch(/m-1\s+mirror\s+fitting-1\s+revoked/);
    expect((await runCli(['device', 'revoke', 'nobody'], { env })).code).toBe(1);
    expect((await runCli(['device', 'add', '--id', 'bad id!', '--kind', 'mirror'], { env })).code).not.toBe(0);
  });
});
