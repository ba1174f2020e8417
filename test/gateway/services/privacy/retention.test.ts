import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import type { Db } from '../../../../gateway/store/db.ts';
import { ADMIN_TOKEN, metricValue, startGateway, until } from '../../../helpers/gateway.ts';

const DAY = 86_400_000;
const MIN = 60_000;
const RETENTION = {
  deviceEventsDays: 1,
  presenceDays: 2,
  sessionsDays: 3,
  fittingRoomDays: 4,
  lockerAuditDays: 5,
  alertsDays: 6,
  lockerParcelsDays: 7,
  deadLettersDays: 8,
};
const iso = (ms: number) => new Date(ms).toISOString();
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function start(extra: Record<string, unknown> = {}) {
  const clock = createFakeClock(Date.UTC(2026, 4, 20, 12, 0));
  const gw = await startGateway({ clock, overrides: { retention: RETENTION, 'privacy.retentionJob.chunkRows': 5, ...extra } });
  return { gw, clock };
}

/** `expired` rows a minute older than the class's cut-off, `fresh` rows a minute younger */
async function seed(db: Db, now: number) {
  const at = (days: number, expired: boolean) => now - days * DAY + (expired ? -MIN : MIN);
  let n = 0;
  const ev = (expired: boolean) =>
    db.run('INSERT INTO device_events (id, device_id, kind, channel, type, time, data) VALUES (?,?,?,?,?,?,?)', [
      `de-${expired ? 'old' : 'new'}-${n++}`,
      'lk-1',
      'locker',
      'status',
      'device.status',
      iso(at(1, expired)),
      '{}',
    ]);
  for (let i = 0; i < 23; i++) await ev(true);
  for (let i = 0; i < 4; i++) await ev(false);
  const pe = (expired: boolean) =>
    db.run('INSERT INTO presence_events (id, type, shopper_id, zone, time, data) VALUES (?,?,?,?,?,?)', [
      `pe-${expired ? 'old' : 'new'}-${n++}`,
      'presence.entered',
      'sh_0123456789abcdef0123',
      'denim',
      iso(at(2, expired)),
      '{}',
    ]);
  for (let i = 0; i < 4; i++) await pe(true);
  await pe(false);
  const ss = (id: string, status: string, expired: boolean) =>
    db.run('INSERT INTO shopper_sessions (id, shopper_id, status, started_at, ended_at, visits, updated_at) VALUES (?,?,?,?,?,?,?)', [
      id,
      'sh_0123456789abcdef0123',
      status,
      iso(at(3, expired)),
      null,
      '[]',
      iso(now),
    ]);
  for (const id of ['s-old-1', 's-old-2', 's-old-3']) await ss(id, 'closed', true);
  await ss('s-open-old', 'open', true); // still in the store: kept whatever its age
  await ss('s-new', 'closed', false);
  const la = (expired: boolean) =>
    db.run('INSERT INTO locker_audit (at, actor, action, compartment_id, ref) VALUES (?,?,?,?,?)', [at(5, expired), 'staff', 'open', 'A1', `ref-${expired}`]);
  await la(true);
  await la(true);
  await la(false);
  // fitting room (times in ms): an old closed session with an item tried and a finished size request, an old
  // session still open (a shopper in the room), and a recent one
  const fr = (id: string, expired: boolean, open = false) =>
    db.run('INSERT INTO fitting_room_sessions (id, mirror_id, zone, shopper_id, started_at, ended_at) VALUES (?,?,?,?,?,?)', [
      id,
      'm-1',
      'fitting-1',
      null,
      at(4, expired),
      open ? null : at(4, expired) + MIN,
    ]);
  await fr('f-old', true);
  await fr('f-open-old', true, true);
  await fr('f-new', false);
  await db.run('INSERT INTO fitting_items (session_id, sku, category, via, at) VALUES (?,?,?,?,?)', ['f-old', 'SG-0301', 'Dress', 'recognised', at(4, true)]);
  await db.run('INSERT INTO fitting_size_requests (id, session_id, mirror_id, zone, sku, size, status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)', [
    'sr-1',
    'f-old',
    'm-1',
    'fitting-1',
    'SG-0301',
    'L',
    'done',
    at(4, true),
    at(4, true),
  ]);
  const al = (key: string, raised: number, resolved: number | null) =>
    db.run('INSERT INTO health_alerts (key, severity, message, device_id, source, details, raised_at, updated_at, resolved_at) VALUES (?,?,?,?,?,?,?,?,?)', [
      key,
      'warning',
      'm',
      'gateway',
      'test',
      null,
      raised,
      raised,
      resolved,
    ]);
  await al('old-1', now - 30 * DAY, at(6, true));
  await al('old-2', now - 30 * DAY, at(6, true));
  await al('open-old', now - 30 * DAY, null); // unresolved: kept
  await al('new', now - 30 * DAY, at(6, false));
  // lockers: a finished old parcel goes; an old one still waiting in its compartment stays; so do returns
  const lp = (id: string, status: string, expired: boolean) =>
    db.run('INSERT INTO locker_parcels (id, order_id, size, compartment_id, status, created_at) VALUES (?,?,?,?,?,?)', [
      id,
      `order-${id}`,
      'M',
      'A1',
      status,
      at(7, expired),
    ]);
  await lp('p-old', 'picked_up', true);
  await lp('p-waiting-old', 'awaiting_pickup', true);
  await lp('p-new', 'picked_up', false);
  const lr = (id: string, status: string, expired: boolean) =>
    db.run('INSERT INTO locker_returns (id, order_id, item, reason, compartment_id, status, created_at) VALUES (?,?,?,?,?,?,?)', [
      id,
      `order-${id}`,
      'sku-1',
      'wrong_size',
      'A2',
      status,
      at(7, expired),
    ]);
  await lr('r-old', 'collected', true);
  await lr('r-in-locker-old', 'dropped', true);
  const dl = (seq: number, expired: boolean) =>
    db.run(
      'INSERT INTO outbox_dead_letters (forwarder, seq, id, type, source, rank, source_seq, created_at, expires_at, body, reason, failed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
      ['cloud', seq, `dl-${seq}`, 'storegate.x', 's', 1, seq, at(8, expired), now + DAY, '{}', 'http_400', at(8, expired)],
    );
  await dl(1, true);
  await dl(2, false);
}

