import { describe, expect, it } from 'vitest';
import type { EventMap } from '../../../../gateway/bus/events.ts';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { freePort } from '../../../helpers/mosquitto.ts';
import { ADMIN_TOKEN, addDevice, nextEvent, STAFF_TOKEN, type TestGateway, until } from '../../../helpers/gateway.ts';
import { compartment, isOpen, loadOrder, lockerGateway, lockerRig, staff } from './helpers.ts';

type Intent = EventMap['order.intent.created'];

/** A forwarder on a dead port, so cloud-bound events stay in the outbox where the test can read them. */
const withCloud = async (extra: Record<string, unknown> = {}) => ({
  'cloud.forwarders': [{ name: 'cloud', kind: 'http', url: `http://127.0.0.1:${await freePort()}/e` }],
  ...extra,
});

const intent = (gw: TestGateway, over: Partial<Intent> = {}): Intent => ({
  orderIntentId: 'oi-1',
  sessionId: 'fs-1',
  shopperId: 'sh_0123456789abcdef0123',
  mirrorId: 'mirror-1',
  sku: 'SG-0301',
  size: 'M',
  delivery: 'locker',
  pickupStoreId: gw.config.storeId,
  ...over,
});

/** What the fitting room commits, committed the same way (a unit of work: a durable handoff to lockers); resolves when lockers recorded it. */
async function orderIntent(gw: TestGateway, over: Partial<Intent> = {}) {
  const data = intent(gw, over);
  const created = nextEvent(gw, 'locker.expected.created', (e) => (e.data as { orderId: string }).orderId === data.orderIntentId);
  void gw.work.run(async (w) => w.emit(gw.bus.make('order.intent.created', 'storegate/store-1/mirror/mirror-1', data)));
  return created;
}

/** Locker work runs one at a time: a staff call that goes through the queue returns after the sweeps queued before it. */
const queuedWorkDone = async (gw: TestGateway) => expect((await staff(gw, 'POST', '/api/v1/lockers/expected/barrier/cancel')).status).toBe(404);

const expectedRow = (gw: TestGateway, orderId: string) =>
  gw.db.get<Record<string, unknown>>('SELECT * FROM locker_expected_parcels WHERE order_id = ?', [orderId]);
const outboxTypes = async (gw: TestGateway) =>
  (await gw.db.all<{ body: string }>('SELECT body FROM outbox_events ORDER BY rowid')).map(
    (r) => JSON.parse(r.body) as { id: string; type: string; data: Record<string, unknown> },
  );

