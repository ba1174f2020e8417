import type { Command } from 'commander';
import { startBleScanner } from '../../../simulators/ble-scanner.ts';
import { runLoad } from '../../../simulators/load.ts';
import { createLockerSim } from '../../../simulators/locker.ts';
import { createMirrorSim, mirrorItems } from '../../../simulators/smart-mirror.ts';
import { cameraJpeg } from '../../../models/camera-frames.ts';
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
  interval: string;
  frames?: string;
  bringSizes?: boolean;
  walk: string;
  askSize?: boolean;
  jam?: string;
  leaveOpen?: string;
  powerCut?: string;
  key?: string;
  keyId: string;
  keygen?: string;
  message?: string;
  sales?: string;
  start?: string;
  wire: string;
  items?: string;
  catalog?: string;
  stay: string;
  carry?: string;
}

/**
 * `storegate simulate <kind> --id …`: one simulated device against any gateway, over the network only.
 * ble-scanner: hears the demo floor's fixed beacons and shoppers walking through (seeded); locker: a controller
 * whose doors close 3 s after opening; mirror: a shopper holds Fashion-MNIST test items up to a fitting-room
 * mirror (camera-like JPEGs) and the gateway's answers are printed; staff: loads one order through the staff API,
 * or (--bring-sizes) claims and brings the fitting rooms' size requests.
 */
