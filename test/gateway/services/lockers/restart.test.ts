import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { nextEvent, until } from '../../../helpers/gateway.ts';
import { compartment, connectSim, isKeypad, isOpen, loadOrder, lockerGateway, lockerRig, mqttUrl, staff } from './helpers.ts';

describe('locker state across a gateway crash', () => {
  it('finishes a load whose door closed while the gateway was down, from the controller report, without double-booking', async () => {
    const first = await lockerRig({ keep: true });
    const res = await staff(first.gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-crash', size: 'S' });
    expect(res.body.compartmentId).toBe('A2');
    await first.sim.nextCommand(isOpen('A2'));
    await until(async () => (await compartment(first.gw, 'A2'))?.door === 'open', 5000, 'door A2 open');
    // the gateway goes away between "door opened" and "door closed"; the courier finishes the job meanwhile
    await first.gw.stopGateway();
    first.sim.setPhysical('A2', { door: 'closed', occupied: true });
    await first.sim.disconnect();

    const { gw } = await lockerGateway({ dataDir: first.gw.dataDir, secret: first.secret });
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'loading', door: 'open', pending: 'load' });
    // the controller is not back yet: staff gets a clear answer instead of a door that never opens
    const early = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-other', size: 'S' });
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/lk-01 is offline/);

    const loaded = nextEvent(gw, 'locker.parcel.loaded', (e) => (e.data as { orderId: string }).orderId === 'o-crash');
    await connectSim(first.sim, mqttUrl(gw));
    expect((await loaded).data).toMatchObject({ parcelId: res.body.parcelId, compartmentId: 'A2' });
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'awaiting_pickup', door: 'closed', occupied: true, pending: null });
    const n = await gw.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM locker_parcels WHERE order_id = 'o-crash'");
    expect(n?.n).toBe(1);
    // A2 is taken: the next small parcel goes next door
    expect((await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-other', size: 'S' })).body.compartmentId).toBe('A4');
  });

  it('finishes a pickup whose door closed empty while the gateway was down', async () => {
    const first = await lockerRig({ keep: true });
    const { code, parcelId } = await loadOrder(first.gw, first.sim, 'o-pick');
    await first.sim.enterCode(code);
    await first.sim.nextCommand(isOpen('A2'));
    await until(async () => (await compartment(first.gw, 'A2'))?.door === 'open', 5000, 'door A2 open');
    await first.gw.stopGateway();
    first.sim.setPhysical('A2', { door: 'closed', occupied: false });
    await first.sim.disconnect();

    const { gw } = await lockerGateway({ dataDir: first.gw.dataDir, secret: first.secret });
    const picked = nextEvent(gw, 'locker.parcel.picked_up');
    await connectSim(first.sim, mqttUrl(gw));
    expect((await picked).data).toMatchObject({ parcelId, via: 'code' });
    // and the code is spent
    await first.sim.enterCode(code);
    await first.sim.nextCommand(isKeypad('wrong'));
  });

  it('expires an uncollected parcel after the pickup time; staff reclaims it', async () => {
    const clock = createFakeClock();
    // 6 minutes instead of 3 days: the fake clock fires every gateway interval on the way
    const { gw, sim } = await lockerRig({ clock, overrides: { 'lockers.pickupHours': 0.1 } });
    const { code, parcelId } = await loadOrder(gw, sim, 'o-late');
    const expired = nextEvent(gw, 'locker.parcel.expired');
    clock.advance(6 * 60_000 + 60_000);
    expect((await expired).data).toEqual({ parcelId, orderId: 'o-late', compartmentId: 'A2' });
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'expired' });
    await sim.enterCode(code);
    await sim.nextCommand(isKeypad('wrong'));

    const reclaimed = nextEvent(gw, 'locker.parcel.reclaimed');
    expect((await staff(gw, 'POST', `/api/v1/lockers/parcels/${parcelId}/reclaim`)).status).toBe(200);
    await sim.nextCommand(isOpen('A2'));
    await sim.close('A2', false);
    expect((await reclaimed).data).toMatchObject({ parcelId });
    expect(await compartment(gw, 'A2')).toMatchObject({ state: 'free', parcel: null });
  });
});
