import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import {
  ADMIN_TOKEN,
  addDevice,
  connectMqtt,
  deviceTopic,
  metricValue,
  nextEvent,
  publish,
  STAFF_TOKEN,
  startGateway,
  tempDir,
  until,
} from '../../../helpers/gateway.ts';

const APP_UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const SHELF_NS = 'b2b98de4c81c47c2b14e';
const SHELF_INST = '750000000000';

// the store app advertising as iBeacon APP_UUID / major 7 / minor 4242, measured power -59
const appAdv = `4c000215${APP_UUID.replaceAll('-', '')}00071092c5`;

const presenceConfig = {
  zones: [
    { name: 'entrance', role: 'entrance', scanners: ['sc-ent'] },
    { name: 'denim', role: 'shelf', scanners: ['sc-den', 'omg-gw1'] },
  ],
  beacons: [{ id: 'shelf-1', role: 'shelf', zone: 'denim', eddystoneUid: { namespace: SHELF_NS, instance: SHELF_INST } }],
  shopperApp: { ibeaconUuids: [APP_UUID] },
  switchMinSeconds: 2,
  absenceTimeoutSeconds: 30,
  sessionGraceSeconds: 0,
  batteryLowMv: 2500,
};

async function setup() {
  const clock = createFakeClock();
  const gw = await startGateway({ clock, overrides: { presence: presenceConfig } });
  const scanners: Record<string, string> = {};
  for (const id of ['sc-ent', 'sc-den', 'omg-gw1', 'sc-nowhere']) scanners[id] = await addDevice(gw, id, 'ble-scanner');
  const connect = (id: string) => connectMqtt(gw.ports.mqtt, { username: id, password: scanners[id] as string, clientId: id });
  return { gw, clock, connect };
}

const staff = { authorization: `Bearer ${STAFF_TOKEN}` };

