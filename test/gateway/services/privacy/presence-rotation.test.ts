import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { addDevice, connectMqtt, deviceTopic, nextEvent, publish, startGateway } from '../../../helpers/gateway.ts';

const APP_UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const MIN = 60_000;
/** the store app as iBeacon APP_UUID / major / minor 4242, measured power -59 */
const appAdv = (major: number) => `4c000215${APP_UUID.replaceAll('-', '')}${major.toString(16).padStart(4, '0')}1092c5`;

/** A gateway whose pseudonym period ends 2 minutes after start (09:02 UTC), so a rotation needs no day of fake ticks. */
async function setup() {
  const clock = createFakeClock(Date.UTC(2026, 0, 1, 9, 0, 0));
  const gw = await startGateway({
    clock,
    overrides: {
      presence: {
        zones: [{ name: 'entrance', role: 'entrance', scanners: ['sc-ent'] }],
        shopperApp: { ibeaconUuids: [APP_UUID] },
        absenceTimeoutSeconds: 30,
        sessionGraceSeconds: 0,
      },
      privacy: { rotation: { periodHours: 1, utcOffsetMinutes: -2 } },
    },
  });
  const secret = await addDevice(gw, 'sc-ent', 'ble-scanner', 'entrance');
  const scanner = await connectMqtt(gw.ports.mqtt, { username: 'sc-ent', password: secret, clientId: 'sc-ent' });
  /** one visit: advertisements until presence places the shopper, then silence until they have exited */
  const visit = async (major: number) => {
    const entered = nextEvent(gw, 'presence.entered');
    for (let i = 0; i < 4; i++) {
      await publish(
        scanner,
        deviceTopic(gw, 'ble-scanner', 'sc-ent', 'adv'),
        JSON.stringify({ rssi: -58, address: '5A:11:22:33:44:55', manufacturerData: appAdv(major) }),
      );
      clock.advance(1000);
    }
    const id = ((await entered).data as { shopperId: string }).shopperId;
    const exited = nextEvent(gw, 'presence.exited');
    clock.advance(40_000);
    await exited;
    return id;
  };
  return { gw, clock, visit };
}

describe('presence names shoppers with the rotating pseudonym', () => {
  it('gives the same phone the same pseudonym within a period and a different one after the rotation', async () => {
    const { clock, visit } = await setup();
    const first = await visit(7);
    expect(await visit(7)).toBe(first); // 09:00:44, same period
    clock.advance(2 * MIN); // past 09:02
    const later = await visit(7);
    expect(later).toMatch(/^sh_[0-9a-f]{20}$/);
    expect(later).not.toBe(first);
  });

  it('keeps one pseudonym across the rotation for a shopper whose app sets the consent flag', async () => {
    const { clock, visit } = await setup();
    const first = await visit(0x8000 | 7);
    clock.advance(2 * MIN);
    expect(await visit(0x8000 | 7)).toBe(first);
  });
});
