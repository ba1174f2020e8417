import { describe, expect, it } from 'vitest';
import { isOpen, loadOrder, lockerRig, staff } from './helpers.ts';

describe('compartment allocation through the gateway', () => {
  it('loads into the smallest free compartment, then the next size up when the small ones are taken', async () => {
    const { gw, sim } = await lockerRig();
    expect((await loadOrder(gw, sim, 'o-1', 'S')).compartmentId).toBe('A2');
    expect((await loadOrder(gw, sim, 'o-2', 'S')).compartmentId).toBe('A4');
    expect((await loadOrder(gw, sim, 'o-3', 'S')).compartmentId).toBe('A3');
    const byDims = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-4', dims: { w: 300, h: 300, d: 300 } });
    expect(byDims.body.compartmentId).toBe('A1');
    await sim.nextCommand(isOpen('A1'));
  });

  it('tells staff clearly when the bank is full, and skips out-of-service compartments', async () => {
    const { gw, sim } = await lockerRig();
    expect((await staff(gw, 'POST', '/api/v1/lockers/compartments/A5/service', { outOfService: true })).status).toBe(200);
    for (const id of ['o-1', 'o-2', 'o-3', 'o-4']) await loadOrder(gw, sim, id, 'S');
    const full = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-5', size: 'S' });
    expect(full.status).toBe(409);
    expect(full.body).toMatchObject({ error: 'SG_CONFLICT' });
    expect(full.body.message).toMatch(/no free compartment fits a size S parcel/);
    const unknown = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-6', size: 'XXL' });
    expect(unknown.status).toBe(400);
    expect(sim.pending().filter((c) => c.type === 'open')).toEqual([]);
  });
});