describe('presence through the running gateway', () => {
  it('turns raw and OpenMQTTGateway advertisements into presence events, a session in SQLite and /api/v1/presence', async () => {
    const { gw, clock, connect } = await setup();
    const ent = await connect('sc-ent');
    const omg = await connect('omg-gw1');
    const raw = (rssi: number) => JSON.stringify({ rssi, address: '5A:11:22:33:44:55', manufacturerData: appAdv });
    const omgMsg = (rssi: number) =>
      JSON.stringify({ id: '5A:11:22:33:44:55', rssi, uuid: APP_UUID.replaceAll('-', ''), major: 7, minor: 4242, txpower: -59, mfid: '4c00' });

    const entered = nextEvent(gw, 'presence.entered');
    for (let i = 0; i < 4; i++) {
      await publish(ent, deviceTopic(gw, 'ble-scanner', 'sc-ent', 'adv'), raw(-58));
      clock.advance(1000);
    }
    expect((await entered).data).toMatchObject({ zone: 'entrance', rssi: -58 });
    const shopperId = ((await entered).data as { shopperId: string }).shopperId;
    expect(shopperId).toMatch(/^sh_[0-9a-f]{20}$/);

    const res = await gw.http.inject({ method: 'GET', url: '/api/v1/presence', headers: staff });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      zones: [
        { name: 'entrance', shoppers: 1 },
        { name: 'denim', shoppers: 0 },
      ],
      shoppers: [{ shopperId, zone: 'entrance' }],
      openSessions: 1,
    });

    // the shopper walks to denim, where the ESP32 running OpenMQTTGateway hears them (Theengs-decoded iBeacon)
    const moved = nextEvent(gw, 'presence.moved');
    for (let i = 0; i < 5; i++) {
      await publish(ent, deviceTopic(gw, 'ble-scanner', 'sc-ent', 'adv'), raw(-84));
      await publish(omg, 'home/omg-gw1/BTtoMQTT/5A1122334455', omgMsg(-55));
      clock.advance(1000);
    }
    expect((await moved).data).toMatchObject({ shopperId, from: 'entrance', to: 'denim' });

    // the app stops advertising: exit after the absence timeout, and the session closes
    const exited = nextEvent(gw, 'presence.exited');
    const closed = nextEvent(gw, 'presence.session.closed');
    clock.advance(31_000);
    expect((await exited).data).toMatchObject({ shopperId, zone: 'denim' });
    expect((await closed).data).toMatchObject({ shopperId, visits: [{ zone: 'entrance' }, { zone: 'denim' }] });

    const rows = await until(async () => {
      const r = await gw.db.all<{ type: string; zone: string }>('SELECT type, zone FROM presence_events WHERE shopper_id = ? ORDER BY time, rowid', [
        shopperId,
      ]);
      return r.some((x) => x.type === 'presence.session.closed') ? r : null;
    });
    expect((rows ?? []).map((r) => r.type)).toEqual([
      'presence.entered',
      'presence.session.opened',
      'presence.moved',
      'presence.exited',
      'presence.session.closed',
    ]);
    const session = await gw.db.get<{ status: string; visits: string }>('SELECT status, visits FROM shopper_sessions WHERE shopper_id = ?', [shopperId]);
    expect(session?.status).toBe('closed');
    expect(JSON.parse(session?.visits ?? '[]').map((v: { zone: string }) => v.zone)).toEqual(['entrance', 'denim']);
    // no phone address is stored anywhere presence writes
    const dump = JSON.stringify(await gw.db.all('SELECT * FROM presence_events')) + JSON.stringify(await gw.db.all('SELECT * FROM shopper_sessions'));
    expect(dump).not.toMatch(/5A:?11:?22/i);

    const sessions = await gw.http.inject({ method: 'GET', url: '/api/v1/presence/sessions?status=closed', headers: staff });
    expect(sessions.json().sessions).toMatchObject([{ shopperId, status: 'closed' }]);
    const now = await gw.http.inject({ method: 'GET', url: '/api/v1/presence', headers: staff });
    expect(now.json()).toMatchObject({ shoppers: [], openSessions: 0 });
  });

  it('tracks a fixed beacon with its TLM battery, raises battery_low once, and shows it at /api/v1/beacons', async () => {
    const { gw, clock, connect } = await setup();
    const den = await connect('sc-den');
    const topic = deviceTopic(gw, 'ble-scanner', 'sc-den', 'adv');
    const uid = { uuid: 'feaa', data: `00e7${SHELF_NS}${SHELF_INST}0000` };
    const tlm = { uuid: 'feaa', data: '20000960158402353af20238576b' }; // 2400 mV
    const low = nextEvent(gw, 'beacon.battery_low');
    await publish(
      den,
      topic,
      JSON.stringify({
        advs: [
          { rssi: -70, address: 'DC:2C:6E:F6:54:7D', serviceData: [uid] },
          { rssi: -70, address: 'DC:2C:6E:F6:54:7D', serviceData: [tlm] },
        ],
      }),
    );
    await publish(den, topic, JSON.stringify({ rssi: -70, address: 'DC:2C:6E:F6:54:7D', serviceData: [tlm] }));
    expect((await low).data).toMatchObject({ beaconId: 'shelf-1', batteryMv: 2400 });
    const res = await gw.http.inject({ method: 'GET', url: '/api/v1/beacons', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.json().beacons).toMatchObject([{ id: 'shelf-1', batteryMv: 2400, batteryLow: true, missing: false }]);
    expect(await metricValue(gw, 'storegate_presence_events_total', { type: 'beacon.battery_low' })).toBe(1);
    clock.advance(1000);
    expect(await metricValue(gw, 'storegate_presence_beacon_battery_millivolts', { beacon: 'shelf-1' })).toBe(2400);
  });

  it('reads the undecoded OpenMQTTGateway form (manufacturerdata, servicedata + servicedatauuid)', async () => {
    const { gw, clock, connect } = await setup();
    const omg = await connect('omg-gw1');
    const entered = nextEvent(gw, 'presence.entered');
    for (let i = 0; i < 4; i++) {
      await publish(omg, 'home/omg-gw1/BTtoMQTT/5A1122334455', JSON.stringify({ id: '5A:11:22:33:44:55', rssi: -61, manufacturerdata: appAdv }));
      await publish(
        omg,
        'home/omg-gw1/BTtoMQTT/DC2C6EF6547D',
        JSON.stringify({ id: 'DC:2C:6E:F6:54:7D', rssi: -75, servicedatauuid: '0xfeaa', servicedata: `00e7${SHELF_NS}${SHELF_INST}0000` }),
      );
      clock.advance(1000);
    }
    expect((await entered).data).toMatchObject({ zone: 'denim' });
    const res = await gw.http.inject({ method: 'GET', url: '/api/v1/beacons', headers: staff });
    expect(res.json().beacons[0]).toMatchObject({ id: 'shelf-1', missing: false, lastSeenAt: expect.any(String) });
    expect(await metricValue(gw, 'storegate_presence_advertisements_total', { source: 'omg' })).toBe(8);
  });

  it('purges presence events and closed sessions past their retention on start', async () => {
    const dataDir = tempDir();
    const first = await startGateway({ dataDir, keep: true, overrides: { presence: presenceConfig } });
    await first.db.run(
      "INSERT INTO presence_events (id, type, shopper_id, zone, time, data) VALUES ('old', 'presence.entered', 'sh_x', 'denim', '2020-01-01T00:00:00.000Z', '{}')",
    );
    await first.db.run(
      "INSERT INTO shopper_sessions (id, shopper_id, status, started_at, ended_at, visits, updated_at) VALUES ('s-old', 'sh_x', 'closed', '2020-01-01T00:00:00.000Z', '2020-01-01T00:10:00.000Z', '[]', '2020-01-01T00:10:00.000Z')",
    );
    await first.stopGateway();
    const gw = await startGateway({ dataDir, overrides: { presence: presenceConfig } });
    expect(await gw.db.get('SELECT id FROM presence_events WHERE id = ?', ['old'])).toBeUndefined();
    expect(await gw.db.get('SELECT id FROM shopper_sessions WHERE id = ?', ['s-old'])).toBeUndefined();
  });

  it('counts malformed hex, absurd RSSI and unknown scanners as rejections and keeps going', async () => {
    const { gw, clock, connect } = await setup();
    const ent = await connect('sc-ent');
    const nowhere = await connect('sc-nowhere');
    const omg = await connect('omg-gw1');
    const t = deviceTopic(gw, 'ble-scanner', 'sc-ent', 'adv');
    await publish(ent, t, JSON.stringify({ rssi: -60, manufacturerData: '4c0002zz' }));
    await publish(ent, t, JSON.stringify({ rssi: -60, manufacturerData: '4c00021' }));
    await publish(ent, t, JSON.stringify({ rssi: 45, manufacturerData: appAdv }));
    await publish(ent, t, JSON.stringify({ rssi: -9000, manufacturerData: appAdv }));
    await publish(ent, t, JSON.stringify({ rssi: 'loud' }));
    await publish(nowhere, deviceTopic(gw, 'ble-scanner', 'sc-nowhere', 'adv'), JSON.stringify({ rssi: -60, manufacturerData: appAdv }));
    await publish(omg, 'home/omg-gw1/BTtoMQTT/5A1122334455', JSON.stringify({ rssi: -60, manufacturerdata: 'xyz' }));
    await publish(omg, 'home/omg-gw1/BTtoMQTT/5A1122334455', JSON.stringify({ rssi: -60, uuid: 'not-a-uuid', major: 1, minor: 2 }));
    expect(await metricValue(gw, 'storegate_presence_rejected_total', { reason: 'bad_hex' })).toBe(3);
    expect(await metricValue(gw, 'storegate_presence_rejected_total', { reason: 'bad_uuid' })).toBe(1);
    expect(await metricValue(gw, 'storegate_presence_rejected_total', { reason: 'absurd_rssi' })).toBe(2);
    expect(await metricValue(gw, 'storegate_presence_rejected_total', { reason: 'unknown_scanner' })).toBe(1);
    expect(await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'schema' })).toBe(1);
    expect(await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'bad_hex' })).toBe(3);

    // still working afterwards
    const entered = nextEvent(gw, 'presence.entered');
    for (let i = 0; i < 4; i++) {
      await publish(ent, t, JSON.stringify({ rssi: -60, manufacturerData: appAdv }));
      clock.advance(1000);
    }
    expect((await entered).data).toMatchObject({ zone: 'entrance' });
  });

  it('forgets a shopper erased while in the store: gone from /api/v1/presence, and no session is written for them later', async () => {
    const { gw, clock, connect } = await setup();
    const ent = await connect('sc-ent');
    const raw = JSON.stringify({ rssi: -58, address: '5A:11:22:33:44:55', manufacturerData: appAdv });
    // a second phone (minor 4243) in the store at the same time: its exit marks the absence sweep that would have
    // ended the erased shopper's visit too (the two are alike: the first to enter is the one erased)
    const other = JSON.stringify({ rssi: -60, address: '5A:11:22:33:44:66', manufacturerData: appAdv.replace('1092c5', '1093c5') });
    const entries: string[] = [];
    gw.bus.on('test-entries', 'presence.entered', (e) => void entries.push((e.data as { shopperId: string }).shopperId));
    for (let i = 0; i < 4; i++) {
      await publish(ent, deviceTopic(gw, 'ble-scanner', 'sc-ent', 'adv'), raw);
      await publish(ent, deviceTopic(gw, 'ble-scanner', 'sc-ent', 'adv'), other);
      clock.advance(1000);
    }
    await until(() => entries.length === 2, 5000, 'both phones entered');
    const [shopperId, otherId] = entries as [string, string];
    await until(() => gw.db.get('SELECT 1 FROM shopper_sessions WHERE shopper_id = ?', [shopperId]), 5000, 'session row');
    const after: string[] = [];
    gw.bus.on('test', '*', (e) => {
      const d = e.data as { shopperId?: string; shopperIds?: string[] };
      if (d.shopperId === shopperId || d.shopperIds?.includes(shopperId)) after.push(e.type);
    });
    const erase = await gw.http.inject({ method: 'DELETE', url: `/api/v1/privacy/shoppers/${shopperId}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(erase.statusCode).toBe(200);
    const now = (await gw.http.inject({ method: 'GET', url: '/api/v1/presence', headers: staff })).json();
    expect(now).toMatchObject({ shoppers: [{ shopperId: otherId }], openSessions: 1 });

    // the phone goes quiet; the absence timeout passes: no exit, no session closed, nothing written again
    const otherClosed = nextEvent(gw, 'presence.exited', (e) => (e.data as { shopperId: string }).shopperId === otherId);
    clock.advance(60_000);
    await otherClosed;
    await gw.work.flush();
    expect(after).toEqual(['privacy.erase.starting', 'privacy.erase.requested']);
    expect(await gw.db.get('SELECT 1 FROM shopper_sessions WHERE shopper_id = ?', [shopperId])).toBeUndefined();
    expect(await gw.db.get('SELECT 1 FROM presence_events WHERE shopper_id = ?', [shopperId])).toBeUndefined();
    expect(gw.logs.parsed().some((l) => l.msg === 'erased shopper forgotten from current presence')).toBe(true);
  });
});
