import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { derivePickupCode } from '../../../../devices/locker/codes.ts';
import { openDb } from '../../../../gateway/store/db.ts';
import { startCloudReceiver } from '../../../../simulators/scenario/cloud.ts';
import { SCENARIO_DEVICES, SCENARIO_KEYS, scenarioGatewayConfig } from '../../../../simulators/scenario/gateway-config.ts';
import { makePlan } from '../../../../simulators/scenario/plan.ts';
import { runScenario } from '../../../../simulators/scenario/run.ts';
import { APP_UUID, STORE_ZONES } from '../../../../simulators/store-layout.ts';
import { connectMqtt, publish, STAFF_TOKEN, startGateway, tempDir, until } from '../../../helpers/gateway.ts';
import { hasMosquitto, startMosquitto } from '../../../helpers/mosquitto.ts';
import { inspect, type Secrets, startTcpCapture } from './capture.ts';

const SEED = 7;
const SERVICE_PASSWORD = 'inspection-service-password-0123';
const JPEG_FRAME = readFileSync(join(import.meta.dirname, '../../../fixtures/fashion-mnist/parity-light-320x240.jpg'));
/** as the store-day simulator derives each shopper's phone address (store-world.ts) */
const phoneMac = (major: number, minor: number) =>
  ['5A', (major >> 8) & 0xff, major & 0xff, (minor >> 8) & 0xff, minor & 0xff, 0x42]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0').toUpperCase()))
    .join(':');

if (!hasMosquitto) console.warn('[storegate tests] outbound inspection: mosquitto not installed, the MQTT bridge leg is SKIPPED (the HTTP leg runs)');

/** The cloud MQTT broker leg: a real mosquitto behind a TCP capture, and a subscriber that sees what was bridged. */
async function cloudBroker() {
  const broker = await startMosquitto(tempDir());
  const capture = await startTcpCapture(broker.port);
  const bridged: string[] = [];
  const sub = mqtt.connect(broker.url, { reconnectPeriod: 0 });
  onTestFinished(() => new Promise<void>((r) => sub.end(true, {}, () => r())));
  await new Promise<void>((r) => sub.once('connect', () => sub.subscribe('#', { qos: 1 }, () => r())));
  sub.on('message', (topic) => bridged.push(topic));
  return { capture, bridged };
}

/**
 * A store day (presence, lockers, returns, a mirror frame) through a gateway forwarding to an HTTP cloud receiver
 * (and, with `bridge`, to a cloud mosquitto too); then every byte that left, every database row and every log line
 * is inspected for image bytes, pickup codes, MAC addresses, scanned QR tokens and unhashed app ids.
 */
