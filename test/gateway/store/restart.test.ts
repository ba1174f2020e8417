import { describe, expect, it } from 'vitest';
import { openDb } from '../../../gateway/store/db.ts';
import { migrate } from '../../../gateway/store/migrate.ts';
import { addDevice, connectMqtt, deviceTopic, publish, startGateway, tempDir } from '../../helpers/gateway.ts';

describe('SQLite store across restarts', () => {
  it('keeps events persisted before a restart, and the device registry with them', async () => {
    const dataDir = tempDir();
    const first = await startGateway({ dataDir, keep: true });
    const secret = await addDevice(first, 'lk-01', 'locker');
    const c1 = await connectMqtt(first.ports.mqtt, { username: 'lk-01', password: secret });
    for (let i = 0; i < 25; i++) await publish(c1, deviceTopic(first, 'locker', 'lk-01', 'telemetry'), JSON.stringify({ type: 'temp', values: { c: 20 + i } }));
    c1.end(true);
    await first.stopGateway();

    const second = await startGateway({ dataDir });
    expect((await second.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM device_events'))?.n).toBe(25);
    // same secret still works: the registry survived
    const c2 = await connectMqtt(second.ports.mqtt, { username: 'lk-01', password: secret });
    await publish(c2, deviceTopic(second, 'locker', 'lk-01', 'telemetry'), JSON.stringify({ type: 'temp' }));
    expect((await second.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM device_events'))?.n).toBe(26);
    const migrations = await second.db.all<{ id: string }>('SELECT id FROM schema_migrations');
    expect(new Set(migrations.map((m) => m.id)).size).toBe(migrations.length);
  });

  it('runs each migration once, in order, and refuses duplicate ids', async () => {
    const db = await openDb(`${tempDir()}/m.db`);
    const log: string[] = [];
    const list = [
      { id: 't-001', up: 'CREATE TABLE a (x INTEGER)' },
      {
        id: 't-002',
        up: async (tx: typeof db) => {
          log.push('002');
          await tx.run('INSERT INTO a (x) VALUES (1)');
        },
      },
    ];
    expect(await migrate(db, list)).toEqual(['t-001', 't-002']);
    expect(await migrate(db, list)).toEqual([]);
    expect(log).toEqual(['002']);
    expect((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM a'))?.n).toBe(1);
    await expect(migrate(db, [...list, { id: 't-001', up: 'SELECT 1' }])).rejects.toThrow(/duplicate migration/);
    await db.close();
  });

  it('rolls a failed migration back completely', async () => {
    const db = await openDb(`${tempDir()}/m.db`);
    await expect(migrate(db, [{ id: 'bad-001', up: 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);' }])).rejects.toThrow();
    expect(await db.get("SELECT name FROM sqlite_master WHERE name = 'b'")).toBeUndefined();
    expect(await migrate(db, [{ id: 'bad-001', up: 'CREATE TABLE b (x INTEGER)' }])).toEqual(['bad-001']);
    await db.close();
  });
});
