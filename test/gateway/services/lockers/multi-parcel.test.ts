import { describe, expect, it } from 'vitest';
import { nextEvent } from '../../../helpers/gateway.ts';
import { CODE_KEY, compartment, isKeypad, isOpen, lockerRig, staff } from './helpers.ts';
import { derivePickupCode } from '../../../../devices/locker/codes.ts';

/** Bank B: two low compartments at the bottom (one S, one M) and three higher ones. */
const BANK_LOW = {
  id: 'A',
  controllerId: 'lk-01',
  compartments: [
    { id: 'A1', size: 'L' },
    { id: 'A2', size: 'S' },
    { id: 'A3', size: 'M' },
    { id: 'A4', size: 'S', low: true },
    { id: 'A5', size: 'XL', low: true },
  ],
};

describe('orders in several parcels, accessibility, and the size proposal', () => {
  it('loads a three-parcel order under one code; the code opens all three doors; a partial pickup keeps the rest for the same code', async () => {
    const { gw, sim } = await lockerRig();
    await staff(gw, 'POST', '/api/v1/lockers/orders', { orderId: 'order-3p', parcels: 3 });
    const ready = nextEvent(gw, 'locker.order.ready');
    const nonces: string[] = [];
    const rooms: string[] = [];
    for (const size of ['S', 'S', 'M']) {
      const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-3p', size });
      expect(res.status).toBe(201);
      rooms.push(res.body.compartmentId as string);
      await sim.nextCommand(isOpen(res.body.compartmentId as string));
      const loaded = nextEvent(gw, 'locker.parcel.loaded', (e) => (e.data as { compartmentId: string }).compartmentId === res.body.compartmentId);
      await sim.close(res.body.compartmentId as string, true);
      nonces.push(((await loaded).data as { codeNonce: string }).codeNonce);
    }
    expect(rooms).toEqual(['A2', 'A4', 'A3']);
    expect(new Set(nonces).size).toBe(1);
    const r = (await ready).data as { parcelIds: string[]; compartmentIds: string[]; codeNonce: string };
    expect(r.compartmentIds).toEqual(['A2', 'A4', 'A3']);
    // a fourth parcel was not announced
    expect((await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-3p', size: 'S' })).status).toBe(409);

    const code = derivePickupCode(CODE_KEY, 'order-3p', r.codeNonce);
    await sim.enterCode(code, { session: 'shopper' });
    const opens = await Promise.all(['A2', 'A3', 'A4'].map((id) => sim.nextCommand(isOpen(id))));
    expect(opens).toHaveLength(3);
    expect(await sim.nextCommand(isKeypad('ok'))).toMatchObject({ compartments: ['A2', 'A3', 'A4'] });
    // the shopper takes two, and leaves the bulky one for later
    const picked: string[] = [];
    gw.bus.on('test', 'locker.parcel.picked_up', (e) => void picked.push(e.data.compartmentId));
    const lastPicked = nextEvent(gw, 'locker.parcel.picked_up', (e) => (e.data as { compartmentId: string }).compartmentId === 'A4');
    await sim.close('A2', false);
    await sim.close('A3', true);
    await sim.close('A4', false);
    await lastPicked;
    expect(picked.sort()).toEqual(['A2', 'A4']);
    expect(await compartment(gw, 'A3')).toMatchObject({ state: 'awaiting_pickup' });
    // later the same code opens only the one still inside
    await sim.enterCode(code, { session: 'shopper-2' });
    await sim.nextCommand(isOpen('A3'));
    expect(await sim.nextCommand(isKeypad('ok'))).toMatchObject({ compartment: 'A3' });
    expect(sim.pending().filter((c) => c.type === 'open')).toEqual([]);
  });

  it('puts an order that asks for a low compartment into a low one, and proposes the size from the parcel', async () => {
    const { gw, sim } = await lockerRig({ overrides: { 'lockers.banks': [BANK_LOW] } });
    const announced = await staff(gw, 'POST', '/api/v1/lockers/orders', { orderId: 'order-low', accessibility: 'low', dims: { w: 300, h: 150, d: 500 } });
    expect(announced.body).toMatchObject({ orderId: 'order-low', known: true, proposedSize: 'M', accessibility: 'low' });
    // staff scan it: the lookup says what to take
    expect((await staff(gw, 'GET', '/api/v1/lockers/orders/order-low')).body).toMatchObject({ known: true, proposedSize: 'M', parcels: 1 });
    expect((await staff(gw, 'GET', '/api/v1/lockers/orders/order-nobody')).body).toMatchObject({ known: false, proposedSize: null });
    // no size given: the order's parcel size; the only free low compartment that fits an M parcel is the XL one
    const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-low' });
    expect(res.body).toMatchObject({ compartmentId: 'A5', low: true });
    await sim.nextCommand(isOpen('A5'));
    // an order without the preference gets the best fit, high or low
    const plain = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-plain', size: 'M' });
    expect(plain.body).toMatchObject({ compartmentId: 'A3', low: false });
  });
});
