import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { nextEvent } from '../../../helpers/gateway.ts';
import { compartment, isKeypad, isOpen, loadOrder, lockerRig, staff } from './helpers.ts';

const H = 3_600_000;

describe('pickup windows per order, reminders, expiry and reclaim', () => {
  it('reminds before the end of the order’s own window, expires it onto the "to reclaim" list, and staff reclaim it', async () => {
    const clock = createFakeClock();
    // reminders 15 and 3 minutes before the end (short, so the fake clock does not run a day of every gateway timer)
    const { gw, sim } = await lockerRig({ clock, overrides: { 'lockers.pickupHours': 72, 'lockers.pickupReminderHours': [0.25, 0.05] } });
    // this order has a 30 min window instead of the store's 72 h
    expect((await staff(gw, 'POST', '/api/v1/lockers/orders', { orderId: 'order-late', pickupHours: 0.5 })).status).toBe(200);
    const { code, parcelId, compartmentId, event } = await loadOrder(gw, sim, 'order-late');
    expect(Date.parse((event.data as { expiresAt: string }).expiresAt) - clock.now()).toBe(0.5 * H);

    const reminders: Array<{ hoursLeft: number }> = [];
    gw.bus.on('test', 'locker.parcel.reminder', (e) => void reminders.push(e.data));
    const first = nextEvent(gw, 'locker.parcel.reminder');
    clock.advance(15 * 60_000);
    expect((await first).data).toMatchObject({ parcelId, orderId: 'order-late', compartmentId, hoursLeft: 0.25 });
    const second = nextEvent(gw, 'locker.parcel.reminder', (e) => (e.data as { hoursLeft: number }).hoursLeft === 0.05);
    clock.advance(12 * 60_000);
    await second;

    const expired = nextEvent(gw, 'locker.parcel.expired');
    clock.advance(3 * 60_000);
    expect((await expired).data).toEqual({ parcelId, orderId: 'order-late', compartmentId });
    expect(reminders).toHaveLength(2);
    // the code no longer opens it
    await sim.enterCode(code, { session: 's1' });
    await sim.nextCommand(isKeypad('wrong'));
    const list = (await staff(gw, 'GET', '/api/v1/lockers/reclaim')).body.parcels as Array<Record<string, unknown>>;
    expect(list).toEqual([{ parcelId, orderId: 'order-late', compartmentId, bankId: 'A', expiredAt: new Date(clock.now()).toISOString() }]);

    const reclaimed = nextEvent(gw, 'locker.parcel.reclaimed');
    expect((await staff(gw, 'POST', `/api/v1/lockers/parcels/${parcelId}/reclaim`)).status).toBe(200);
    await sim.nextCommand(isOpen(compartmentId));
    await sim.close(compartmentId, false);
    expect((await reclaimed).data).toEqual({ parcelId, orderId: 'order-late', compartmentId });
    expect((await staff(gw, 'GET', '/api/v1/lockers/reclaim')).body.parcels).toEqual([]);
    expect(await compartment(gw, compartmentId)).toMatchObject({ state: 'free', parcel: null });
  });

  it('an order without its own window gets the store default', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock, overrides: { 'lockers.pickupHours': 72 } });
    const { event } = await loadOrder(gw, sim, 'order-default');
    expect(Date.parse((event.data as { expiresAt: string }).expiresAt) - clock.now()).toBe(72 * H);
  });
});
