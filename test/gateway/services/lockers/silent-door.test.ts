import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { metricValue, nextEvent } from '../../../helpers/gateway.ts';
import { compartment, isOpen, lockerRig, staff } from './helpers.ts';

describe('door commands with a deadline', () => {
  it('a door that never answers gets the command once more, then the load fails and the compartment is marked check with an alert', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock, overrides: { 'lockers.doorCommandSeconds': 10 } });
    sim.ignoreNextOpen('A2', 2);
    const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-silent', size: 'S' });
    expect(res.body.compartmentId).toBe('A2');
    await sim.nextCommand(isOpen('A2'));
    const retried = nextEvent(gw, 'locker.door.unanswered');
    clock.advance(10_000);
    expect((await retried).data).toEqual({ controllerId: 'lk-01', compartmentId: 'A2', purpose: 'load', outcome: 'retried' });
    await sim.nextCommand(isOpen('A2'));

    const failed = nextEvent(gw, 'locker.parcel.load_failed');
    const alert = nextEvent(gw, 'alert.raised', (e) => (e.data as { key: string }).key === 'locker:A2:check');
    clock.advance(10_000);
    expect((await failed).data).toMatchObject({ orderId: 'order-silent', compartmentId: 'A2', reason: 'door did not answer' });
    expect((await alert).data).toMatchObject({ severity: 'critical', deviceId: 'lk-01' });
    expect(await compartment(gw, 'A2')).toMatchObject({ fault: 'check', pending: null, state: 'free' });
    expect(await metricValue(gw, 'storegate_lockers_door_command_timeouts_total', { outcome: 'retried' })).toBe(1);
    expect(await metricValue(gw, 'storegate_lockers_door_command_timeouts_total', { outcome: 'check' })).toBe(1);

    // staff load again: the compartment under check is skipped
    const again = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-silent', size: 'S' });
    expect(again.body.compartmentId).toBe('A4');
    await sim.nextCommand(isOpen('A4'));
    // the audit shows the retry by the gateway
    const audit = (await staff(gw, 'GET', '/api/v1/lockers/audit')).body.audit as Array<{ actor: string; action: string; compartmentId: string }>;
    expect(audit.map((a) => `${a.actor} ${a.action} ${a.compartmentId}`)).toContain('gateway retry:load A2');

    // the controller reports again (technician): the mark and the alert go
    const resolved = nextEvent(gw, 'alert.resolved', (e) => (e.data as { key: string }).key === 'locker:A2:check');
    await sim.reportState();
    await resolved;
    expect(await compartment(gw, 'A2')).toMatchObject({ fault: null });
  });

  it('a door that answers the retry finishes the load as usual', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock });
    sim.ignoreNextOpen('A2', 1);
    await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-late-door', size: 'S' });
    await sim.nextCommand(isOpen('A2'));
    clock.advance(10_000);
    await sim.nextCommand(isOpen('A2'));
    const loaded = nextEvent(gw, 'locker.parcel.loaded');
    await sim.close('A2', true);
    expect((await loaded).data).toMatchObject({ orderId: 'order-late-door', compartmentId: 'A2' });
    clock.advance(30_000);
    expect(await compartment(gw, 'A2')).toMatchObject({ fault: null, state: 'awaiting_pickup' });
  });
});
