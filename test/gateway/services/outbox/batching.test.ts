import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { outboxMigrations } from '../../../../gateway/store/outbox-migrations.ts';
import { createOutboxStore, type Priority } from '../../../../gateway/store/outbox.ts';
import { enforceBudget, nextBatch, totals } from '../../../../gateway/services/outbox/repository.ts';
import { openDb } from '../../../../gateway/store/db.ts';
import { migrate } from '../../../../gateway/store/migrate.ts';
import { tempDir } from '../../../helpers/gateway.ts';
import { event } from './harness.ts';

async function filled(counts: Partial<Record<Priority, number>>) {
  const db = await openDb(join(tempDir(), 'outbox.db'));
  await migrate(db, outboxMigrations);
  const outbox = createOutboxStore({ routes: [], forwarders: ['cloud'], ttlSeconds: { critical: 0, normal: 0, bulk: 0 }, clock: createFakeClock() });
  for (const [priority, n] of Object.entries(counts) as [Priority, number][]) {
    await db.transaction((tx) =>
      outbox.enqueue(
        tx,
        Array.from({ length: n }, (_, i) => event(`x.${priority}`, `storegate/s1/t/${priority}`, i)),
        { priority },
      ),
    );
  }
  return db;
}
const classes = (items: { rank: number }[]) => [0, 1, 2].map((r) => items.filter((i) => i.rank === r).length);

describe('outbox batch composition', () => {
  it('takes every critical event first, then shares the rest between normal and bulk by weight', async () => {
    const db = await filled({ bulk: 100, normal: 100, critical: 10 });
    expect(classes(await nextBatch(db, 'cloud', 50, { normal: 3, bulk: 1 }))).toEqual([10, 30, 10]);
    expect(classes(await nextBatch(db, 'cloud', 8, { normal: 3, bulk: 1 }))).toEqual([8, 0, 0]);
    await db.close();
  });

  it('gives a class share it cannot use to the other class', async () => {
    const fewNormal = await filled({ normal: 5, bulk: 100 });
    expect(classes(await nextBatch(fewNormal, 'cloud', 50, { normal: 3, bulk: 1 }))).toEqual([0, 5, 45]);
    const fewBulk = await filled({ normal: 100, bulk: 3 });
    expect(classes(await nextBatch(fewBulk, 'cloud', 50, { normal: 3, bulk: 1 }))).toEqual([0, 47, 3]);
    await Promise.all([fewNormal.close(), fewBulk.close()]);
  });

  it('keeps enqueue order inside a batch, and starts after what is already in flight', async () => {
    const db = await filled({ normal: 20 });
    const first = await nextBatch(db, 'cloud', 5, { normal: 1, bulk: 1 });
    const second = await nextBatch(db, 'cloud', 5, { normal: 1, bulk: 1 }, [0, first.at(-1)?.seq ?? 0, 0]);
    const seqs = [...first, ...second].map((i) => i.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(10);
    await db.close();
  });

  it('drops oldest bulk first to get under a bytes budget', async () => {
    const db = await filled({ critical: 5, bulk: 50 });
    const before = await totals(db);
    const perEvent = before.byClass.bulk.bytes / 50;
    const maxBytes = before.byClass.critical.bytes + Math.floor(perEvent * 20.5);
    const { dropped, after } = await enforceBudget(db, { maxBytes, maxEvents: 0 });
    expect(dropped).toEqual({ critical: 0, normal: 0, bulk: 30 });
    expect(after.bytes).toBeLessThanOrEqual(maxBytes);
    const left = await db.all<{ id: string }>('SELECT id FROM outbox_events WHERE rank = 2 ORDER BY seq');
    expect(left.map((r) => r.id.split('-').at(-2))).toEqual(Array.from({ length: 20 }, (_, i) => String(30 + i)));
    await db.close();
  });

  it('returns a mixed batch in enqueue order across classes, and with no weights gives the rest to normal', async () => {
    const db = await openDb(join(tempDir(), 'outbox.db'));
    await migrate(db, outboxMigrations);
    const outbox = createOutboxStore({ routes: [], forwarders: ['cloud'], ttlSeconds: { critical: 0, normal: 0, bulk: 0 }, clock: createFakeClock() });
    // interleaved: bulk, normal, critical, bulk, normal, critical, …
    for (let i = 0; i < 6; i++)
      for (const priority of ['bulk', 'normal', 'critical'] as const)
        await db.transaction((tx) => outbox.enqueue(tx, [event(`x.${priority}`, `storegate/s1/t/${priority}`, i)], { priority }));
    const batch = await nextBatch(db, 'cloud', 12, { normal: 1, bulk: 1 });
    expect(classes(batch)).toEqual([6, 3, 3]);
    expect(batch.map((i) => i.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 18]);
    // weights 0/0: everything after critical goes to normal, in order
    expect(classes(await nextBatch(db, 'cloud', 10, { normal: 0, bulk: 0 }))).toEqual([6, 4, 0]);
    await db.close();
  });

  it('fills a batch from bulk alone when no normal event is pending', async () => {
    const db = await filled({ bulk: 20 });
    expect(classes(await nextBatch(db, 'cloud', 10, { normal: 3, bulk: 1 }))).toEqual([0, 0, 10]);
    await db.close();
  });

  it('counts totals per class, empty classes included, with the oldest event time', async () => {
    const db = await filled({ bulk: 7, normal: 3 });
    const t = await totals(db);
    expect(t.events).toBe(10);
    expect(t.bytes).toBe(t.byClass.bulk.bytes + t.byClass.normal.bytes);
    expect(t.byClass.critical).toEqual({ events: 0, bytes: 0, oldestAt: null });
    expect(t.byClass.bulk.events).toBe(7);
    expect(t.byClass.normal.events).toBe(3);
    expect(t.byClass.bulk.oldestAt).toBe(createFakeClock().now());
    await db.close();
  });

  it('drops bulk then normal, oldest first, to get under an events budget, and nothing at the limit', async () => {
    const db = await filled({ critical: 2, normal: 10, bulk: 10 });
    expect((await enforceBudget(db, { maxEvents: 22, maxBytes: 0 })).dropped).toEqual({ critical: 0, normal: 0, bulk: 0 });
    const exact = (await totals(db)).bytes;
    expect((await enforceBudget(db, { maxEvents: 0, maxBytes: exact })).dropped).toEqual({ critical: 0, normal: 0, bulk: 0 });
    const { dropped, after } = await enforceBudget(db, { maxEvents: 7, maxBytes: 0 });
    expect(dropped).toEqual({ critical: 0, normal: 5, bulk: 10 });
    expect(after.events).toBe(7);
    const left = await db.all<{ id: string }>('SELECT id FROM outbox_events WHERE rank = 1 ORDER BY seq');
    expect(left.map((r) => r.id.split('-').at(-2))).toEqual(['5', '6', '7', '8', '9']);
    await db.close();
  });

  it('keeps critical events over the budget and stops (nothing else left to drop)', async () => {
    const db = await filled({ critical: 10 });
    const { dropped, after } = await enforceBudget(db, { maxEvents: 3, maxBytes: 0 });
    expect(dropped).toEqual({ critical: 0, normal: 0, bulk: 0 });
    expect(after.events).toBe(10);
    await db.close();
  });
});
