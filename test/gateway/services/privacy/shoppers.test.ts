import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../../../gateway/store/db.ts';
import { cleanEnv, runCli } from '../../../helpers/cli.ts';
import { ADMIN_TOKEN, startGateway, tempDir, type TestGateway } from '../../../helpers/gateway.ts';

const A = 'sh_aaaaaaaaaaaaaaaaaaaa';
const B = 'sh_bbbbbbbbbbbbbbbbbbbb';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
// a cloud that is never reachable: everything stays queued in the outbox
const DEAD_CLOUD = { cloud: { forwarders: [{ name: 'cloud', kind: 'http', url: 'http://127.0.0.1:9/events', timeoutSeconds: 1 }] } };

async function seedShopper(gw: TestGateway, shopperId: string, tag: string) {
  const now = new Date().toISOString();
  await gw.db.run('INSERT INTO presence_events (id, type, shopper_id, zone, time, data) VALUES (?,?,?,?,?,?)', [
    `pe-${tag}`,
    'presence.entered',
    shopperId,
    'denim',
    now,
    JSON.stringify({ shopperId, zone: 'denim' }),
  ]);
  await gw.db.run('INSERT INTO shopper_sessions (id, shopper_id, status, started_at, ended_at, visits, updated_at) VALUES (?,?,?,?,?,?,?)', [
    `s-${tag}`,
    shopperId,
    'closed',
    now,
    now,
    JSON.stringify([{ zone: 'denim' }]),
    now,
  ]);
  // a session event on its way to the cloud, committed through the unit of work like presence's own
  const e = gw.bus.make(
    'presence.session.closed',
    `storegate/${gw.config.storeId}/gateway/presence`,
    {
      sessionId: `s-${tag}`,
      shopperId,
      startedAt: now,
      endedAt: now,
      durationMs: 0,
      visits: [],
    },
    shopperId,
  );
  await gw.work.run(async (w) => w.emit(e));
  expect(await gw.db.get('SELECT 1 FROM outbox_events WHERE id = ?', [e.id])).toBeDefined();
}