describe('expected parcels: online orders for pickup from these lockers', () => {
  it('records a locker-delivery order intent for this store once, with its cloud event in the outbox; home and other stores add nothing', async () => {
    const { gw } = await lockerRig({ overrides: await withCloud() });
    // not ours: home delivery, another store's lockers (handled before the next one, in order)
    void gw.work.run(async (w) =>
      w.emit(
        gw.bus.make(
          'order.intent.created',
          'storegate/store-1/mirror/mirror-1',
          intent(gw, { orderIntentId: 'oi-home', delivery: 'home', pickupStoreId: null }),
        ),
      ),
    );
    void gw.work.run(async (w) =>
      w.emit(gw.bus.make('order.intent.created', 'storegate/store-1/mirror/mirror-1', intent(gw, { orderIntentId: 'oi-other', pickupStoreId: 'store-9' }))),
    );
    const e = await orderIntent(gw);
    expect(e.source).toBe('storegate/store-1/gateway/lockers');
    expect(e.data).toEqual({ orderId: 'oi-1', sku: 'SG-0301', size: 'M', status: 'expected', compartmentId: null, reservedUntil: null });
    expect(await expectedRow(gw, 'oi-1')).toMatchObject({
      status: 'expected',
      sku: 'SG-0301',
      size: 'M',
      shopper_id: 'sh_0123456789abcdef0123',
      mirror_id: 'mirror-1',
    });
    expect(await expectedRow(gw, 'oi-home')).toBeUndefined();
    expect(await expectedRow(gw, 'oi-other')).toBeUndefined();
    const queued = (await outboxTypes(gw)).filter((b) => b.type === 'storegate.locker.expected.created');
    expect(queued).toMatchObject([{ id: e.id, data: { orderId: 'oi-1' } }]);
    // the shopper pseudonym stays in the store: the cloud has it with the order intent
    expect(JSON.stringify(queued)).not.toContain('sh_0123');

    // the same intent again (a replay): nothing new; a second order is listed after the first
    void gw.work.run(async (w) => w.emit(gw.bus.make('order.intent.created', 'storegate/store-1/mirror/mirror-1', intent(gw))));
    await orderIntent(gw, { orderIntentId: 'oi-2', pickupStoreId: null });
    expect((await outboxTypes(gw)).filter((b) => b.type === 'storegate.locker.expected.created').map((b) => b.data.orderId)).toEqual(['oi-1', 'oi-2']);
    const list = await staff(gw, 'GET', '/api/v1/lockers/expected?status=expected');
    expect((list.body.expected as Array<{ orderId: string }>).map((x) => x.orderId)).toEqual(['oi-1', 'oi-2']);
    expect(list.body.expected).toMatchObject([{ orderId: 'oi-1', status: 'expected', compartmentId: null, mirrorId: 'mirror-1' }, {}]);
    expect(JSON.stringify(list.body)).not.toContain('sh_0123');
  });

  it('reserves a compartment when the parcel arrives, keeps other loads out of it, and loads the order into it', async () => {
    const { gw, sim } = await lockerRig({ overrides: await withCloud() });
    await orderIntent(gw);
    const arrived = nextEvent(gw, 'locker.expected.arrived');
    const res = await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived', { size: 'M' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ orderId: 'oi-1', status: 'arrived', compartmentId: 'A3', bankId: 'A', size: 'M' });
    expect(Date.parse(res.body.reservedUntil as string) - Date.now()).toBeGreaterThan(119 * 60_000);
    expect((await arrived).data).toMatchObject({ orderId: 'oi-1', status: 'arrived', compartmentId: 'A3', reservedUntil: res.body.reservedUntil });
    expect(await compartment(gw, 'A3')).toMatchObject({ state: 'reserved', parcel: null });

    // another M order does not get the reserved A3 but the next size up
    const other = await loadOrder(gw, sim, 'order-other', 'M');
    expect(other.compartmentId).toBe('A1');

    // a load of the order whose door closes empty keeps the reservation
    const first = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'oi-1' });
    expect(first.body.compartmentId).toBe('A3');
    await sim.nextCommand(isOpen('A3'));
    const failed = nextEvent(gw, 'locker.parcel.load_failed');
    await sim.close('A3', false);
    await failed;
    expect(await compartment(gw, 'A3')).toMatchObject({ state: 'reserved' });
    expect(await expectedRow(gw, 'oi-1')).toMatchObject({ status: 'arrived', compartment_id: 'A3' });

    // the order's load (size S given, still into its reserved M) and the expected parcel becomes loaded
    const loaded = nextEvent(gw, 'locker.expected.loaded');
    const { compartmentId, parcelId } = await loadOrder(gw, sim, 'oi-1', 'S');
    expect(compartmentId).toBe('A3');
    expect((await loaded).data).toMatchObject({ orderId: 'oi-1', status: 'loaded', compartmentId: 'A3', parcelId });
    expect(await expectedRow(gw, 'oi-1')).toMatchObject({ status: 'loaded', compartment_id: 'A3' });
    expect(await compartment(gw, 'A3')).toMatchObject({ state: 'awaiting_pickup', parcel: { orderId: 'oi-1' } });
    const types = (await outboxTypes(gw)).filter((b) => b.type.startsWith('storegate.locker.expected.')).map((b) => b.type);
    expect(types).toEqual(['storegate.locker.expected.created', 'storegate.locker.expected.arrived', 'storegate.locker.expected.loaded']);
    // both steps are in the audit trail with the staff actor
    const audit = (await staff(gw, 'GET', '/api/v1/lockers/audit')).body.audit as Array<{ action: string; compartmentId: string; ref: string }>;
    expect(audit.filter((a) => a.action === 'reserve')).toMatchObject([{ compartmentId: 'A3', ref: 'oi-1' }]);
  });

  it('gives the compartment back when the reservation lapses on the clock, and the parcel is expired', async () => {
    const clock = createFakeClock();
    const { gw } = await lockerRig({ clock, overrides: await withCloud({ 'lockers.reservationHoldMinutes': 30 }) });
    await orderIntent(gw);
    const res = await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived', {});
    expect(res.body).toMatchObject({ compartmentId: 'A2', reservedUntil: new Date(clock.now() + 30 * 60_000).toISOString() });
    // the free S compartment left is A4; the reserved A2 is not offered
    const s = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-9', size: 'S' });
    expect(s.body.compartmentId).toBe('A4');

    clock.advance(29 * 60_000);
    await queuedWorkDone(gw);
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'reserved' });

    const expired = nextEvent(gw, 'locker.expected.expired');
    clock.advance(61_000);
    expect((await expired).data).toMatchObject({ orderId: 'oi-1', status: 'expired', compartmentId: 'A2' });
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'free' });
    expect(await expectedRow(gw, 'oi-1')).toMatchObject({ status: 'expired' });
    expect((await outboxTypes(gw)).map((b) => b.type)).toContain('storegate.locker.expected.expired');
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived')).status).toBe(409);
  });

  it('answers 401 without the staff token, 404 for an unknown order, 409 in the wrong state or without room, 400 for a bad body', async () => {
    const { gw } = await lockerRig();
    expect((await staff(gw, 'GET', '/api/v1/lockers/expected', undefined, 'nope')).status).toBe(401);
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived', {}, 'nope')).status).toBe(401);
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/cancel', undefined, 'nope')).status).toBe(401);
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/nope/arrived', {})).status).toBe(404);
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/nope/cancel')).status).toBe(404);
    expect((await staff(gw, 'GET', '/api/v1/lockers/expected?status=lost')).status).toBe(400);

    await orderIntent(gw);
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived', { size: 3 })).status).toBe(400);
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived', { dims: { w: 0, h: 1, d: 1 } })).status).toBe(400);
    const unknownSize = await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived', { size: 'XXL' });
    expect(unknownSize.status).toBe(400);
    expect(unknownSize.body.message).toMatch(/unknown size XXL/);
    const tooBig = await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived', { dims: { w: 900, h: 900, d: 900 } });
    expect(tooBig.status).toBe(409);
    expect(tooBig.body.message).toMatch(/no free compartment fits/);
    expect(await expectedRow(gw, 'oi-1')).toMatchObject({ status: 'expected' });

    // no body at all: the smallest size class
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived')).body).toMatchObject({ compartmentId: 'A2' });
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived', {})).status).toBe(409);

    const cancelled = nextEvent(gw, 'locker.expected.cancelled');
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/cancel')).body).toEqual({ orderId: 'oi-1', status: 'cancelled' });
    expect((await cancelled).data).toMatchObject({ orderId: 'oi-1', status: 'cancelled', compartmentId: 'A2' });
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'free' });
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/cancel')).status).toBe(409);
    expect((await staff(gw, 'GET', '/api/v1/lockers/expected?status=cancelled')).body.expected).toMatchObject([{ orderId: 'oi-1' }]);
    expect((await staff(gw, 'GET', '/api/v1/lockers/expected?status=expected')).body.expected).toEqual([]);
  });

  it('goes end to end from a shopper ordering at the mirror for locker pickup to a reserved compartment', async () => {
    const { gw } = await lockerRig({ overrides: await withCloud() });
    await addDevice(gw, 'mirror-1', 'mirror', 'fitting-1');
    const created = nextEvent(gw, 'locker.expected.created');
    const res = await fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/fitting/mirrors/mirror-1/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${STAFF_TOKEN}` },
      body: JSON.stringify({ type: 'order', productId: 'SG-0301', size: 'M', delivery: 'locker' }),
    });
    expect(res.status).toBe(200);
    const order = (await res.json()) as { type: string; id: string; delivery: string };
    expect(order).toMatchObject({ type: 'order', delivery: 'locker' });
    expect((await created).data).toMatchObject({ orderId: order.id, sku: 'SG-0301', size: 'M', status: 'expected' });
    const types = (await outboxTypes(gw)).map((b) => b.type);
    expect(types).toEqual(expect.arrayContaining(['storegate.order.intent.created', 'storegate.locker.expected.created']));

    const arrived = await staff(gw, 'POST', `/api/v1/lockers/expected/${order.id}/arrived`, { size: 'S' });
    expect(arrived.body).toMatchObject({ orderId: order.id, compartmentId: 'A2' });

    // a home delivery order from the mirror expects nothing here
    await fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/fitting/mirrors/mirror-1/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${STAFF_TOKEN}` },
      body: JSON.stringify({ type: 'order', productId: 'SG-0301', size: 'L', delivery: 'home' }),
    });
    expect((await staff(gw, 'GET', '/api/v1/lockers/expected')).body.expected).toMatchObject([{ orderId: order.id, status: 'arrived' }]);
  });

  it('puts the order back to expected when its reserved compartment jams during the load, so staff can reserve another', async () => {
    const { gw, sim } = await lockerRig();
    await orderIntent(gw);
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived')).body.compartmentId).toBe('A2');
    sim.jam('A2');
    const released = nextEvent(gw, 'locker.expected.released');
    expect((await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'oi-1' })).body.compartmentId).toBe('A2');
    expect((await released).data).toMatchObject({ orderId: 'oi-1', status: 'expected', compartmentId: null, reason: 'compartment A2 is out of order' });
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'free', fault: 'jammed' });
    expect((await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived')).body.compartmentId).toBe('A4');
  });

  it('frees a reserved compartment whose expected parcel was erased with its shopper, on the next sweep', async () => {
    const clock = createFakeClock();
    const { gw } = await lockerRig({ clock });
    await orderIntent(gw);
    await staff(gw, 'POST', '/api/v1/lockers/expected/oi-1/arrived');
    const erase = await fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/privacy/shoppers/sh_0123456789abcdef0123`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(erase.status).toBe(200);
    expect((await erase.json()) as { erased: Record<string, number> }).toMatchObject({ erased: { locker_expected_parcels: 1 } });
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'reserved' });
    clock.advance(60_000);
    await queuedWorkDone(gw);
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'free' });
  });

  it('leaves the privacy retention job only finished expected parcels to purge (loaded, cancelled, expired)', async () => {
    const clock = createFakeClock();
    const { gw } = await lockerRig({ clock, overrides: { 'retention.lockerParcelsDays': 7 } });
    const old = clock.now() - 7 * 86_400_000 - 60_000;
    for (const [id, status, at] of [
      ['old-loaded', 'loaded', old],
      ['old-cancelled', 'cancelled', old],
      ['old-expired', 'expired', old],
      ['old-expected', 'expected', old],
      ['old-arrived', 'arrived', old],
      ['new-loaded', 'loaded', clock.now()],
    ] as const)
      await gw.db.run('INSERT INTO locker_expected_parcels (order_id, sku, size, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
        id,
        'SG-1',
        'M',
        status,
        at,
        at,
      ]);
    const run = await fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/privacy/retention/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(((await run.json()) as { deleted: Record<string, number> }).deleted.lockerParcels).toBe(3);
    const left = await gw.db.all<{ order_id: string }>('SELECT order_id FROM locker_expected_parcels ORDER BY order_id');
    expect(left.map((r) => r.order_id)).toEqual(['new-loaded', 'old-arrived', 'old-expected']);
  });
});

describe('expected parcels after a stop between the order and the locker service', () => {
  it('hands over a locker-delivery order the fitting room committed just before a crash, once, at the next start', async () => {
    const { gw, secret } = await lockerGateway({ keep: true });
    const dataDir = gw.dataDir;
    // the fitting room's unit of work committed the order and, in the same transaction, its handoff to lockers;
    // the process died before lockers ran it (what the unit of work writes, written here by hand)
    const order = gw.bus.make('order.intent.created', 'storegate/store-1/mirror/mirror-1', intent(gw, { orderIntentId: 'oi-missed' }));
    const home = gw.bus.make(
      'order.intent.created',
      'storegate/store-1/mirror/mirror-1',
      intent(gw, { orderIntentId: 'oi-home', delivery: 'home', pickupStoreId: null }),
    );
    for (const e of [order, home])
      await gw.db.run("INSERT INTO durable_deliveries (consumer, event_id, type, event) VALUES ('lockers', ?, 'order.intent.created', ?)", [
        e.id,
        JSON.stringify(e),
      ]);
    await gw.stopGateway();

    const { gw: again } = await lockerGateway({ dataDir, secret, keep: true });
    const row = await until(() => expectedRow(again, 'oi-missed'));
    expect(row).toMatchObject({ status: 'expected', sku: 'SG-0301', size: 'M', session_id: 'fs-1', shopper_id: 'sh_0123456789abcdef0123' });
    expect(await expectedRow(again, 'oi-home')).toBeUndefined();
    await until(async () => (await again.db.all('SELECT 1 FROM durable_deliveries')).length === 0, 5000, 'handoffs done');
    expect(again.logs.lines.some((l) => l.includes('previous run committed but did not deliver'))).toBe(true);
    await again.stopGateway();

    // a third start has nothing to hand over: the order is not added twice, nor its event queued twice
    const { gw: third } = await lockerGateway({ dataDir, secret });
    await queuedWorkDone(third);
    expect((await third.db.all("SELECT order_id FROM locker_expected_parcels WHERE order_id = 'oi-missed'")).length).toBe(1);
    expect(third.logs.lines.some((l) => l.includes('previous run committed but did not deliver'))).toBe(false);
  });
});
