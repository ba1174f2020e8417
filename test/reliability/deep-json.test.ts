import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBus } from '../../gateway/bus/bus.ts';
import { systemClock } from '../../gateway/clock.ts';
import { createLogger } from '../../gateway/log.ts';
import { createMetrics } from '../../gateway/metrics.ts';
import { coreMigrations } from '../../gateway/store/core-migrations.ts';
import { openDb } from '../../gateway/store/db.ts';
import { createOutboxStore } from '../../gateway/store/outbox.ts';
import { createUnitOfWork } from '../../gateway/store/unit-of-work.ts';
import { migrate } from '../../gateway/store/migrate.ts';
import { tempDir } from '../helpers/gateway.ts';
import { addDevice, connectMqtt, deviceTopic, metricValue, publish, startGateway } from '../helpers/gateway.ts';
import { ackedEventId, missingEvents } from './helpers/store-check.ts';
import { recordSummary } from './helpers/summary.ts';

const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** a PUBACK, or why not within the time (a dropped connection leaves mqtt.js' callback pending) */
const acked = (p: Promise<void>) =>
  Promise.race([
    p.then(
      () => 'acked',
      (e: Error) => `error: ${e.message}`,
    ),
    new Promise<string>((r) => setTimeout(() => r('no PUBACK within 10 s'), 10_000)),
  ]);

/** Found by the MQTT fuzz: JSON.parse takes any depth, JSON.stringify does not. */
describe('deeply nested JSON from a device', () => {
  it('is rejected at the edge and does not cost other devices their acknowledgements', async () => {
    const gw = await startGateway();
    const [a, b] = [await addDevice(gw, 'deep-a', 'sensor'), await addDevice(gw, 'deep-b', 'sensor')];
    const ca = await connectMqtt(gw.ports.mqtt, { username: 'deep-a', password: a });
    const cb = await connectMqtt(gw.ports.mqtt, { username: 'deep-b', password: b });
    const rejectedBefore = await metricValue(gw, 'storegate_ingest_rejected_total');
    // an extra top-level key is allowed by the telemetry schema, so the nesting reaches the store
    const bad = `{"msgId":"bad","type":"t","extra":${deep(20_000)}}`;
    const good = Array.from({ length: 50 }, (_, i) =>
      acked(publish(cb, deviceTopic(gw, 'sensor', 'deep-b', 'telemetry'), JSON.stringify({ msgId: `g${i}`, type: 't' }))),
    );
    const badAck = acked(publish(ca, deviceTopic(gw, 'sensor', 'deep-a', 'telemetry'), bad));
    const outcomes = await Promise.all([...good, badAck]);
    const writeFailures = gw.logs.parsed().filter((l) => l.msg === 'device event write failed' || l.msg === 'ingest failed; not acknowledging');
    expect(writeFailures.map((l) => `${l.msg}: ${(l.err as { message?: string } | undefined)?.message}`)).toEqual([]);
    expect(outcomes.filter((o) => o !== 'acked')).toEqual([]);
    expect(await metricValue(gw, 'storegate_ingest_rejected_total')).toBe(rejectedBefore + 1);
    expect(
      await missingEvents(
        gw.db,
        Array.from({ length: 50 }, (_, i) => ackedEventId('deep-b', 'telemetry', `g${i}`)),
      ),
    ).toEqual([]);
    // the sender stays connected and its next good message is stored
    expect(await acked(publish(ca, deviceTopic(gw, 'sensor', 'deep-a', 'telemetry'), JSON.stringify({ msgId: 'next', type: 't' })))).toBe('acked');
    expect(await missingEvents(gw.db, [ackedEventId('deep-a', 'telemetry', 'next')])).toEqual([]);
    recordSummary(import.meta.filename, { name: 'deeply nested JSON rejected without collateral (regression)', cases: 52, faults: 0, lost: 0 });
  });

  it('fails only its own write in the unit of work, not the batch it would have joined', async () => {
    const db = await openDb(join(tempDir(), 'w.db'));
    await migrate(db, coreMigrations);
    const log = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const bus = createBus({ log, metrics, clock: systemClock });
    const outbox = createOutboxStore({ routes: [], forwarders: [], ttlSeconds: { critical: 0, normal: 0, bulk: 0 }, clock: systemClock });
    const writer = createUnitOfWork({ db, bus, outbox, log, metrics, maxRows: 500 });
    let nested: unknown = [];
    for (let i = 0; i < 20_000; i++) nested = [nested];
    const row = (id: string, data: unknown) => ({
      event: { ...bus.make('device.message', 'storegate/s/sensor/x', data as never), id },
      deviceId: 'x',
      kind: 'sensor',
      channel: 'telemetry',
    });
    const results = await Promise.allSettled([
      writer.record([row('w-1', { n: 1 })]),
      writer.record([row('w-2', { n: 2 })]),
      writer.record([row('w-bad', { nested })]),
      writer.record([row('w-3', { n: 3 })]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await missingEvents(db, ['w-1', 'w-2', 'w-3'])).toEqual([]);
    await db.close();
  });
});
