import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { addDevice, connectMqtt, deviceTopic, publish, startGateway, until } from '../../../helpers/gateway.ts';
import { freePort } from '../../../helpers/mosquitto.ts';

const APP_UUID = 'f7826da6-4fa2-4e98-8024-bc5b71e0893e';
const ibeacon = (major: number, minor: number) =>
  `4c000215${APP_UUID.replaceAll('-', '')}${major.toString(16).padStart(4, '0')}${minor.toString(16).padStart(4, '0')}c5`;

describe('shopper sessions and the cloud outbox', () => {
  it('hands presence.session.opened to the outbox with the session it records, without the phone address', async () => {
    const clock = createFakeClock(Date.now());
    const dead = await freePort();
    const gw = await startGateway({
      clock,
      overrides: {
        'cloud.forwarders': [{ name: 'cloud', kind: 'http', url: `http://127.0.0.1:${dead}/e` }],
        presence: { zones: [{ name: 'entrance', role: 'entrance', scanners: ['sc-1'] }], shopperApp: { ibeaconUuids: [APP_UUID] } },
      },
    });
    const secret = await addDevice(gw, 'sc-1', 'ble-scanner', 'entrance');
    const c = await connectMqtt(gw.ports.mqtt, { username: 'sc-1', password: secret });
    for (let i = 0; i < 6; i++) {
      await publish(
        c,
        deviceTopic(gw, 'ble-scanner', 'sc-1', 'adv'),
        JSON.stringify({ manufacturerData: ibeacon(7, 42), rssi: -60, address: 'aa:bb:cc:dd:ee:01' }),
      );
      clock.advance(1000);
    }
    const row = await until(
      async () => gw.db.get<{ body: string }>("SELECT body FROM outbox_events WHERE body LIKE '%presence.session.opened%'"),
      10_000,
      'session event in the outbox',
    );
    const session = await gw.db.get<{ id: string }>('SELECT id FROM shopper_sessions');
    expect(JSON.parse(row?.body ?? '{}').data.sessionId).toBe(session?.id);
    expect(row?.body).not.toMatch(/aa:bb:cc:dd:ee:01/i);
  });
});
