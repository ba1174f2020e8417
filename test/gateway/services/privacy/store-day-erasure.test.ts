import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { verifyReceipt } from '../../../../gateway/services/privacy/receipt.ts';
import { openDb } from '../../../../gateway/store/db.ts';
import { startCloudReceiver } from '../../../../simulators/scenario/cloud.ts';
import { SCENARIO_DEVICES, scenarioGatewayConfig } from '../../../../simulators/scenario/gateway-config.ts';
import { makePlan } from '../../../../simulators/scenario/plan.ts';
import { runScenario } from '../../../../simulators/scenario/run.ts';
import { ADMIN_TOKEN, STAFF_TOKEN, startGateway, until } from '../../../helpers/gateway.ts';

const SEED = 42;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
type Row = Record<string, unknown>;

/** Every row of every table, as text, per table. */
async function dumpFile(file: string): Promise<Map<string, string[]>> {
  const db = await openDb(file, { readonly: true });
  try {
    const out = new Map<string, string[]>();
    for (const { name } of await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'"))
      out.set(name, (await db.all<Row>(`SELECT * FROM "${name}"`)).map((r) => JSON.stringify(r)));
    return out;
  } finally {
    await db.close();
  }
}

const mentions = (rows: string[] | undefined, ids: string[]) => (rows ?? []).filter((r) => ids.some((id) => r.includes(id))).length;

describe('shopper rights after a whole store day', () => {
  it('exports and erases one shopper by app id: afterwards no table, queued outbox row or log line holds their data, and other shoppers’ data is intact', async () => {
    const plan = makePlan(SEED, 'small');
    // the shopper who walks the store, uses the mirror and orders for locker pickup: every data class
    const fit = plan.fitting.find((f) => f.then === 'order_locker');
    const who = plan.shoppers.find((s) => s.name === fit?.shopper);
    expect(who, 'the plan has a shopper who orders for locker pickup').toBeDefined();
    const appId = `${who?.major}-${who?.minor}`;

    const cloud = await startCloudReceiver();
    onTestFinished(() => cloud.close());
    const secrets = Object.fromEntries(SCENARIO_DEVICES.map((d) => [d.id, `secret-${d.id}-0123456789`]));
    const gw = await startGateway({ keep: true, overrides: { ...scenarioGatewayConfig({ cloudUrl: cloud.url, secrets }), 'log.level': 'info' } });
    onTestFinished(() => gw.stopGateway());
    const dbFile = join(gw.dataDir, 'storegate.db');
    const day = await runScenario(plan, {
      mqttUrl: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      httpUrl: `http://127.0.0.1:${gw.ports.http}`,
      staffToken: STAFF_TOKEN,
      storeId: gw.config.storeId,
      secrets,
      cloud,
      dbFile,
    });
    // the shopper-data outcomes of the day must all hold; beacon/alert timing checks are not this test's subject
    // (on a loaded box a fixed beacon can be reported missing once more than planned)
    const needed = ['sessionsClosed', 'sessionRoutes', 'parcels', 'returnsDropped', 'fittingSessions', 'fittingLinked', 'fittingItems', 'sizeRequests', 'orders', 'cloud'];
    expect(day.checks.filter((c) => needed.includes(c.name) && !c.ok).map((c) => c.name), day.report).toEqual([]);

    // the cloud's own record names the shopper's pseudonym and order, independent of the gateway's derivation
    // (the mirror learns who stood there when its session closes: the closed session names both)
    const closed = cloud
      .events()
      .find((e) => e.type === 'fitting.session.closed' && (e.data.orders as Array<{ delivery: string }>).some((o) => o.delivery === 'locker'));
    const pseudonym = String(closed?.data.shopperId);
    const orderId = String((closed?.data.orders as Array<{ id: string }> | undefined)?.[0]?.id);
    expect(pseudonym).toMatch(/^sh_[0-9a-f]{20}$/);
    const others = [...new Set(cloud.events().map((e) => e.data.shopperId).filter((s): s is string => typeof s === 'string' && s !== pseudonym))];
    expect(others.length).toBe(plan.shoppers.length - 1);

    // export: every data class of this shopper, linked from the app id alone
    const exp = await gw.http.inject({ method: 'POST', url: '/api/v1/privacy/export', headers: auth, payload: { appId } });
    expect(exp.statusCode, exp.body).toBe(200);
    const exported = exp.json();
    expect(exported.found).toMatchObject({
      sessions: expect.any(Number),
      presence: expect.any(Number),
      fittingRoom: expect.any(Number),
      lockerParcels: expect.any(Number),
    });
    const t = exported.tables as Record<string, Row[]>;
    expect(new Set(t.shopper_sessions?.map((r) => r.shopper_id))).toEqual(new Set([pseudonym]));
    expect(t.fitting_orders?.map((r) => r.id)).toContain(orderId);
    expect(t.locker_expected_parcels?.map((r) => r.order_id)).toEqual([orderId]);
    expect(t.locker_parcels?.map((r) => r.order_id)).toContain(orderId);
    for (const o of others) expect(exp.body).not.toContain(o);

    // what identifies this shopper anywhere: pseudonym, store visits, mirror sessions, order, parcels, size requests
    const ids = [
      pseudonym,
      orderId,
      ...(t.shopper_sessions ?? []).map((r) => String(r.id)),
      ...(t.fitting_room_sessions ?? []).map((r) => String(r.id)),
      ...(t.locker_parcels ?? []).map((r) => String(r.id)),
      ...(t.fitting_size_requests ?? []).map((r) => String(r.id)),
    ];
    await gw.work.flush();
    const before = await dumpFile(dbFile);
    expect(mentions(before.get('presence_events'), [pseudonym])).toBeGreaterThan(0);

    const er = await gw.http.inject({ method: 'POST', url: '/api/v1/privacy/erase', headers: auth, payload: { appId } });
    expect(er.statusCode, er.body).toBe(200);
    const erased = er.json();
    expect(erased.forwarded).toBe(true);
    // the receipt verifies offline against the store's published key
    const key = (await gw.http.inject({ method: 'GET', url: '/api/v1/privacy/receipt-key', headers: auth })).json();
    expect(verifyReceipt(erased.receipt, key.publicKey)).toEqual({ ok: true, keyId: key.keyId });
    expect(erased.receipt.receipt).toMatchObject({ action: 'erase', handle: 'app', counts: erased.erased, eventId: erased.eventId });
    expect(JSON.stringify(erased.receipt)).not.toContain(appId);

    // the cloud is told, with the pseudonym it knows the shopper by; then the outbox has nothing left of them
    const request = await cloud.waitFor((e) => e.type === 'privacy.erase.requested', 30_000);
    expect(request.data.shopperIds).toContain(pseudonym);
    expect(request.data.orderIds).toEqual([orderId]);
    await until(async () => (await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_pending'))?.n === 0, 30_000, 'outbox drained');
    await gw.stopGateway();

    const after = await dumpFile(dbFile);
    const left: string[] = [];
    for (const [table, rows] of after) for (const r of rows) if (ids.some((id) => r.includes(id))) left.push(`${table}: ${r.slice(0, 200)}`);
    expect(left).toEqual([]);
    const logged = gw.logs.lines.filter((l) => ids.some((id) => l.includes(id)) || l.includes(appId));
    expect(logged).toEqual([]);

    // everyone else: every table's rows minus exactly what the receipt says was erased; other shoppers' rows all there
    for (const [table, rows] of before) {
      const n = erased.tables[table] ?? 0;
      const redacted = table === 'locker_audit';
      if (table.startsWith('outbox_') || table === 'kv' || table === 'ble_beacons' || table === 'devices' || table === 'durable_deliveries') continue;
      expect(after.get(table)?.length, table).toBe(redacted ? rows.length : rows.length - n);
      expect(mentions(after.get(table), others), table).toBe(mentions(rows, others));
    }
  }, 180_000);
});