export function registerSimulate(program: Command) {
  program
    .command('simulate <kind>')
    .description('run simulated devices against a gateway: ble-scanner | locker | mirror | rfid | staff | load | cloud')
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
    .option('--jam <list>', 'locker: these compartments jam on their next open')
    .option('--leave-open <list>', 'locker: these doors stay open 2 min after opening (door-open alert)')
    .option('--power-cut <s>', 'locker: lose power after this many seconds, back 5 s later')
    .option('--order-id <id>', 'staff: order to load')
    .option('--bring-sizes', 'staff: claim every size request from the fitting rooms and bring it, until Ctrl-C')
    .option('--walk <s>', 'staff: seconds between claiming a size and bringing it', '20')
    .option('--size <s>', 'staff: parcel size', 'S')
    .option('--interval <s>', 'mirror: seconds between frames', '3')
    .option('--frames <n>', 'mirror: send this many frames, print the answers and exit (default: until Ctrl-C)')
    .option('--ask-size', 'mirror: after each recognised item, ask staff for it in a size the store has')
    .option('--wire <f>', "rfid: the reader middleware's JSON: storegate, impinj (IoT device interface) or zebra (IoT connector)", 'storegate')
    .option('--items <list>', 'rfid: tagged items carried in, SKU:SIZE,… (default: random catalog items with GTINs)')
    .option('--catalog <file>', 'rfid: the catalog whose GTINs the tags encode (default: the sample catalog)')
    .option('--stay <s>', 'rfid: seconds an item stays in the fitting room', '20')
    .option('--carry <n>', 'rfid: carry this many items in (and out), then exit (default: until Ctrl-C)')
    .option('--key <file>', 'cloud: Ed25519 private key (PKCS#8 PEM) that signs the downlink messages')
    .option('--key-id <id>', 'cloud: the key id pinned in downlink.keys', 'hq-1')
    .option('--keygen <file>', 'cloud: write a new signing key to this file and print its public key')
    .option('--message <json>', 'cloud: send one message {"stream","type","data", nonce?, expiresat?, requestedby?}')
    .option('--sales <n>', 'cloud: sell n random sample-catalog items (stock.changed), at --rate per second')
    .option('--start <stream=n,…>', 'cloud: first sequence per stream (continue a stream the store already follows)')
    .action(async (kind: string, o: SimOpts) => {
      const say = (s: string) => process.stdout.write(`${s}\n`);
      if (kind === 'cloud') return (await import('./simulate-cloud.ts')).runCloudSim({ ...o, rate: o.rate === '500' ? '1' : o.rate }, say);
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
        if (!o.token || (!o.orderId && !o.bringSizes)) throw new Error('staff needs --token, and --order-id or --bring-sizes');
        const staff = createStaffClient({ httpUrl: o.http, token: o.token });
        if (o.orderId) {
          const res = await staff.loadParcel(o.orderId, o.size);
          say(`${res.status} ${JSON.stringify(res.body)}`);
          process.exitCode = res.status === 201 ? 0 : 1;
          return;
        }
        // a member of staff on the fitting-room floor: claims each size request, walks, brings it
        const walk = Number(o.walk) * 1000;
        const busy = new Set<string>();
        const round = async () => {
          const q = await staff.sizeRequests('open');
          if (q.status !== 200) throw new Error(`size requests: HTTP ${q.status}`);
          for (const r of q.body.requests ?? []) {
            if (busy.has(r.id)) continue;
            busy.add(r.id);
            const claimed = await staff.claimSizeRequest(r.id);
            say(`claimed ${r.productId} ${r.size} for ${r.mirrorId}: ${claimed.status}`);
            setTimeout(() => {
              void staff.sizeRequestDone(r.id).then((d) => say(`brought ${r.productId} ${r.size} to ${r.mirrorId}: ${d.status}`));
            }, walk);
          }
        };
        await round();
        say(`staff ${o.id} brings sizes to the fitting rooms (${o.walk} s walk); Ctrl-C to stop`);
        const timer = setInterval(() => void round().catch((err) => say((err as Error).message)), 2000);
        const stop = () => {
          clearInterval(timer);
          process.exit(0);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
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
        const list = (v?: string) => (v ? v.split(',').filter(Boolean) : []);
        const sim = createLockerSim({
          url: o.url,
          storeId: o.store,
          deviceId: o.id,
          secret: o.secret,
          compartments: o.compartments.split(','),
          autoCloseMs: 3000,
          leaveOpen: { compartments: list(o.leaveOpen), extraMs: 120_000 },
        });
        await sim.connect();
        // faults to see the gateway's alerts with: a door that jams, one left open, a power cut
        for (const id of list(o.jam)) sim.jam(id);
        say(`locker ${o.id} connected; doors close 3 s after opening with occupancy flipped; Ctrl-C to stop`);
        if (o.jam) say(`  jams on its next open: ${o.jam}`);
        if (o.leaveOpen) say(`  left open for 2 min after opening: ${o.leaveOpen}`);
        let power: NodeJS.Timeout | undefined;
        if (o.powerCut) {
          power = setTimeout(() => {
            say('power cut (back in 5 s)');
            sim.powerCut();
            power = setTimeout(() => void sim.connect().then(() => say('power back: the report says so')), 5000);
          }, Number(o.powerCut) * 1000);
        }
        close = () => {
          clearTimeout(power);
          return sim.disconnect();
        };
      } else if (kind === 'mirror') {
        const sim = createMirrorSim({ url: o.url, storeId: o.store, deviceId: o.id, secret: o.secret });
        await sim.connect();
        const items = mirrorItems(1000);
        const limit = o.frames ? Number.parseInt(o.frames, 10) : Number.POSITIVE_INFINITY;
        say(
          `mirror ${o.id} connected; a shopper steps in and holds up an item every ${o.interval} s${Number.isFinite(limit) ? ` (${limit} frames)` : '; Ctrl-C to stop'}`,
        );
        if (o.askSize)
          sim.onCommand(
            (c) => void (c.type === 'size_request' && c.status !== 'open' && say(`  size request ${c.id} (${c.productId} ${c.size}): ${c.status}`)),
          );
        await sim.presence(true);
        let sent = 0;
        let answered = 0;
        const frame = async () => {
          const i = sent++ % items.length;
          const answer = sim.nextAnswer(10_000);
          await sim.sendFrame(await cameraJpeg(items[i] as Uint8Array, i + 1));
          const c = await answer;
          if (c?.type === 'recognised') {
            answered++;
            const sizes = c.item?.sizes.map((s) => `${s.size}${s.inStock ? '' : ' (not in store)'}`).join(', ') ?? '';
            const sugg = [...c.suggestions.goesWith, ...c.suggestions.similar].map((s) => `${s.name}: ${s.reason}`).join('; ');
            say(
              `frame ${i}: ${c.label} ${(c.confidence * 100).toFixed(0)}% → ${c.item ? `${c.item.sku} ${c.item.name} [${sizes}]` : 'not in the catalog'}${sugg ? ` · ${sugg}` : ''}`,
            );
            const size = c.item?.sizes.find((s) => s.inStock)?.size;
            if (o.askSize && c.item && size) {
              // the shopper asks staff to bring it in their size; the statuses arrive on the cmd topic as staff work
              await sim.interact({ type: 'size_request', productId: c.item.sku, size });
              const r = await sim.nextCommand('size_request', (x) => x.productId === c.item?.sku, 5000).catch(() => null);
              say(r ? `  asked staff for ${c.item.sku} in ${size}: ${r.status} (request ${r.id})` : `  asked staff for ${c.item.sku} in ${size}: no answer`);
            }
          } else if (c?.type === 'ask_pick') {
            answered++;
            say(`frame ${i}: not sure (${(c.confidence * 100).toFixed(0)}%): the mirror asks to pick ${c.options.map((x) => x.label).join(' / ')}`);
          } else if (c) say(`frame ${i}: ${c.type} ${'reason' in c ? c.reason : ''}`);
          else say(`frame ${i}: no answer from the gateway within 10 s`);
        };
        if (Number.isFinite(limit)) {
          for (let n = 0; n < limit; n++) {
            await frame();
            if (n < limit - 1) await new Promise((r) => setTimeout(r, Number(o.interval) * 1000));
          }
          await sim.presence(false);
          await sim.disconnect();
          process.exitCode = answered === limit ? 0 : 1;
          return;
        }
        const timer = setInterval(() => void frame().catch((err) => say(`frame failed: ${(err as Error).message}`)), Number(o.interval) * 1000);
        close = async () => {
          clearInterval(timer);
          await sim.presence(false).catch(() => {});
          await sim.disconnect();
        };
      } else if (kind === 'rfid') {
        const { runRfidSim } = await import('./simulate-rfid.ts');
        const limited = o.carry !== undefined;
        close = await runRfidSim({ ...o, id: o.id, secret: o.secret }, say);
        if (limited) return;
      } else throw new Error(`no simulator for kind "${kind}" (ble-scanner, locker, mirror, rfid, staff, load)`);
      const stop = () => void close().finally(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
