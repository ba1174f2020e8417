import { describe, expect, it } from 'vitest';
import { freePort } from '../../../helpers/mosquitto.ts';
import { loadOrder, lockerRig } from './helpers.ts';

describe('locker events and the cloud outbox', () => {
  it('puts locker.parcel.loaded in the outbox in the same transaction as the load, without the code', async () => {
    const dead = await freePort();
    const { gw, sim } = await lockerRig({ overrides: { 'cloud.forwarders': [{ name: 'cloud', kind: 'http', url: `http://127.0.0.1:${dead}/e` }] } });
    const { event, code, parcelId } = await loadOrder(gw, sim, 'order-77', 'S');
    const row = await gw.db.get<{ id: string; body: string; priority: number }>('SELECT * FROM outbox_events WHERE id = ?', [event.id]);
    expect(row).toBeDefined();
    const body = JSON.parse(row?.body ?? '{}');
    expect(body).toMatchObject({ type: 'storegate.locker.parcel.loaded', priority: 'critical', data: { orderId: 'order-77', parcelId } });
    expect(row?.body).not.toContain(code);
  });
});
