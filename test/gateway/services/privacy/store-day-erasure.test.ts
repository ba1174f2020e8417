import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startBleScanner } from '../../../../simulators/ble-scanner.ts';
import { createRng } from '../../../../simulators/rng.ts';
import { STORE_ZONES } from '../../../../simulators/store-layout.ts';
import { createStoreWorld, type ShopperPlan } from '../../../../simulators/store-world.ts';
import { SHOPPER_TABLES } from '../../../../gateway/services/privacy/shopper-data.ts';
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
      out.set(
        name,
        (await db.all<Row>(`SELECT * FROM "${name}"`)).map((r) => JSON.stringify(r)),
      );
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
    const needed = [
      'sessionsClosed',
      'sessionRoutes',
      'parcels',
      'returnsDropped',
      'fittingSessions',
      'fittingLinked',
      'fittingItems',
      'sizeRequests',
      'orders',
      'cloud',
    ];
    expect(
      day.checks.filter((c) => needed.includes(c.name) && !c.ok).map((c) => c.name),
      day.report,
    ).toEqual([]);

    // the cloud's own record names the shopper's pseudonym and order, independent of the gateway's derivation
    // (the mirror learns who stood there when its session closes: the closed session names both)
    const closed = cloud
      .events()
      .find((e) => e.type === 'fitting.session.closed' && (e.data.orders as Array<{ delivery: string }>).some((o) => o.delivery === 'locker'));
    const pseudonym = String(closed?.data.shopperId);
    const orderId = String((closed?.data.orders as Array<{ id: string }> | undefined)?.[0]?.id);
    expect(pseudonym).toMatch(/^sh_[0-9a-f]{20}$/);
    const others = [
      ...new Set(
        cloud
          .events()
          .map((e) => e.data.shopperId)
          .filter((s): s is string => typeof s === 'string' && s !== pseudonym),
      ),
    ];
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

    // the same links give one pseudonymous timeline: in the store, at the mirror, then the locker pickup
    const tl = await gw.http.inject({ method: 'POST', url: '/api/v1/privacy/timeline', headers: auth, payload: { appId } });
    expect(tl.statusCode, tl.body).toBe(200);
    const moments = tl.json().moments as Array<{ at: string; kind: string; what: string }>;
    const firstOf = (k: string) => moments.findIndex((m) => m.kind === k);
    expect(firstOf('presence')).toBe(0);
    expect(firstOf('fitting')).toBeGreaterThan(0);
    expect(moments.map((m) => m.what)).toContain('locker.parcel.picked_up');
    expect(moments.findIndex((m) => m.what === 'locker.parcel.picked_up')).toBeGreaterThan(firstOf('fitting'));
    expect(tl.body).not.toContain(appId);

    // what identifies this shopper anywhere: pseudonym, store visits, mirror sessions, order, parcels, size requests
    const ids = [
      pseudonym,
      orderId,
      ...(t.shopper_sessions ?? []).map((r) => String(r.id)),
      ...(t.fitting_room_sessions ?? []).map((r) => String(r.id)),
      ...(t.locker_parcels ?? []).map((r) => String(r.id)),
      ...(t.fitting_size_requests ?? []).map((r) => String(r.id)),
    ];
    // the shopper comes back in while the cloud is down: in presence memory now, their new session queued
    cloud.setDown(true);
    const world = createStoreWorld({ rng: createRng('again').fork('beacons'), since: 0 });
    world.addShopper({ ...(who as ShopperPlan), visits: [{ zone: 'entrance', from: 0, to: 3_600_000 }] }, createRng('again').fork('walk'));
    const entrance = STORE_ZONES[0] as (typeof STORE_ZONES)[number];
    const t0 = Date.now();
    const scanner = await startBleScanner({
      url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      storeId: gw.config.storeId,
      id: entrance.scannerId,
      secret: secrets[entrance.scannerId] ?? '',
      at: entrance.at,
      emitters: world.emitters,
      rng: createRng('again').fork('radio'),
      now: () => Date.now() - t0,
      intervalMs: 250,
    });
    onTestFinished(() => scanner.close());
    const present = await until(
      async () => {
        const r = (await gw.http.inject({ method: 'GET', url: '/api/v1/presence', headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).json();
        const list = (Array.isArray(r) ? r : r.shoppers) as Array<{ shopperId: string }>;
        return list.length === 1 ? list[0]?.shopperId : undefined;
      },
      30_000,
      'the returning shopper is placed',
    );
    ids.push(present as string);
    await until(
      async () => (await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_events WHERE instr(body, ?) > 0', [JSON.stringify(present)]))?.n,
      10_000,
      'their new session queued for the cloud',
    );
    // the phone goes quiet (its last sightings handled) while presence still holds the shopper
    await scanner.close();
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
    expect(erased.receipt.receipt).toMatchObject({ action: 'erase', handle: 'app', counts: erased.classes, eventId: erased.eventId });
    expect(JSON.stringify(erased.receipt)).not.toContain(appId);
    expect(erased.erased.outbox_events).toBeGreaterThan(0);
    // gone from memory at once; a phone still advertising is a new shopper from the next sighting on
    const now = (await gw.http.inject({ method: 'GET', url: '/api/v1/presence', headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).body;
    expect(now).not.toContain(String(present));
    const erasedAt = cloud.events().length;
    cloud.setDown(false);

    // the cloud is told, with the pseudonym it knows the shopper by; then the outbox has nothing left of them
    const request = await cloud.waitFor((e) => e.type === 'privacy.erase.requested', 30_000);
    expect(request.data.shopperIds).toContain(pseudonym);
    expect(request.data.orderIds).toEqual([orderId]);
    await until(async () => (await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_pending'))?.n === 0, 30_000, 'outbox drained');
    // after the erase the cloud got the request and nothing naming the shopper
    const since = cloud
      .events()
      .slice(erasedAt)
      .filter((e) => e.type !== 'privacy.erase.requested');
    expect(since.filter((e) => ids.some((id) => JSON.stringify(e).includes(id)))).toEqual([]);
    await gw.stopGateway();

    const after = await dumpFile(dbFile);
    const left: string[] = [];
    for (const [table, rows] of after) for (const r of rows) if (ids.some((id) => r.includes(id))) left.push(`${table}: ${r.slice(0, 200)}`);
    expect(left).toEqual([]);
    const logged = gw.logs.lines.filter((l) => ids.some((id) => l.includes(id)) || l.includes(appId));
    expect(logged).toEqual([]);

    // everyone else: every row of the shopper-data tables that was not this shopper's is still there, byte for byte,
    // and what went is exactly what the receipt counts (tables written to later, e.g. beacon events, only grow)
    for (const table of [...SHOPPER_TABLES.map((x) => x.table), 'device_events', 'outbox_dead_letters']) {
      const rows = before.get(table) ?? [];
      const theirs = rows.filter((r) => ids.some((id) => r.includes(id)));
      const kept = rows.filter((r) => !theirs.includes(r));
      const now = new Set(after.get(table) ?? []);
      expect(
        kept.filter((r) => !now.has(r)),
        `${table}: other rows intact`,
      ).toEqual([]);
      expect(erased.erased[table] ?? 0, `${table}: erased as counted`).toBe(theirs.length);
    }
    expect(mentions(after.get('presence_events'), others)).toBe(mentions(before.get('presence_events'), others));
    expect(mentions(after.get('presence_events'), others)).toBeGreaterThan(0);
  }, 180_000);
});