const count = async (db: Db, sql: string) => (await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${sql}`))?.n ?? -1;

describe('retention job', () => {
  it('deletes exactly the expired rows of each data class, keeps open sessions and unresolved alerts, and reports the run', async () => {
    const { gw, clock } = await start();
    await seed(gw.db, clock.now());
    const res = await gw.http.inject({ method: 'POST', url: '/api/v1/privacy/retention/run', headers: auth });
    expect(res.statusCode).toBe(200);
    const run = res.json();
    expect(run.deleted).toEqual({ deviceEvents: 23, presence: 4, sessions: 3, fittingRoom: 3, lockerAudit: 2, alerts: 2, lockerParcels: 2, deadLetters: 1 });
    expect(run.skipped).toEqual({});
    expect((await gw.db.all<{ id: string }>('SELECT id FROM fitting_room_sessions ORDER BY id')).map((r) => r.id)).toEqual(['f-new', 'f-open-old']);
    // 23 rows in chunks of 5: five DELETEs for device events alone, each a short statement
    expect(run.statements).toBeGreaterThanOrEqual(5 + 1 + 1 + 1 + 1);
    expect(run.cutoffs.deviceEvents).toBe(iso(clock.now() - DAY));

    expect(await count(gw.db, "device_events WHERE id LIKE 'de-old-%'")).toBe(0);
    expect(await count(gw.db, "device_events WHERE id LIKE 'de-new-%'")).toBe(4);
    expect(await count(gw.db, "presence_events WHERE id LIKE 'pe-new-%'")).toBe(1);
    expect((await gw.db.all<{ id: string }>('SELECT id FROM shopper_sessions ORDER BY id')).map((r) => r.id)).toEqual(['s-new', 's-open-old']);
    expect(await count(gw.db, 'locker_audit')).toBe(1);
    expect((await gw.db.all<{ key: string }>('SELECT key FROM health_alerts ORDER BY key')).map((r) => r.key)).toEqual(['new', 'open-old']);
    expect((await gw.db.all<{ id: string }>('SELECT id FROM locker_parcels ORDER BY id')).map((r) => r.id)).toEqual(['p-new', 'p-waiting-old']);
    expect((await gw.db.all<{ id: string }>('SELECT id FROM locker_returns ORDER BY id')).map((r) => r.id)).toEqual(['r-in-locker-old']);
    expect((await gw.db.all<{ id: string }>('SELECT id FROM outbox_dead_letters ORDER BY id')).map((r) => r.id)).toEqual(['dl-2']);

    const report = (await gw.http.inject({ method: 'GET', url: '/api/v1/privacy/retention', headers: auth })).json();
    expect(report.lastRun.deleted).toEqual(run.deleted);
    expect(report.classes.find((c: { name: string }) => c.name === 'lockerAudit')).toMatchObject({ table: 'locker_audit', days: 5 });
    expect(await metricValue(gw, 'storegate_privacy_retention_deleted_rows_total', { class: 'deviceEvents' })).toBe(23);
    expect(gw.logs.parsed().some((l) => l.msg === 'retention run')).toBe(true);

    // a second run finds nothing more
    const again = (await gw.http.inject({ method: 'POST', url: '/api/v1/privacy/retention/run', headers: auth })).json();
    expect(Object.values(again.deleted).every((n) => n === 0)).toBe(true);
  });

  it('runs on its schedule: first a minute after start, then every intervalMinutes', async () => {
    const { gw, clock } = await start({ 'privacy.retentionJob.intervalMinutes': 30 });
    await seed(gw.db, clock.now());
    const lastRun = async () => (await gw.http.inject({ method: 'GET', url: '/api/v1/privacy/retention', headers: auth })).json().lastRun;
    expect(await lastRun()).toBeNull();
    clock.advance(MIN);
    const first = await until(lastRun, 5000, 'first scheduled run');
    expect(first.deleted.deviceEvents).toBe(23);
    // rows that expire later go on a later run
    clock.advance(2 * MIN + 1);
    clock.advance(28 * MIN);
    const second = await until(
      async () => {
        const r = await lastRun();
        return r.startedAt !== first.startedAt && r;
      },
      5000,
      'second scheduled run',
    );
    expect(second.deleted.deviceEvents).toBe(4);
  });

  it('returns the space of deleted rows to the file system with incremental vacuum', async () => {
    const { gw, clock } = await start({ 'privacy.retentionJob.chunkRows': 500, 'privacy.retentionJob.vacuumPagesPerStep': 64 });
    expect((await gw.db.get<{ auto_vacuum: number }>('PRAGMA auto_vacuum'))?.auto_vacuum).toBe(2);
    const blob = 'x'.repeat(2000);
    for (let i = 0; i < 20; i++) {
      const rows = Array.from({ length: 100 }, (_, j) => [`big-${i}-${j}`, 'lk-1', 'locker', 'status', 'device.status', iso(clock.now() - 2 * DAY), blob]);
      await gw.db.run(
        `INSERT INTO device_events (id, device_id, kind, channel, type, time, data) VALUES ${rows.map(() => '(?,?,?,?,?,?,?)').join(',')}`,
        rows.flat(),
      );
    }
    const pagesBefore = (await gw.db.get<{ page_count: number }>('PRAGMA page_count'))?.page_count ?? 0;
    const run = (await gw.http.inject({ method: 'POST', url: '/api/v1/privacy/retention/run', headers: auth })).json();
    expect(run.deleted.deviceEvents).toBe(2000);
    expect(run.vacuum.autoVacuum).toBe('incremental');
    expect(run.vacuum.freelistBefore).toBeGreaterThan(500);
    expect(run.vacuum.freelistAfter).toBe(0);
    expect(run.vacuum.steps).toBeGreaterThan(1); // freed in small steps, not one long exclusive vacuum
    const pagesAfter = (await gw.db.get<{ page_count: number }>('PRAGMA page_count'))?.page_count ?? 0;
    expect(pagesBefore - pagesAfter).toBe(run.vacuum.pagesFreed);
    expect(await metricValue(gw, 'storegate_privacy_vacuum_pages_total')).toBe(run.vacuum.pagesFreed);
  });
});
