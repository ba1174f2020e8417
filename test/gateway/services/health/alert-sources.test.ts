import { describe, expect, it } from 'vitest';
import { gauge } from '../../../../gateway/metrics.ts';
import { healthRig } from './rig.ts';

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

  it('raises a cloud-down alert after the configured outage and resolves it when the forwarder is back', async () => {
    const h = await healthRig({ cloudDownAlertSeconds: 600 });
    const downSince = gauge(h.metrics, 'storegate_outbox_forwarder_down_since_seconds', 'outage start', ['forwarder']);
    downSince.set({ forwarder: 'cloud' }, h.clock.now() / 1000);
    await h.advance(300_000);
    expect(h.openKeys()).toEqual([]);
    await h.advance(300_000);
    expect(h.openKeys()).toEqual(['cloud:cloud:down']);
    expect(h.raised()[0]?.data).toMatchObject({ severity: 'critical', deviceId: 'gateway', message: 'cloud forwarder cloud down for 10 min' });
    downSince.set({ forwarder: 'cloud' }, 0);
    await h.advance(5000);
    expect(h.openKeys()).toEqual([]);
  });

  it('raises an outbox backlog alert over the threshold and resolves it below 90% of it', async () => {
    const h = await healthRig({ backlogAlertEvents: 1000 });
    const backlog = gauge(h.metrics, 'storegate_outbox_backlog_events', 'backlog', ['class']);
    backlog.set({ class: 'bulk' }, 800);
    backlog.set({ class: 'critical' }, 300);
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['outbox:backlog']);
    backlog.set({ class: 'bulk' }, 650);
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['outbox:backlog']);
    backlog.set({ class: 'bulk' }, 500);
    await h.advance(5000);
    expect(h.openKeys()).toEqual([]);
  });
});
