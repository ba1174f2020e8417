import { describe, expect, it, onTestFinished } from 'vitest';
import { createFakeClock } from '../../../gateway/clock.ts';
import { createLockerSim } from '../../../simulators/locker.ts';
import { ADMIN_TOKEN, connectMqtt, nextEvent, startGateway, type TestBroker, until } from '../../helpers/gateway.ts';
import { hasMosquitto } from '../../helpers/mosquitto.ts';
import { BANK_A, connectSim, isOpen, lockerOverrides, staff } from '../services/lockers/helpers.ts';

const BROKERS: TestBroker[] = ['embedded', 'mosquitto'];

/** Resolves with the promise, or fails the test after `ms`: awaiting an event with a deadline, not measuring time. */
const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))]);

const connected = async (gw: Awaited<ReturnType<typeof startGateway>>, id: string) =>
  (
    (await gw.http.inject({ url: '/api/v1/devices', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as {
      devices: Array<{ id: string; connected: boolean }>;
    }
  ).devices.find((d) => d.id === id)?.connected;

/**
 * The two promises of issue 19, on both brokers in one file: the embedded aedes and mosquitto with dynamic security
 * in external mode (test/helpers/gateway.ts starts one per gateway). mosquitto is skipped visibly when not installed.
 */
describe.each(BROKERS)('broker parity on %s', (broker) => {
  const skip = broker === 'mosquitto' && !hasMosquitto;

  it.skipIf(skip)('a controller registered through the API shows online and staff load a parcel into it', async () => {
    const gw = await startGateway({ broker, overrides: lockerOverrides() });
    const { secret } = await gw.devices.add({ id: 'lk-01', kind: 'locker', zone: 'pickup-point' });
    const sim = createLockerSim({
      url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      storeId: gw.config.storeId,
      deviceId: 'lk-01',
      secret,
      compartments: BANK_A.compartments.map((c) => c.id),
    });
    onTestFinished(() => sim.disconnect());
    await connectSim(sim);
    expect(await connected(gw, 'lk-01')).toBe(true);

    const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: `o-${broker}`, size: 'S' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const compartmentId = res.body.compartmentId as string;
    await sim.nextCommand(isOpen(compartmentId));
    const loaded = nextEvent(gw, 'locker.parcel.loaded', (e) => (e.data as { orderId: string }).orderId === `o-${broker}`);
    await sim.close(compartmentId, true);
    await loaded;
  });

  it.skipIf(skip)('revoke through the API disconnects the device within a second (by itself, not by the periodic revocation check)', async () => {
    // a manual clock: the gateway's 3 s revocation check never runs, so only the revoke itself can cut the device off
    const gw = await startGateway({ broker, clock: createFakeClock() });
    const { secret } = await gw.devices.add({ id: 'mirror-1', kind: 'mirror' });
    const device = await connectMqtt(gw.ports.mqtt, { clientId: 'mirror-1-a', username: 'mirror-1', password: secret, reconnectPeriod: 0 });
    await device.publishAsync(`storegate/${gw.config.storeId}/mirror/mirror-1/status`, JSON.stringify({ online: true }), { qos: 1 });
    await until(() => gw.link.connectedDeviceIds().includes('mirror-1'), 5000, 'mirror-1 online');

    const closed = new Promise<void>((r) => device.once('close', () => r()));
    const res = await gw.http.inject({ method: 'DELETE', url: '/api/v1/devices/mirror-1', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.json()).toMatchObject({ revoked: true, broker: { provisioned: true } });
    await within(closed, 1000, 'the revoked device was disconnected');
    expect(gw.link.connectedDeviceIds()).not.toContain('mirror-1');
    await expect(connectMqtt(gw.ports.mqtt, { clientId: 'mirror-1-b', username: 'mirror-1', password: secret })).rejects.toThrow(
      /Not authorized|Bad user ?name/i,
    );
  });
});