const dump = async (gw: { db: TestGateway['db'] }) => {
  const out: string[] = [];
  for (const t of await gw.db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'"))
    out.push(JSON.stringify(await gw.db.all(`SELECT * FROM ${t.name}`)));
  return out.join('\n');
};

describe('shopper export and erase', () => {
  it("exports the shopper's sessions, presence events and queued cloud events, and nothing of other shoppers", async () => {
    const gw = await startGateway({ overrides: DEAD_CLOUD });
    await seedShopper(gw, A, 'a');
    await seedShopper(gw, B, 'b');
    const res = await gw.http.inject({ method: 'GET', url: `/api/v1/privacy/shoppers/${A}`, headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.handle).toBe('pseudonym');
    expect(body.found).toEqual({ sessions: 1, presence: 1, outbox: 1 });
    expect(body.tables.shopper_sessions.map((s: { id: string }) => s.id)).toEqual(['s-a']);
    expect(body.tables.presence_events.map((s: { id: string }) => s.id)).toEqual(['pe-a']);
    expect(body.tables.outbox_events).toHaveLength(1);
    expect(body.tables.outbox_events[0].body.data.sessionId).toBe('s-a');
    expect(body.rows).toBe(3);
    expect(res.body).not.toContain(B);
    expect(res.body).not.toContain('s-b');
  });

  it('erases the shopper everywhere, pending outbox events included, and queues a critical erase request for the cloud in the same transaction', async () => {
    const gw = await startGateway({ overrides: DEAD_CLOUD });
    await seedShopper(gw, A, 'a');
    await seedShopper(gw, B, 'b');
    const res = await gw.http.inject({ method: 'DELETE', url: `/api/v1/privacy/shoppers/${A}`, headers: auth });
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({
      forwarded: true,
      erased: { presence_events: 1, shopper_sessions: 1, outbox_events: 1 },
      classes: { presence: 1, sessions: 1, outbox: 1 },
    });
    expect(r.receipt.receipt).toMatchObject({ action: 'erase', handle: 'pseudonym', counts: r.classes, eventId: r.eventId });

    // only the erase request mentions A now; B is untouched
    const queued = await gw.db.all<{ type: string; rank: number; body: string; seq: number }>('SELECT type, rank, body, seq FROM outbox_events ORDER BY seq');
    const mentionsA = queued.filter((q) => q.body.includes(A));
    expect(mentionsA.map((q) => [q.type, q.rank])).toEqual([['privacy.erase.requested', 0]]);
    expect(JSON.parse(mentionsA[0]?.body ?? '{}')).toMatchObject({
      type: 'storegate.privacy.erase.requested',
      priority: 'critical',
      data: { handle: 'pseudonym', shopperIds: [A], receiptId: r.receipt.receipt.receiptId },
    });
    expect(queued.some((q) => q.body.includes(B))).toBe(true);
    const everything = await dump(gw);
    expect(everything.split(A).length - 1).toBe(1); // the erase request's body, and nowhere else
    expect(everything).toContain(B);
    // no orphaned pending rows, and the outbox's running totals still match its rows
    expect(await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_pending WHERE seq NOT IN (SELECT seq FROM outbox_events)')).toEqual({ n: 0 });
    const totals = await gw.db.get<{ n: number }>('SELECT SUM(events) AS n FROM outbox_totals');
    expect(totals?.n).toBe(queued.length);

    // a second erase keeps the first request queued (it is what the cloud must act on)
    await gw.http.inject({ method: 'DELETE', url: `/api/v1/privacy/shoppers/${A}`, headers: auth });
    expect(await gw.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM outbox_events WHERE type = 'privacy.erase.requested'")).toEqual({ n: 2 });
  });

  it('refuses something that is not a pseudonym, and routes need the admin token', async () => {
    const gw = await startGateway({ overrides: DEAD_CLOUD });
    expect((await gw.http.inject({ method: 'DELETE', url: '/api/v1/privacy/shoppers/%25', headers: auth })).statusCode).toBe(400);
    expect((await gw.http.inject({ method: 'GET', url: `/api/v1/privacy/shoppers/${A}` })).statusCode).toBe(401);
  });

  it('exports and erases from the CLI on the data dir, queueing the erase request for the next forwarding', async () => {
    const dataDir = tempDir();
    const gw = await startGateway({ dataDir, overrides: DEAD_CLOUD, keep: true });
    await seedShopper(gw, A, 'a');
    await seedShopper(gw, B, 'b');
    await gw.stopGateway();
    const cfg = join(dataDir, 'config.json');
    writeFileSync(cfg, JSON.stringify({ dataDir, ...DEAD_CLOUD }));

    const exp = await runCli(['privacy', 'export', '--shopper', A, '-c', cfg], { env: cleanEnv() });
    expect(exp.code).toBe(0);
    const exported = JSON.parse(exp.stdout);
    expect(exported.tables.shopper_sessions.map((s: { id: string }) => s.id)).toEqual(['s-a']);
    expect(exp.stdout).not.toContain(B);

    const er = await runCli(['privacy', 'erase', '--shopper', A, '-c', cfg], { env: cleanEnv() });
    expect(er.code).toBe(0);
    const erasedByCli = JSON.parse(er.stdout);
    expect(erasedByCli).toMatchObject({
      forwarded: true,
      erased: { shopper_sessions: 1, presence_events: 1, outbox_events: 1 },
      classes: { sessions: 1, presence: 1, outbox: 1 },
    });
    // the receipt verifies offline against the store's published key, and fails once altered
    const receiptFile = join(dataDir, 'receipt.json');
    const keyFile = join(dataDir, 'receipt-key.pem');
    writeFileSync(receiptFile, JSON.stringify(erasedByCli.receipt));
    const key = await runCli(['privacy', 'receipt-key', '-c', cfg], { env: cleanEnv() });
    expect(key.stdout).toContain(`# keyId ${erasedByCli.receipt.keyId}`);
    writeFileSync(keyFile, key.stdout.replace(/^#.*\n/, ''));
    const ok = await runCli(['privacy', 'verify', receiptFile, '--key', keyFile], { env: cleanEnv() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^valid receipt/);
    writeFileSync(receiptFile, JSON.stringify({ ...erasedByCli.receipt, receipt: { ...erasedByCli.receipt.receipt, counts: { sessions: 0 } } }));
    const tampered = await runCli(['privacy', 'verify', receiptFile, '--key', keyFile], { env: cleanEnv() });
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/^INVALID receipt/);
    const db = await openDb(join(dataDir, 'storegate.db'));
    try {
      expect(await db.get('SELECT COUNT(*) AS n FROM shopper_sessions WHERE shopper_id = ?', [A])).toEqual({ n: 0 });
      expect(await db.get('SELECT COUNT(*) AS n FROM shopper_sessions WHERE shopper_id = ?', [B])).toEqual({ n: 1 });
      const req = await db.get<{ rank: number; pending: number }>(
        "SELECT e.rank, (SELECT COUNT(*) FROM outbox_pending p WHERE p.seq = e.seq) AS pending FROM outbox_events e WHERE e.type = 'privacy.erase.requested'",
      );
      expect(req).toEqual({ rank: 0, pending: 1 });
    } finally {
      await db.close();
    }

    const bad = await runCli(['privacy', 'erase', '--shopper', 'not-a-pseudonym', '-c', cfg], { env: cleanEnv() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/must be a pseudonym/);
  });
});