async function inspectStoreDay(opts: { bridge: boolean }) {
  const plan = makePlan(SEED, 'small');
  const cloud = await startCloudReceiver();
  onTestFinished(() => cloud.close());
  const httpCapture = await startTcpCapture(Number(new URL(cloud.url).port));
  const mqttLeg = opts.bridge ? await cloudBroker() : undefined;

  const secrets = Object.fromEntries([...SCENARIO_DEVICES, { id: 'mirror-2' }].map((d) => [d.id, `secret-${d.id}-0123456789`]));
  const base = scenarioGatewayConfig({ cloudUrl: `http://127.0.0.1:${httpCapture.port}/events`, secrets });
  const gw = await startGateway({
    keep: true,
    overrides: {
      ...base,
      'log.level': 'info',
      'service.password': SERVICE_PASSWORD,
      devices: [...base.devices, { id: 'mirror-2', kind: 'mirror', zone: 'fitting-room-2', secret: secrets['mirror-2'] }],
      cloud: {
        ...base.cloud,
        forwarders: [
          ...base.cloud.forwarders,
          ...(mqttLeg ? [{ name: 'bridge', kind: 'mqtt', url: `mqtt://127.0.0.1:${mqttLeg.capture.port}`, timeoutSeconds: 3 }] : []),
        ],
      },
    },
  });
  onTestFinished(() => gw.stopGateway());

  // the codes shoppers type, as the locker simulator sends them
  // (and the return QRs they scan: signed tokens, credentials too)
  const typed: string[] = [];
  const scanned: string[] = [];
  const spy = await connectMqtt(gw.ports.mqtt, { username: 'storegate-service', password: SERVICE_PASSWORD });
  await new Promise<void>((r) => spy.subscribe('storegate/+/locker/+/keypad', { qos: 1 }, () => r()));
  spy.on('message', (_t, p) => {
    const m = JSON.parse(p.toString()) as { code?: string; qr?: string };
    if (m.code) typed.push(m.code);
    if (m.qr?.startsWith('SGP1.')) typed.push(m.qr.slice(5));
    else if (m.qr) scanned.push(m.qr);
  });

  // a second mirror sends a marked camera frame (the scenario's own mirror sends real ones all day): neither may
  // be stored or forwarded, whatever handles them
  const mirror = await connectMqtt(gw.ports.mqtt, { username: 'mirror-2', password: secrets['mirror-2'] });
  await publish(mirror, `storegate/${gw.config.storeId}/mirror/mirror-2/frame`, JPEG_FRAME);

  const result = await runScenario(plan, {
    mqttUrl: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
    httpUrl: `http://127.0.0.1:${gw.ports.http}`,
    staffToken: STAFF_TOKEN,
    storeId: gw.config.storeId,
    secrets,
    cloud,
  });
  // the day played as planned (fitting room included), so the inspection below covers all of it
  expect(result.ok, result.report).toBe(true);

  // the flow really happened: sessions, loads, pickups with typed codes, returns reached the cloud both ways
  const types = cloud.countByType();
  expect(types['presence.session.closed'] ?? 0).toBeGreaterThan(0);
  expect(types['locker.parcel.picked_up'] ?? 0).toBeGreaterThan(0);
  expect(types['locker.return.dropped'] ?? 0).toBeGreaterThan(0);
  await until(async () => (await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_pending'))?.n === 0, 30_000, 'outbox drained to both forwarders');
  if (mqttLeg) await until(() => mqttLeg.bridged.length >= cloud.events().length, 10_000, 'bridge delivered');
  await gw.stopGateway();

  const derived = cloud
    .events()
    .filter((e) => e.type === 'locker.parcel.loaded')
    .map((e) => derivePickupCode(SCENARIO_KEYS.codeKey, String(e.data.orderId), String(e.data.codeNonce)));
  const codes = [...new Set([...typed, ...derived])];
  expect(typed.length).toBeGreaterThan(0);
  expect(scanned.length).toBeGreaterThan(0);
  expect(derived).toEqual(expect.arrayContaining(typed));
  const watch: Secrets = {
    codes,
    macs: [...plan.shoppers.map((s) => phoneMac(s.major, s.minor)), ...STORE_ZONES.map((z) => z.beacon.address)],
    appUuids: [APP_UUID],
    tokens: scanned,
  };

  const findings: string[] = [];
  const httpBytes = httpCapture.bytes();
  expect(httpBytes.length).toBeGreaterThan(1000);
  findings.push(...inspect('cloud HTTP', httpBytes, watch));
  if (mqttLeg) {
    const mqttBytes = mqttLeg.capture.bytes();
    expect(mqttBytes.length).toBeGreaterThan(1000);
    findings.push(...inspect('cloud MQTT bridge', mqttBytes, watch));
  }
  // the gateway's own log (info level) is kept on the store box too
  findings.push(...inspect('gateway log', gw.logs.lines.join('\n'), watch));

  const db = await openDb(join(gw.dataDir, 'storegate.db'), { readonly: true });
  let rows = 0;
  try {
    for (const { name } of await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      for (const row of await db.all<Record<string, unknown>>(`SELECT * FROM "${name}"`)) {
        rows++;
        for (const [col, v] of Object.entries(row)) {
          if (v === null || v === undefined) continue;
          findings.push(...inspect(`table ${name}.${col}`, Buffer.isBuffer(v) ? v : String(v), watch));
        }
      }
    }
  } finally {
    await db.close();
  }
  expect(findings).toEqual([]);
  expect(rows).toBeGreaterThan(50);
}

describe('outbound inspection', () => {
  it(
    'after a store day nothing sent to the cloud over HTTP, no row in the database and no line of its log holds image bytes, pickup codes, MAC addresses or unhashed app ids',
    () => inspectStoreDay({ bridge: false }),
    180_000,
  );

  // under CI hasMosquitto is true whatever is installed: a missing mosquitto fails here
  it.skipIf(!hasMosquitto)(
    'after a store day nothing sent to the cloud MQTT bridge (a real mosquitto) holds them either, nor anything over HTTP',
    () => inspectStoreDay({ bridge: true }),
    180_000,
  );

  it('flags each kind of forbidden content (the inspection itself works)', () => {
    const watch: Secrets = { codes: ['482913'], macs: ['5A:03:E8:12:34:42'], appUuids: [APP_UUID], tokens: ['SGR1.abc.def'] };
    expect(inspect('x', JPEG_FRAME, watch)).toEqual(['x: JPEG bytes']);
    expect(inspect('x', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d]), watch)).toEqual(['x: PNG bytes']);
    expect(inspect('x', `{"img":"${JPEG_FRAME.toString('base64')}"}`, watch)[0]).toMatch(/base64-like blob/);
    expect(inspect('x', '{"code":"482913"}', watch)).toEqual(['x: pickup code 482913']);
    expect(inspect('x', '{"qr":"SGR1.abc.def"}', watch)).toEqual(['x: scanned QR token SGR1.abc.d…']);
    expect(inspect('x', '{"t":1748291300000}', watch)).toEqual([]);
    expect(inspect('x', 'home/omg/BTtoMQTT/5A03E8123442', watch)).toEqual(['x: MAC 5A:03:E8:12:34:42 without colons']);
    expect(inspect('x', '{"address":"aa:bb:cc:dd:ee:ff"}', watch)).toEqual(['x: MAC address aa:bb:cc:dd:ee:ff']);
    expect(inspect('x', `{"uuid":"${APP_UUID.toUpperCase()}"}`, watch)).toEqual([`x: app uuid ${APP_UUID}`]);
    expect(inspect('x', `4c000215${APP_UUID.replaceAll('-', '')}03e8`, watch)).toEqual([`x: app uuid ${APP_UUID} as hex`]);
    expect(inspect('x', '{"shopperId":"sh_0123456789abcdef0123","at":"2026-05-20T12:00:00.000Z"}', watch)).toEqual([]);
  });
});
