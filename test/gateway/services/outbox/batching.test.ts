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
});
