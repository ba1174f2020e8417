import type { Command } from 'commander';
import { startBleScanner } from '../../../simulators/ble-scanner.ts';
import { runLoad } from '../../../simulators/load.ts';
import { createLockerSim } from '../../../simulators/locker.ts';
import { createRng } from '../../../simulators/rng.ts';
import { createStaffClient } from '../../../simulators/staff.ts';
import { STORE_ZONES } from '../../../simulators/store-layout.ts';
import { createStoreWorld, randomItinerary } from '../../../simulators/store-world.ts';

interface SimOpts {
  id?: string;
  devices: string;
  rate: string;
  duration: string;
  qos: string;
  adminToken?: string;
  secret?: string;
  url: string;
  http: string;
  store: string;
  token?: string;
  format: 'raw' | 'omg';
  seed: string;
  compartments: string;
  orderId?: string;
  size: string;
}

/**
 * `storegate simulate <kind> --id …`: one simulated device against any gateway, over the network only.
 * ble-scanner: hears the demo floor's fixed beacons and shoppers walking through (seeded); locker: a controller
 * whose doors close 3 s after opening; staff: loads one order through the staff API.
 */
export function registerSimulate(program: Command) {
  program
    .command('simulate <kind>')
    .description('run simulated devices against a gateway: ble-scanner | locker | staff | load')
    .option('--id <id>', 'device id (its MQTT username); for staff, any name')
    .option('--devices <n>', 'load: how many devices (registered through the admin API, revoked afterwards)', '100')
    .option('--rate <r>', 'load: messages per second across all devices', '500')
    .option('--duration <s>', 'load: seconds', '30')
    .option('--qos <q>', 'load: 0 or 1', '1')
    .option('--admin-token <token>', 'load: admin token', process.env.STOREGATE_ADMIN_TOKEN)
    .option('--secret <secret>', 'device secret (MQTT password)', process.env.STOREGATE_DEVICE_SECRET)
    .option('--url <mqtt>', 'MQTT broker URL', 'mqtt://localhost:1883')
    .option('--http <url>', 'gateway HTTP URL (staff)', 'http://localhost:8080')
    .option('--store <storeId>', 'store id in the topics', process.env.STOREGATE_STORE_ID ?? 'store-1')
    .option('--token <token>', 'staff token (staff)', process.env.STOREGATE_STAFF_TOKEN)
    .option('--format <f>', 'ble-scanner wire format: raw or omg (OpenMQTTGateway)', 'raw')
    .option('--seed <n>', 'random seed for shoppers and radio noise', '1')
    .option('--compartments <list>', 'locker compartment ids', 'A1,A2,A3,A4')
    .option('--order-id <id>', 'staff: order to load')
    .option('--size <s>', 'staff: parcel size', 'S')
    .action(async (kind: string, o: SimOpts) => {
      const say = (s: string) => process.stdout.write(`${s}\n`);
      if (kind === 'load') {
        if (!o.adminToken) throw new Error('load needs --admin-token (or STOREGATE_ADMIN_TOKEN)');
        const r = await runLoad({
          url: o.url,
          httpUrl: o.http,
          adminToken: o.adminToken,
          storeId: o.store,
          devices: Number(o.devices),
          rate: Number(o.rate),
          durationSeconds: Number(o.duration),
          qos: o.qos === '0' ? 0 : 1,
          onProgress: (p) => say(`${p.seconds.toFixed(0)} s: ${p.connected} devices, sent ${p.sent}, acked ${p.acked}, rejected ${p.rejected}`),
        });
        say(JSON.stringify(r));
        process.exitCode = r.errors > 0 || (o.qos !== '0' && r.acked < r.sent) ? 1 : 0;
        return;
      }
      if (!o.id) throw new Error('--id is required');
      if (kind === 'staff') {
        if (!o.token || !o.orderId) throw new Error('staff needs --token and --order-id');
        const res = await createStaffClient({ httpUrl: o.http, token: o.token }).loadParcel(o.orderId, o.size);
        say(`${res.status} ${JSON.stringify(res.body)}`);
        process.exitCode = res.status === 201 ? 0 : 1;
        return;
      }
      if (!o.secret) throw new Error('--secret (or STOREGATE_DEVICE_SECRET) is required');
      let close: () => Promise<void>;
      if (kind === 'ble-scanner') {
        const zone = STORE_ZONES.find((z) => z.scannerId === o.id) ?? (STORE_ZONES[0] as (typeof STORE_ZONES)[number]);
        const rng = createRng(Number(o.seed) || 1);
        const world = createStoreWorld({ rng: rng.fork('beacons'), since: Date.now(), drainMvPerHour: 30 });
        let n = 0;
        const spawn = () => {
          world.prune(Date.now());
          world.addShopper(
            { name: `s${++n}`, major: 500 + n, minor: rng.int(1, 65535), visits: randomItinerary(rng, Date.now(), { min: 15_000, max: 45_000 }) },
            rng,
          );
        };
        spawn();
        const timer = setInterval(spawn, 10_000);
        const sim = await startBleScanner({
          url: o.url,
          storeId: o.store,
          id: o.id,
          secret: o.secret,
          at: zone.at,
          format: o.format,
          emitters: world.emitters,
          rng: rng.fork('radio'),
          intervalMs: 1000,
        });
        say(`ble-scanner ${o.id} (${o.format}) placed at ${zone.name}; shoppers walk the demo floor; Ctrl-C to stop`);
        close = async () => {
          clearInterval(timer);
          await sim.close();
        };
      } else if (kind === 'locker') {
        const sim = createLockerSim({
          url: o.url,
          storeId: o.store,
          deviceId: o.id,
          secret: o.secret,
          compartments: o.compartments.split(','),
          autoCloseMs: 3000,
        });
        await sim.connect();
        say(`locker ${o.id} connected; doors close 3 s after opening with occupancy flipped; Ctrl-C to stop`);
        close = () => sim.disconnect();
      } else throw new Error(`no simulator for kind "${kind}" (ble-scanner, locker, staff)`);
      const stop = () => void close().finally(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
