import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import type { AlertData } from '../../../../gateway/services/lockers/events.ts';
import { nextEvent, type TestGateway, until } from '../../../helpers/gateway.ts';
import { compartment, connectSim, isKeypad, isOpen, loadOrder, lockerRig, staff } from './helpers.ts';

/** The alerts the lockers raise (the health service raises its own, e.g. a device without heartbeat). */
function recordAlerts(gw: TestGateway) {
  const raised: AlertData[] = [];
  const resolved: AlertData[] = [];
  const ours = (e: { source: string }) => e.source.startsWith(`storegate/${gw.config.storeId}/locker/`);
  gw.bus.on('test-alerts', 'alert.raised', (e) => void (ours(e) && raised.push(e.data)));
  gw.bus.on('test-alerts', 'alert.resolved', (e) => void (ours(e) && resolved.push(e.data)));
  return { raised, resolved };
}

/** Every message the sim sent before this has been handled: the gateway handles locker messages in order. */
async function barrier(sim: Awaited<ReturnType<typeof lockerRig>>['sim']) {
  await sim.scanQr('not-a-locker-qr');
  await sim.nextCommand(isKeypad());
}

describe('locker faults', () => {
  it('a jammed door is one alert however often it is reported, fails the load, and leaves the pool until it moves', async () => {
    const { gw, sim } = await lockerRig();
    const alerts = recordAlerts(gw);
    sim.jam('A2');
    const failed = nextEvent(gw, 'locker.parcel.load_failed');
    const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-jam', size: 'S' });
    expect(res.body.compartmentId).toBe('A2');
    expect((await failed).data).toMatchObject({ orderId: 'o-jam', compartmentId: 'A2', reason: 'door jammed' });
    for (let i = 0; i < 5; i++) await sim.reportState();
    await barrier(sim);
    expect(alerts.raised).toEqual([{ key: 'locker:A2:jam', severity: 'critical', message: 'compartment A2: door jammed', deviceId: 'lk-01' }]);
    expect(await compartment(gw, 'A2')).toMatchObject({ door: 'jammed', fault: 'jammed' });
    // staff retries: the next smallest compartment is used instead
    expect((await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-jam', size: 'S' })).body.compartmentId).toBe('A4');
    // a technician frees the door
    const resolved = nextEvent(gw, 'alert.resolved');
    await sim.close('A2', false);
    expect((await resolved).data).toMatchObject({ key: 'locker:A2:jam' });
    expect(alerts.raised).toHaveLength(1);
  });

  it('a door left open is one alert after the configured time, resolved when it closes', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock, overrides: { 'lockers.doorOpenAlertSeconds': 120 } });
    const alerts = recordAlerts(gw);
    await sim.forceOpen('A4');
    await barrier(sim);
    clock.advance(119_000);
    await barrier(sim);
    expect(alerts.raised).toEqual([]);
    const raised = nextEvent(gw, 'alert.raised');
    clock.advance(1_000);
    expect((await raised).data).toMatchObject({ key: 'locker:A4:door_open', severity: 'warning' });
    for (let i = 0; i < 10; i++) clock.advance(60_000);
    await sim.reportState();
    await barrier(sim);
    expect(alerts.raised).toHaveLength(1);
    const resolved = nextEvent(gw, 'alert.resolved');
    await sim.close('A4', false);
    expect((await resolved).data).toMatchObject({ key: 'locker:A4:door_open' });
    expect(alerts.raised).toHaveLength(1);
  });

  it('a controller that loses power shows offline to staff, then raises one power-loss alert and an occupancy mismatch from its report', async () => {
    const { gw, sim } = await lockerRig();
    const alerts = recordAlerts(gw);
    sim.powerCut();
    await until(() => !gw.link.connectedDeviceIds().includes('lk-01'), 5000, 'controller offline');
    expect((await staff(gw, 'GET', '/api/v1/lockers')).body.controllers).toEqual([{ id: 'lk-01', online: false }]);
    const early = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-dark', size: 'S' });
    expect(early.body.message).toMatch(/lk-01 is offline/);
    // while the power is off someone put something into free compartment A1
    sim.setPhysical('A1', { occupied: true });
    const reconciled = nextEvent(gw, 'locker.state.reconciled');
    await connectSim(sim);
    expect((await reconciled).data).toMatchObject({ controllerId: 'lk-01' });
    await barrier(sim);
    expect(alerts.resolved).toEqual([]);
    expect(alerts.raised.map((a) => a.key).sort()).toEqual(['locker-controller:lk-01:power_loss', 'locker:A1:occupancy']);
    expect((await staff(gw, 'GET', '/api/v1/lockers')).body.alerts).toHaveLength(2);
    // the unexpected item keeps A1 out of the pool
    expect((await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-big', size: 'L' })).body.compartmentId).toBe('A5');
    await sim.nextCommand(isOpen('A5'));
  });

  it('a loaded compartment whose sensor reads empty is one occupancy alert until the sensor agrees again', async () => {
    const { gw, sim } = await lockerRig();
    await loadOrder(gw, sim, 'o-ghost');
    const alerts = recordAlerts(gw);
    for (let i = 0; i < 3; i++) await sim.setOccupied('A2', false);
    await barrier(sim);
    expect(alerts.raised.map((a) => a.key)).toEqual(['locker:A2:occupancy']);
    await sim.setOccupied('A2', true);
    await barrier(sim);
    expect(alerts.resolved.map((a) => a.key)).toEqual(['locker:A2:occupancy']);
  });

  it('audits a door opened without a command', async () => {
    const { gw, sim } = await lockerRig();
    await sim.forceOpen('A5');
    await barrier(sim);
    const audit = (await staff(gw, 'GET', '/api/v1/lockers/audit')).body.audit as Array<{ actor: string; action: string; compartmentId: string }>;
    expect(audit[0]).toMatchObject({ actor: 'unknown', action: 'opened_without_command', compartmentId: 'A5' });
  });

  it('a tamper report is one critical alert, however often it repeats', async () => {
    const { gw, sim } = await lockerRig();
    const alerts = recordAlerts(gw);
    for (let i = 0; i < 3; i++) await sim.fault('tamper', 'A1');
    await barrier(sim);
    expect(alerts.raised).toEqual([{ key: 'locker:A1:tamper', severity: 'critical', message: 'compartment A1: tamper detected', deviceId: 'lk-01' }]);
  });
});
