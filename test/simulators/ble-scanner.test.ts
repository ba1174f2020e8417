import { describe, expect, it, onTestFinished } from 'vitest';
import { startBleScanner } from '../../simulators/ble-scanner.ts';
import { createRng } from '../../simulators/rng.ts';
import { createStaffClient } from '../../simulators/staff.ts';
import { presenceConfigFor, STORE_ZONES, zoneNamed } from '../../simulators/store-layout.ts';
import { createStoreWorld } from '../../simulators/store-world.ts';
import { nextEvent, STAFF_TOKEN, startGateway, until } from '../helpers/gateway.ts';
import { addScanners, FAST_PRESENCE, httpUrlOf, mqttUrlOf } from './helpers.ts';

async function store() {
  const gw = await startGateway({ overrides: { presence: presenceConfigFor(STORE_ZONES, FAST_PRESENCE) } });
  const secrets = await addScanners(gw);
  const now = Date.now();
  const world = createStoreWorld({ rng: createRng(1), since: now, startBatteryMv: 2900, drainMvPerHour: 0 });
  const startScanners = async (format: (zone: string) => 'raw' | 'omg') => {
    const started: Awaited<ReturnType<typeof startBleScanner>>[] = [];
    for (const z of STORE_ZONES) {
      const s = await startBleScanner({
        url: mqttUrlOf(gw),
        storeId: gw.config.storeId,
        id: z.scannerId,
        secret: secrets[z.scannerId] as string,
        at: z.at,
        format: format(z.name),
        emitters: world.emitters,
        rng: createRng(`radio-${z.scannerId}`),
        intervalMs: 200,
      });
      onTestFinished(() => s.close());
      started.push(s);
    }
    return started;
  };
  return { gw, secrets, world, now, startScanners };
}

describe('BLE scanner and beacon simulators against a real gateway', () => {
  it('places a shopper in the zone they stand in, from raw-format scanners hearing their app through the radio model', async () => {
    const { gw, world, now, startScanners } = await store();
    world.addShopper({ name: 'a', major: 7, minor: 42, visits: [{ zone: 'womenswear', from: now, to: now + 120_000 }] }, createRng(2));
    const entered = nextEvent(gw, 'presence.entered', () => true, 15_000);
    await startScanners(() => 'raw');
    expect((await entered).data).toMatchObject({ zone: 'womenswear' });
  });

  it('is understood in OpenMQTTGateway format too, and reports every fixed beacon with its TLM battery', async () => {
    const { gw, world, now, startScanners } = await store();
    world.addShopper({ name: 'b', major: 8, minor: 43, visits: [{ zone: 'fitting-rooms', from: now, to: now + 120_000 }] }, createRng(3));
    const entered = nextEvent(gw, 'presence.entered', () => true, 15_000);
    await startScanners(() => 'omg');
    expect((await entered).data).toMatchObject({ zone: 'fitting-rooms' });
    const staff = createStaffClient({ httpUrl: httpUrlOf(gw), token: STAFF_TOKEN });
    const beacons = await until(
      async () => {
        const b = (await staff.beacons()).body.beacons;
        return b.length === STORE_ZONES.length && b.every((x) => x.batteryMv !== null) ? b : null;
      },
      15_000,
      'every beacon with a TLM battery reading',
    );
    expect(beacons?.find((b) => b.id === zoneNamed('entrance').beacon.id)?.batteryMv).toBe(2900);
  });

  it('closes the shopper’s session after they leave, and a stalled scanner makes only its own zone’s beacon go missing', async () => {
    const { gw, world, now, startScanners } = await store();
    world.addShopper({ name: 'c', major: 9, minor: 44, visits: [{ zone: 'entrance', from: now, to: now + 5000 }] }, createRng(4));
    const closed = nextEvent(gw, 'presence.session.closed', () => true, 20_000);
    const scanners = await startScanners(() => 'raw');
    expect((await closed).data).toMatchObject({ visits: [{ zone: 'entrance' }] });

    const missing = nextEvent(gw, 'beacon.missing', () => true, 10_000);
    scanners.find((s) => s.id === zoneNamed('menswear').scannerId)?.stall();
    expect((await missing).data).toMatchObject({ beaconId: zoneNamed('menswear').beacon.id });
  });

  it('refuses a scanner with the wrong secret', async () => {
    const { gw } = await store();
    const wrong = startBleScanner({
      url: mqttUrlOf(gw),
      storeId: gw.config.storeId,
      id: 'sc-entrance',
      secret: 'not-the-secret',
      at: { x: 0, y: 0 },
      emitters: () => [],
      rng: createRng(5),
    });
    await expect(wrong).rejects.toThrow(/not authori[sz]ed|bad user/i);
  });
});
