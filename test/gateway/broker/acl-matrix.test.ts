import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe, type Principal } from '../../../gateway/broker/acl.ts';
import type { Device } from '../../../gateway/registry/registry.ts';
import { addDevice, connectMqtt, deviceTopic, metricValue, startGateway } from '../../helpers/gateway.ts';

const KINDS = ['ble-scanner', 'beacon', 'mirror', 'locker', 'staff-tablet'];
const CHANNELS = ['status', 'telemetry', 'event', 'adv', 'frame', 'keypad', 'state', 'cmd'];
const STORE = 'store-1';
const device = (kind: string, id: string): Device => ({ id, kind, zone: null, enabled: true, createdAt: '', revokedAt: null, lastSeenAt: null, meta: {} });
const resolve = (topic: string) => {
  const p = topic.split('/');
  if (p[0] === 'storegate' && p.length === 5) return { deviceId: p[3] as string, kind: p[2] as string, channel: p[4] as string };
  if (p[0] === 'home' && p[2] === 'BTtoMQTT') return { deviceId: p[1] as string, channel: 'omg' };
  return null;
};

describe('device ACL matrix', () => {
  it('lets every kind publish only under its own prefix: every other kind, id, store and cmd is refused', () => {
    let refused = 0;
    for (const kind of KINDS) {
      const me: Principal = { role: 'device', device: device(kind, `${kind}-1`) };
      for (const otherKind of KINDS) {
        for (const id of [`${kind}-1`, `${otherKind}-2`]) {
          for (const channel of CHANNELS) {
            const topic = `storegate/${STORE}/${otherKind}/${id}/${channel}`;
            const own = otherKind === kind && id === `${kind}-1` && channel !== 'cmd';
            expect(canPublish(me, topic, STORE, resolve) === null, `${kind} → ${topic}`).toBe(own);
            if (!own) refused++;
          }
        }
      }
      expect(canPublish(me, `storegate/other-store/${kind}/${kind}-1/status`, STORE, resolve)).not.toBeNull();
      expect(canPublish(me, '$SYS/broker/x', STORE, resolve)).not.toBeNull();
      expect(canPublish(me, `home/${kind}-2/BTtoMQTT/aabbccddeeff`, STORE, resolve)).not.toBeNull();
      expect(canPublish(me, `home/${kind}-1/BTtoMQTT/aabbccddeeff`, STORE, resolve)).toBeNull();
    }
    expect(refused).toBeGreaterThan(KINDS.length * KINDS.length * CHANNELS.length);
  });

  it('lets every kind subscribe only to its own cmd topic', () => {
    for (const kind of KINDS) {
      const me: Principal = { role: 'device', device: device(kind, `${kind}-1`) };
      for (const otherKind of KINDS) {
        for (const id of [`${kind}-1`, `${otherKind}-2`]) {
          for (const channel of CHANNELS) {
            const topic = `storegate/${STORE}/${otherKind}/${id}/${channel}`;
            expect(canSubscribe(me, topic, STORE), `${kind} sub ${topic}`).toBe(otherKind === kind && id === `${kind}-1` && channel === 'cmd');
          }
        }
      }
      for (const wild of ['#', 'storegate/#', `storegate/${STORE}/+/+/cmd`, `storegate/${STORE}/${kind}/+/cmd`, '$SYS/#']) {
        expect(canSubscribe(me, wild, STORE), wild).toBe(false);
      }
    }
    expect(canSubscribe({ role: 'anonymous' }, 'storegate/#', STORE)).toBe(false);
    expect(canSubscribe({ role: 'service', name: 'svc' }, '#', STORE)).toBe(true);
  });

  it('enforces the matrix on a live broker: a mirror cannot publish as a locker, and each refusal is counted', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'm-1', 'mirror');
    await addDevice(gw, 'lk-01', 'locker');
    for (const topic of [
      deviceTopic(gw, 'locker', 'lk-01', 'event'),
      deviceTopic(gw, 'locker', 'm-1', 'event'),
      deviceTopic(gw, 'mirror', 'lk-01', 'status'),
    ]) {
      const c = await connectMqtt(gw.ports.mqtt, { username: 'm-1', password: secret });
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.publish(topic, '{}', { qos: 1 });
      await closed;
    }
    expect(await metricValue(gw, 'storegate_broker_acl_denied_total', { action: 'publish' })).toBe(3);
    expect((await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM device_events'))?.n).toBe(0);
  });
});
