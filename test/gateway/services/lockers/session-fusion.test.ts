import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { ADMIN_TOKEN, addDevice, connectMqtt, deviceTopic, nextEvent, publish, until } from '../../../helpers/gateway.ts';
import { signReturnQr } from '../../../../devices/locker/return-qr.ts';
import { isKeypad, isOpen, loadOrder, lockerRig, RETURN_KEY } from './helpers.ts';

const APP_UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
// the store app advertising as iBeacon APP_UUID / major 7 / minor 4242: app id "7-4242"
const APP_ID = '7-4242';
const appAdv = `4c000215${APP_UUID.replaceAll('-', '')}00071092c5`;
const presence = {
  zones: [{ name: 'pickup-point', role: 'shelf', scanners: ['sc-lk'] }],
  shopperApp: { ibeaconUuids: [APP_UUID] },
  switchMinSeconds: 2,
  absenceTimeoutSeconds: 600,
  sessionGraceSeconds: 0,
};
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
type Row = Record<string, unknown>;

/** The shopper's phone is heard by the scanner at the locker: presence opens their store visit. */
async function visitOf(gw: Awaited<ReturnType<typeof lockerRig>>['gw'], clock: ReturnType<typeof createFakeClock>) {
  const secret = await addDevice(gw, 'sc-lk', 'ble-scanner', 'pickup-point');
  const scanner = await connectMqtt(gw.ports.mqtt, { username: 'sc-lk', password: secret, clientId: 'sc-lk' });
  const entered = nextEvent(gw, 'presence.entered');
  for (let i = 0; i < 4; i++) {
    await publish(
      scanner,
      deviceTopic(gw, 'ble-scanner', 'sc-lk', 'adv'),
      JSON.stringify({ rssi: -60, address: '5A:11:22:33:44:55', manufacturerData: appAdv }),
    );
    clock.advance(1000);
  }
  const shopperId = ((await entered).data as { shopperId: string }).shopperId;
  const visit = await until(() => gw.db.get<{ id: string }>("SELECT id FROM shopper_sessions WHERE shopper_id = ? AND status = 'open'", [shopperId]));
  return { shopperId, visitId: visit?.id, scanner };
}

describe('session fusion at the lockers', () => {
  it("joins a pickup made with the shopper's app to their store visit: the timeline shows presence then locker, export and erase by app id cover it, a keypad pickup stays apart", async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock, overrides: { presence } });
    const { shopperId, visitId, scanner } = await visitOf(gw, clock);

    // two online orders (not from the mirror: no order links them to anyone)
    clock.advance(60_000);
    const mine = await loadOrder(gw, sim, 'ON-100', 'S');
    const theirs = await loadOrder(gw, sim, 'ON-200', 'M');
    clock.advance(60_000);

    // the shopper unlocks with the app; someone else types their code on the keypad
    await sim.enterCode(mine.code, { via: 'app', session: APP_ID });
    await sim.nextCommand(isOpen(mine.compartmentId));
    await sim.nextCommand(isKeypad('ok'));
    await sim.close(mine.compartmentId, false);
    await sim.enterCode(theirs.code, { session: 'kp-77' });
    await sim.nextCommand(isOpen(theirs.compartmentId));
    await sim.nextCommand(isKeypad('ok'));
    await sim.close(theirs.compartmentId, false);
    const rows = await until(async () => {
      const r = await gw.db.all<Row>('SELECT order_id, status, shopper_id, shopper_session_id FROM locker_parcels ORDER BY order_id');
      return r.every((x) => x.status === 'picked_up') ? r : undefined;
    });
    expect(rows).toEqual([
      { order_id: 'ON-100', status: 'picked_up', shopper_id: shopperId, shopper_session_id: visitId },
      { order_id: 'ON-200', status: 'picked_up', shopper_id: null, shopper_session_id: null },
    ]);

    const tl = await gw.http.inject({ method: 'POST', url: '/api/v1/privacy/timeline', headers: admin, payload: { appId: APP_ID } });
    expect(tl.statusCode, tl.body).toBe(200);
    const moments = tl.json().moments as Array<{ at: string; kind: string; what: string; ref?: string; shopperId?: string; session?: string }>;
    expect(moments.map((m) => `${m.kind} ${m.what}`)).toEqual([
      'presence presence.entered',
      'presence presence.session.opened',
      'presence presence.dwell',
      'locker locker.parcel.loaded',
      'presence presence.dwell',
      'locker locker.parcel.picked_up',
    ]);
    expect(moments.map((m) => m.at)).toEqual(moments.map((m) => m.at).sort());
    expect(moments.at(-1)).toMatchObject({ ref: 'ON-100', shopperId, session: visitId });
    expect(tl.body).not.toContain('ON-200');
    expect(tl.body).not.toContain(APP_ID);

    const exp = await gw.http.inject({ method: 'POST', url: '/api/v1/privacy/export', headers: admin, payload: { appId: APP_ID } });
    const parcels = (exp.json().tables as Record<string, Row[]>).locker_parcels ?? [];
    expect(parcels.map((p) => p.order_id)).toEqual(['ON-100']);

    const er = await gw.http.inject({ method: 'POST', url: '/api/v1/privacy/erase', headers: admin, payload: { appId: APP_ID } });
    expect(er.statusCode, er.body).toBe(200);
    expect((await gw.db.all<Row>('SELECT order_id FROM locker_parcels')).map((r) => r.order_id)).toEqual(['ON-200']);
    expect(await gw.db.all('SELECT id FROM shopper_sessions WHERE shopper_id = ?', [shopperId])).toEqual([]);
    await scanner.endAsync();
  });

  it("joins a return dropped off with the shopper's app to their store visit, and the timeline shows it after their presence", async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock, overrides: { presence } });
    const { shopperId, visitId, scanner } = await visitOf(gw, clock);
    clock.advance(60_000);
    const qr = signReturnQr(
      { rid: 'ret-9', oid: 'ON-900', item: 'sku-jeans-32', reason: 'wrong_size', size: 'M', exp: Math.floor(clock.now() / 1000) + 3600 },
      { hmacKey: RETURN_KEY },
    );
    await sim.scanQr(qr, { via: 'app', session: APP_ID });
    await sim.nextCommand(isOpen('A3'));
    await sim.close('A3', true);
    const row = await until(() =>
      gw.db.get<Row>("SELECT id, status, shopper_id, shopper_session_id FROM locker_returns WHERE id = 'ret-9' AND status = 'dropped'"),
    );
    expect(row).toEqual({ id: 'ret-9', status: 'dropped', shopper_id: shopperId, shopper_session_id: visitId });
    const tl = await gw.http.inject({ method: 'POST', url: '/api/v1/privacy/timeline', headers: admin, payload: { appId: APP_ID } });
    const moments = tl.json().moments as Array<{ kind: string; what: string; ref?: string; session?: string }>;
    expect(moments[0]?.kind).toBe('presence');
    expect(moments.at(-1)).toMatchObject({ kind: 'locker', what: 'locker.return (dropped)', ref: 'ON-900', session: visitId });
    await scanner.endAsync();
  });
});
