import { describe, expect, it } from 'vitest';
import { metricValue, nextEvent } from '../../../helpers/gateway.ts';
import { isKeypad, isOpen, lockerRig, staff } from './helpers.ts';

const COURIER = { id: 'dhl-7', code: '48151623' };

describe('courier drop-off without staff', () => {
  it('a courier code and the parcel label load the order into the best-fit compartment, audited as the courier', async () => {
    const { gw, sim } = await lockerRig({ overrides: { 'lockers.couriers': [COURIER] } });
    const courierLoaded = nextEvent(gw, 'locker.courier.loaded');
    const loaded = nextEvent(gw, 'locker.parcel.loaded');
    await sim.courierLoad(COURIER.code, 'order-c1', 'M', 'courier-van');
    await sim.nextCommand(isOpen('A3'));
    expect(await sim.nextCommand(isKeypad('ok'))).toMatchObject({ compartment: 'A3' });
    await sim.close('A3', true);
    expect((await loaded).data).toMatchObject({ orderId: 'order-c1', compartmentId: 'A3' });
    expect((await courierLoaded).data).toMatchObject({ orderId: 'order-c1', compartmentId: 'A3', courierId: 'dhl-7' });
    const audit = (await staff(gw, 'GET', '/api/v1/lockers/audit')).body.audit as Array<{ actor: string; action: string; ref: string }>;
    expect(audit[0]).toMatchObject({ actor: 'courier:dhl-7', action: 'open:load' });
    // the courier's code never reaches the logs
    expect(gw.logs.lines.filter((l) => l.includes(COURIER.code))).toEqual([]);
  });

  it('refuses a wrong courier code (counted towards that source’s lockout) and a parcel that is already in', async () => {
    const { gw, sim } = await lockerRig({ overrides: { 'lockers.couriers': [COURIER] } });
    await sim.courierLoad('99999999', 'order-c2', 'S', 'van-x');
    await sim.nextCommand(isKeypad('wrong'));
    expect(await metricValue(gw, 'storegate_lockers_keypad_refused_total', { reason: 'wrong_courier_code' })).toBe(1);
    await sim.courierLoad(COURIER.code, 'order-c2', 'S', 'van-y');
    await sim.nextCommand(isOpen('A2'));
    await sim.close('A2', true);
    await sim.courierLoad(COURIER.code, 'order-c2', 'S', 'van-y');
    expect(await sim.nextCommand(isKeypad('refused'))).toMatchObject({ message: expect.stringMatching(/already in compartment A2/) });
    expect(sim.pending().filter((c) => c.type === 'open')).toEqual([]);
  });
});
