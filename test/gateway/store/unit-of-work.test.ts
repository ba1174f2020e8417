import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../gateway/clock.ts';
import type { DomainEvent } from '../../../gateway/bus/events.ts';
import { coreMigrations } from '../../../gateway/store/core-migrations.ts';
import { migrate } from '../../../gateway/store/migrate.ts';
import { serviceDeps } from '../../helpers/service-deps.ts';

async function setup() {
  const deps = await serviceDeps({ clock: createFakeClock() });
  await migrate(deps.db, coreMigrations);
  const make = (id: string, n: number) =>
    deps.bus.make('device.message', 'storegate/store-1/locker/lk-1', { deviceId: 'lk-1', kind: 'locker', channel: 'telemetry', body: { n } }, undefined, id);
  const record = (e: DomainEvent) => deps.work.record([{ event: e, deviceId: 'lk-1', kind: 'locker', channel: 'telemetry' }]);
  const stored = () => deps.db.all<{ id: string; data: string }>('SELECT id, data FROM device_events ORDER BY seq');
  return { deps, make, record, stored };
}

describe('unit of work: device-event group commit', () => {
  // batches of every size from 1 to 40 rows, so the exact sizes and the padded size classes (multiples of 8) all run
  it.each([1, 2, 7, 8, 9, 13, 16, 17, 31, 40])('stores each event of a %i-event batch once, with its own data', async (n) => {
    const { deps, make, record, stored } = await setup();
    // one in flight holds the connection, so the rest queue and go in as one multi-row INSERT
    await Promise.all([record(make('first', -1)), ...Array.from({ length: n }, (_, i) => record(make(`ev-${i}`, i)))]);
    const rows = await stored();
    expect(rows.map((r) => r.id)).toEqual(['first', ...Array.from({ length: n }, (_, i) => `ev-${i}`)]);
    expect(rows.slice(1).map((r) => (JSON.parse(r.data) as { body: { n: number } }).body.n)).toEqual(Array.from({ length: n }, (_, i) => i));
    await deps.db.close();
  });

  it('keeps a resend (same id) once when it lands in the same batch, and the first copy wins', async () => {
    const { deps, make, record, stored } = await setup();
    await Promise.all([record(make('first', -1)), record(make('dup', 1)), record(make('other', 2)), record(make('dup', 3))]);
    const rows = await stored();
    expect(rows.map((r) => r.id)).toEqual(['first', 'dup', 'other']);
    expect((JSON.parse(rows[1]?.data ?? '{}') as { body: { n: number } }).body.n).toBe(1);
    await deps.db.close();
  });
});

describe('unit of work: a unit marked alone', () => {
  it('commits in a transaction of its own: the units queued before it commit first, the ones after it next, in order', async () => {
    const { deps } = await setup();
    const log: string[] = [];
    // one unit in flight, so the next four queue together
    const first = deps.work.run(async (w) => void (await w.tx.run('SELECT 1')));
    // `after` runs at COMMIT: where it lands in the log shows which units shared a transaction
    const unit = (name: string, alone = false) =>
      deps.work.run(
        async (w) => {
          log.push(`${name} runs`);
          await w.tx.run('SELECT 1');
          w.after(() => void log.push(`${name} committed`));
        },
        { alone },
      );
    const queued = [unit('a'), unit('b'), unit('big', true), unit('c')];
    await first;
    await Promise.all(queued);
    expect(log).toEqual(['a runs', 'b runs', 'a committed', 'b committed', 'big runs', 'big committed', 'c runs', 'c committed']);
    await deps.db.close();
  });

  it('is background work: an ordinary unit queued behind two long ones commits between them, not after both', async () => {
    const { deps } = await setup();
    const log: string[] = [];
    const unit = (name: string, alone = false) =>
      deps.work.run(
        async (w) => {
          await w.tx.run('SELECT 1');
          w.after(() => void log.push(name));
        },
        { alone },
      );
    // long-1 is in flight; long-2 and then a shopper's pick queue behind it
    const all = [unit('long-1', true), unit('long-2', true), unit('pick')];
    await Promise.all(all);
    expect(log).toEqual(['long-1', 'pick', 'long-2']);
    await deps.db.close();
  });

  it('is not starved: with ordinary units arriving all the time, a long unit still commits, in its turn', async () => {
    const { deps } = await setup();
    const log: string[] = [];
    let stop = false;
    // a device that publishes again as soon as its last write committed (ingest under load)
    const ordinary = async () => {
      for (let i = 0; !stop && i < 200; i++)
        await deps.work.run(async (w) => {
          await w.tx.run('SELECT 1');
          w.after(() => void log.push('o'));
        });
    };
    const writers = [ordinary(), ordinary(), ordinary()];
    await new Promise((r) => setTimeout(r, 5));
    await deps.work.run(
      async (w) => {
        await w.tx.run('SELECT 1');
        w.after(() => void log.push('LONG'));
      },
      { alone: true },
    );
    stop = true;
    await Promise.all(writers);
    expect(log).toContain('LONG');
    // it waited for at most a few ordinary transactions, not for the writers to finish
    expect(log.lastIndexOf('o')).toBeGreaterThan(log.indexOf('LONG'));
    await deps.db.close();
  });
});
