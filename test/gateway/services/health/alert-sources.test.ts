import { describe, expect, it } from 'vitest';
import { until } from '../../../helpers/gateway.ts';
import { event } from '../outbox/harness.ts';
import { cloudHealthRig } from './cloud-rig.ts';
import { healthRig } from './rig.ts';

const LOCKER = 'storegate/store-1/locker/lk-01';
const SESSIONS = 'storegate/store-1/gateway/presence';

describe('alerts across restarts and from other capabilities', () => {
  it('does not alert right after a gateway restart for devices last seen while it was down', async () => {
    const first = await healthRig({ offlineAfterSeconds: 60, groupWindowSeconds: 0 });
    await first.devices(['sc-01', 'sc-02']);
    await first.registry.flushLastSeen();
    await first.stop();
    first.clock.advance(3_600_000); // the gateway was down for an hour
    const h = await healthRig({ offlineAfterSeconds: 60, groupWindowSeconds: 0 }, { clock: first.clock, dir: first.dir });
    await h.advance(30_000);
    expect(h.openKeys()).toEqual([]);
    h.heartbeat('sc-02');
    await h.advance(40_000); // a full heartbeat period after the restart: sc-01 never came back
    expect(h.openKeys()).toEqual(['device:sc-01:offline']);
  });

  it('keeps an alert open across a restart and resolves it when the device comes back', async () => {
    const first = await healthRig({ groupWindowSeconds: 0 });
    await first.devices(['lk-01'], 'locker');
    first.will('lk-01', 'locker');
    await first.advance(5000);
    await first.stop();
    const h = await healthRig({ groupWindowSeconds: 0 }, { clock: first.clock, dir: first.dir });
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['device:lk-01:offline']);
    expect(h.raised()).toHaveLength(0);
    h.heartbeat('lk-01', 'locker');
    await h.advance(5000);
    expect(h.openKeys()).toEqual([]);
    expect(h.resolved().map((e) => e.data.key)).toEqual(['device:lk-01:offline']);
  });

  it('records alerts other capabilities raise once, without emitting them again, and closes them on their resolve event', async () => {
    const h = await healthRig();
    const src = 'storegate/store-1/locker/lk-01';
    const jam = { key: 'locker:A3:jam', severity: 'critical' as const, message: 'compartment A3 jammed', deviceId: 'lk-01' };
    for (let i = 0; i < 3; i++) h.emit(h.bus.make('alert.raised', src, jam));
    await h.book.settled();
    expect(h.openKeys()).toEqual(['locker:A3:jam']);
    expect(h.book.get('locker:A3:jam')?.source).toBe(src);
    expect(h.events.filter((e) => e.type === 'alert.raised')).toHaveLength(3); // the three from lockers, none from health
    h.emit(h.bus.make('alert.resolved', src, jam));
    await h.book.settled();
    expect(h.openKeys()).toEqual([]);
    expect(h.resolved()).toHaveLength(0);
    expect(await h.db.all('SELECT key FROM health_alerts WHERE resolved_at IS NOT NULL')).toHaveLength(1);
  });

  it('raises a battery alert below the threshold and resolves it only once the battery is clearly above it', async () => {
    const h = await healthRig({ batteryLowPct: 15 });
    await h.devices(['mr-01'], 'mirror');
    h.status('mr-01', 'mirror', { batteryPct: 12 });
    h.status('mr-01', 'mirror', { batteryPct: 11 });
    await h.book.settled();
    expect(h.openKeys()).toEqual(['device:mr-01:battery_low']);
    h.status('mr-01', 'mirror', { batteryPct: 17 });
    await h.book.settled();
    expect(h.openKeys()).toEqual(['device:mr-01:battery_low']);
    h.status('mr-01', 'mirror', { batteryPct: 60 });
    await h.book.settled();
    expect(h.openKeys()).toEqual([]);
    expect(h.raised()).toHaveLength(1);
  });

  it('raises a cloud-down alert when the cloud receiver stops answering for the configured time, resolves it when the receiver is back, and both alerts reach the cloud', async () => {
    const h = await cloudHealthRig({ cloudDownAlertSeconds: 600, backlogAlertEvents: 0 });
    await h.work.run(async (w) => w.emit(event('locker.parcel.loaded', LOCKER, 0), { priority: 'critical' }));
    await until(() => h.rx.received.length === 1, 5000, 'the first event delivered');
    await h.advance(5000);
    expect(h.openKeys()).toEqual([]);

    await h.rx.down();
    await h.work.run(async (w) => w.emit(event('locker.parcel.loaded', LOCKER, 1), { priority: 'critical' }));
    // the failed send starts the outage; half the configured time later there is still no alert
    await until(async () => (await h.outbox.status()).forwarders[0]?.downSince !== null, 5000, 'the forwarder to see the receiver gone');
    for (let t = 0; t < 300_000; t += 60_000) await h.advance(60_000);
    expect(h.openKeys()).toEqual([]);
    for (let t = 0; t < 300_000; t += 60_000) await h.advance(60_000);
    expect(h.openKeys()).toEqual(['cloud:cloud:down']);
    const raised = h.health.book.get('cloud:cloud:down');
    expect(raised).toMatchObject({ severity: 'critical', deviceId: 'gateway' });
    expect(raised?.message).toMatch(/^cloud forwarder cloud down for 1[01] min$/);

    await h.rx.up();
    await h.untilResolvedInCloud('cloud:cloud:down', 'the resolution delivered to the cloud');
    expect(h.openKeys()).toEqual([]);
    // the cloud got the held event, the alert raised while it was away, and its resolution, once each
    expect(h.rx.received.filter((e) => e.type === 'storegate.locker.parcel.loaded').map((e) => e.data.seq)).toEqual([0, 1]);
    expect(h.alertEvents('alert.raised', 'cloud:cloud:down')).toHaveLength(1);
    expect(h.alertEvents('alert.resolved', 'cloud:cloud:down')).toHaveLength(1);
    expect(h.alertEvents('alert.raised', 'cloud:cloud:down')[0]?.data).toMatchObject({ severity: 'critical', message: raised?.message });
  });

  it('raises an outbox backlog alert when the queue grows past the threshold while the cloud refuses, and resolves it once the backlog drains', async () => {
    const h = await cloudHealthRig({ backlogAlertEvents: 100, cloudDownAlertSeconds: 0 });
    h.rx.setAnswer(() => ({ status: 503 }));
    const fill = (from: number, n: number) =>
      h.work.run(async (w) => {
        for (let i = from; i < from + n; i++) w.emit(event('presence.session.ended', SESSIONS, i), { priority: 'normal' });
      });
    await fill(0, 100);
    await h.advance(5000);
    expect((await h.outbox.status()).backlog.events).toBe(100);
    expect(h.openKeys()).toEqual([]); // at the threshold, not over it
    await fill(100, 20);
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['outbox:backlog']);
    expect(h.health.book.get('outbox:backlog')).toMatchObject({ severity: 'warning', message: 'cloud outbox backlog 120 events (over 100)' });
    expect(h.alertEvents('alert.raised', 'outbox:backlog')).toEqual([]); // still queued: the cloud refuses

    h.rx.setAnswer(() => ({ status: 200 }));
    await h.untilResolvedInCloud('outbox:backlog', 'the backlog drained and the resolution delivered');
    expect(h.openKeys()).toEqual([]);
    expect(h.rx.received.filter((e) => e.type === 'storegate.presence.session.ended')).toHaveLength(120);
    expect(h.alertEvents('alert.raised', 'outbox:backlog')).toHaveLength(1);
    expect(h.alertEvents('alert.raised', 'outbox:backlog')[0]?.data).toMatchObject({
      severity: 'warning',
      message: 'cloud outbox backlog 120 events (over 100)',
    });
  });
});
