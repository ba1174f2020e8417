import { describe, expect, it } from 'vitest';
import { pickupQr } from '../../../../devices/locker/codes.ts';
import { nextEvent, until } from '../../../helpers/gateway.ts';
import { compartment, isKeypad, isOpen, loadOrder, lockerRig, staff } from './helpers.ts';

describe('locker load → pickup over MQTT and the staff API', () => {
  it('loads an order into the best-fit compartment, tells the cloud without the code, and hands it over for the right code', async () => {
    const { gw, sim } = await lockerRig();
    const { compartmentId, parcelId, code, event } = await loadOrder(gw, sim, 'order-1001', 'M');
    expect(compartmentId).toBe('A3');
    expect(event.type).toBe('locker.parcel.loaded');
    expect(event.source).toBe('storegate/store-1/locker/lk-01');
    expect(event.data).toMatchObject({ orderId: 'order-1001', compartmentId: 'A3', bankId: 'A', size: 'M' });
    expect(JSON.stringify(event)).not.toContain(code);
    expect(await compartment(gw, 'A3')).toMatchObject({ state: 'awaiting_pickup', door: 'closed', occupied: true, parcel: { orderId: 'order-1001' } });

    const picked = nextEvent(gw, 'locker.parcel.picked_up');
    await sim.enterCode(code);
    await sim.nextCommand(isOpen('A3'));
    await sim.nextCommand(isKeypad('ok'));
    await sim.close('A3', false);
    expect((await picked).data).toEqual({ parcelId, orderId: 'order-1001', compartmentId: 'A3', via: 'code' });
    expect((await staff(gw, 'GET', `/api/v1/lockers/parcels/${parcelId}`)).body.status).toBe('picked_up');
    expect(await compartment(gw, 'A3')).toMatchObject({ state: 'free', parcel: null });

    // one-time: the same code again opens nothing
    await sim.enterCode(code);
    await sim.nextCommand(isKeypad('wrong'));
    expect(sim.pending().filter((c) => c.type === 'open')).toEqual([]);

    const audit = (await staff(gw, 'GET', '/api/v1/lockers/audit')).body.audit as Array<{ actor: string; action: string; compartmentId: string }>;
    expect(audit.map((a) => `${a.actor} ${a.action} ${a.compartmentId}`)).toEqual([
      'code open:pickup A3',
      // the shared staff token is named as such; a person who logged in is named by login (staff:<login>)
      'staff-token open:load A3',
    ]);
    // codes never reach the logs, not even redacted fields would hold them
    expect(gw.logs.lines.filter((l) => l.includes(code))).toEqual([]);
  });

  it('keeps the parcel and the code when the shopper closes the door without taking it', async () => {
    const { gw, sim } = await lockerRig();
    const { code } = await loadOrder(gw, sim, 'order-1002');
    await sim.enterCode(code);
    await sim.nextCommand(isOpen('A2'));
    await sim.close('A2', true);
    await sim.enterCode(code);
    await sim.nextCommand(isOpen('A2'));
  });

  it('refuses to load an order twice and refuses a wrong token', async () => {
    const { gw, sim } = await lockerRig();
    await loadOrder(gw, sim, 'order-1003');
    const again = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-1003', size: 'S' });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already in compartment A2/);
    expect((await staff(gw, 'GET', '/api/v1/lockers', undefined, 'nope')).status).toBe(401);
  });

  it('hands a parcel over for the pickup QR from the app, once', async () => {
    const { gw, sim } = await lockerRig();
    const { code, parcelId } = await loadOrder(gw, sim, 'order-1004');
    const picked = nextEvent(gw, 'locker.parcel.picked_up');
    await sim.scanQr(pickupQr(code));
    await sim.nextCommand(isOpen('A2'));
    await sim.close('A2', false);
    expect((await picked).data).toMatchObject({ parcelId, via: 'qr' });
    await sim.scanQr(pickupQr(code));
    await sim.nextCommand(isKeypad('wrong'));
  });

  it('lets staff cancel a load whose door never opened, but not one whose door is open', async () => {
    const { gw, sim } = await lockerRig();
    sim.ignoreNextOpen('A2');
    const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-1005', size: 'S' });
    await sim.nextCommand(isOpen('A2'));
    const failed = nextEvent(gw, 'locker.parcel.load_failed');
    expect((await staff(gw, 'POST', `/api/v1/lockers/parcels/${res.body.parcelId}/cancel`)).status).toBe(200);
    expect((await failed).data).toMatchObject({ orderId: 'order-1005', reason: 'cancelled by staff' });
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'free', pending: null });

    const again = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-1005', size: 'S' });
    expect(again.body.compartmentId).toBe('A2');
    await sim.nextCommand(isOpen('A2'));
    await until(async () => (await compartment(gw, 'A2'))?.door === 'open', 5000, 'door A2 open');
    const refused = await staff(gw, 'POST', `/api/v1/lockers/parcels/${again.body.parcelId}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/door A2 is open/);
  });
});
