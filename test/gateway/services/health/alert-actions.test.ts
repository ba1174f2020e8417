import { describe, expect, it } from 'vitest';
import { createLabelBounds, groupAlerts } from '../../../../gateway/services/health/groups.ts';
import { mayMute, roleForAlert } from '../../../../gateway/services/health/roles.ts';
import { until } from '../../../helpers/gateway.ts';
import { cloudHealthRig } from './cloud-rig.ts';
import { healthRig } from './rig.ts';

const DANA = { actor: 'staff:dana', name: 'Dana K' };
const MIN = 60_000;

describe('acknowledging alerts', () => {
  it('records who acknowledged an open alert and their note; it stays open, marked, until it resolves; a re-raise is a new alert', async () => {
    const h = await healthRig({ groupWindowSeconds: 0 });
    await h.devices(['sc-01'], 'scanner', 'entrance');
    h.will('sc-01');
    await h.advance(5000);
    const first = h.book.get('device:sc-01:offline');
    expect(first).toMatchObject({ kind: 'scanner', zone: 'entrance', ackedAt: null });
    const acks: unknown[] = [];
    h.bus.on('t-ack', 'alert.acknowledged', (e) => void acks.push(e.data));

    h.clock.advance(1000);
    const acked = await h.book.acknowledge(first?.id ?? 0, DANA, 'power cable out, on my way');
    expect(acked).toMatchObject({ ackedBy: 'staff:dana', ackedName: 'Dana K', ackNote: 'power cable out, on my way', ackedAt: h.clock.now() });
    expect(h.openKeys()).toEqual(['device:sc-01:offline']);
    expect(acks).toEqual([
      {
        alertId: first?.id,
        key: 'device:sc-01:offline',
        severity: 'warning',
        deviceId: 'sc-01',
        by: 'staff:dana',
        byName: 'Dana K',
        note: 'power cable out, on my way',
      },
    ]);
    await expect(h.book.acknowledge(first?.id ?? 0, { actor: 'token:erp', name: 'erp' }, null)).rejects.toThrow(/already acknowledged by Dana K/);
    expect(await h.db.all('SELECT actor, action, target, note FROM health_audit')).toEqual([
      { actor: 'staff:dana', action: 'ack', target: `alert device:sc-01:offline (#${first?.id})`, note: 'power cable out, on my way' },
    ]);

    // still auto-resolves; the row keeps the acknowledgement
    h.heartbeat('sc-01');
    await h.advance(5000);
    expect(h.openKeys()).toEqual([]);
    expect(await h.db.get('SELECT acked_by, resolved_at IS NOT NULL AS resolved FROM health_alerts WHERE id = ?', [first?.id])).toEqual({
      acked_by: 'staff:dana',
      resolved: 1,
    });
    await expect(h.book.acknowledge(first?.id ?? 0, DANA, null)).rejects.toThrow(/not found/);

    h.will('sc-01');
    await h.advance(5000);
    const again = h.book.get('device:sc-01:offline');
    expect(again?.id).not.toBe(first?.id);
    expect(again?.ackedAt).toBeNull();
  });

  it('sends the acknowledgement to the cloud through the outbox: held while the cloud is down, delivered in order when it is back', async () => {
    const h = await cloudHealthRig({ cloudDownAlertSeconds: 60, backlogAlertEvents: 0 });
    await h.rx.down();
    await h.health.book.raise({ key: 'probe', severity: 'info', message: 'starts the outage', deviceId: 'gateway' });
    await until(async () => (await h.outbox.status()).forwarders[0]?.downSince !== null, 5000, 'the forwarder to see the receiver gone');
    for (let t = 0; t < 120_000; t += 30_000) await h.advance(30_000);
    const down = h.health.book.get('cloud:cloud:down');
    expect(down).toBeDefined();
    await h.health.book.acknowledge(down?.id ?? 0, DANA, 'ISP ticket 4711');
    expect(h.alertEvents('alert.raised', 'cloud:cloud:down')).toEqual([]);

    await h.rx.up();
    await h.untilResolvedInCloud('cloud:cloud:down', 'the resolution delivered');
    const types = h.rx.received.filter((e) => (e.data as { key?: string }).key === 'cloud:cloud:down').map((e) => e.type);
    expect([...new Set(types)]).toEqual(['storegate.alert.raised', 'storegate.alert.acknowledged', 'storegate.alert.resolved']);
    const ack = h.rx.received.find((e) => e.type === 'storegate.alert.acknowledged');
    expect(ack?.data).toMatchObject({ by: 'staff:dana', byName: 'Dana K', note: 'ISP ticket 4711', alertId: down?.id });
  });
});

describe('muting alerts', () => {
  it('a group mute (kind in a zone) records a new alert there muted, resolves it as usual, and ends by itself', async () => {
    const h = await healthRig({ groupWindowSeconds: 0 });
    await h.devices(['sc-01', 'sc-02'], 'scanner', 'entrance');
    await h.devices(['sc-09'], 'scanner', 'till');
    const mute = await h.service.actions.mute({ kind: 'scanner', zone: 'entrance', minutes: 10, note: 'rewiring' }, DANA);
    expect(mute).toMatchObject({ kind: 'scanner', zone: 'entrance', key: null, until: h.clock.now() + 10 * MIN, byActor: 'staff:dana' });

    h.will('sc-01');
    h.will('sc-09');
    await h.advance(5000);
    expect(h.book.get('device:sc-01:offline')?.muteId).toBe(mute.id);
    expect(h.book.get('device:sc-09:offline')?.muteId).toBeNull();
    const raised = Object.fromEntries(h.raised().map((e) => [e.data.key, e.data.muted ?? false]));
    expect(raised).toEqual({ 'device:sc-01:offline': true, 'device:sc-09:offline': false });

    // muted is still resolvable
    h.heartbeat('sc-01');
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['device:sc-09:offline']);

    // 10 minutes later the mute has ended without anyone doing anything
    await h.advance(10 * MIN);
    h.heartbeat('sc-09');
    h.will('sc-02');
    await h.advance(5000);
    expect(h.book.get('device:sc-02:offline')?.muteId).toBeNull();
    expect(await h.db.all('SELECT action FROM health_audit')).toEqual([{ action: 'mute' }]);
  });

  it('quiets open alerts in its scope at once, and unmute lets new ones notify again', async () => {
    const h = await healthRig({ groupWindowSeconds: 0 });
    await h.devices(['lk-01'], 'locker', 'back');
    h.will('lk-01', 'locker');
    await h.advance(5000);
    const m = await h.service.actions.mute({ key: 'device:lk-01:offline', minutes: 30 }, DANA);
    expect(h.book.get('device:lk-01:offline')?.muteId).toBe(m.id);
    await h.service.actions.unmute(m.id, DANA);
    await expect(h.service.actions.unmute(m.id, DANA)).rejects.toThrow(/not found/);
    h.heartbeat('lk-01', 'locker');
    await h.advance(5000);
    h.will('lk-01', 'locker');
    await h.advance(5000);
    expect(h.book.get('device:lk-01:offline')?.muteId).toBeNull();
    expect((await h.db.all<{ action: string }>('SELECT action FROM health_audit ORDER BY id')).map((r) => r.action)).toEqual(['mute', 'unmute']);
  });

  it('refuses a mute with no scope or a time out of bounds', async () => {
    const h = await healthRig();
    await expect(h.service.actions.mute({ minutes: 10 }, DANA)).rejects.toThrow(/names an alert key/);
    await expect(h.service.actions.mute({ kind: 'beacon', minutes: 0 }, DANA)).rejects.toThrow(/1 to 1440/);
    await expect(h.service.actions.mute({ kind: 'beacon', minutes: 24 * 60 + 1 }, DANA)).rejects.toThrow(/1 to 1440/);
  });

  it('a mute covers alerts other capabilities raise: recorded muted, with an alert.muted for the cloud', async () => {
    const h = await healthRig();
    await h.devices(['lk-01'], 'locker', 'back');
    await h.advance(1000);
    const m = await h.service.actions.mute({ kind: 'locker', minutes: 60 }, DANA);
    const muted: unknown[] = [];
    h.bus.on('t-muted', 'alert.muted', (e) => void muted.push(e.data));
    h.emit(
      h.bus.make('alert.raised', 'storegate/store-1/locker/lk-01', { key: 'locker:A3:jam', severity: 'critical', message: 'A3 jammed', deviceId: 'lk-01' }),
    );
    await h.book.settled();
    expect(h.book.get('locker:A3:jam')?.muteId).toBe(m.id);
    expect(muted).toEqual([
      {
        alertId: h.book.get('locker:A3:jam')?.id,
        key: 'locker:A3:jam',
        severity: 'critical',
        deviceId: 'lk-01',
        muteId: m.id,
        until: new Date(m.until).toISOString(),
      },
    ]);
  });
});

describe('grouping', () => {
  it('groups beacon faults per zone ("3 beacons silent in zone entrance") and counts them in /metrics by severity, kind, zone and state', async () => {
    const h = await healthRig();
    const missing = (id: string, zone: string) =>
      h.emit(h.bus.make('beacon.missing', 'storegate/store-1/gateway/presence', { beaconId: id, role: 'zone', zone, lastSeenAt: null, batteryMv: null }));
    missing('b1', 'entrance');
    missing('b2', 'entrance');
    missing('b3', 'entrance');
    missing('b4', 'till');
    await h.book.settled();
    const groups = groupAlerts(h.book.openAlerts());
    expect(groups.map((g) => [g.id, g.title, g.count, g.attention])).toEqual([
      ['beacon@entrance', '3 beacons silent in zone entrance', 3, 3],
      ['beacon@till', '1 beacon silent in zone till', 1, 1],
    ]);
    expect(groups[0]?.members).toEqual(['b1', 'b2', 'b3'].map((b) => h.book.get(`beacon:${b}:missing`)?.id));

    await h.book.acknowledge(h.book.get('beacon:b1:missing')?.id ?? 0, DANA, null);
    await h.service.actions.mute({ kind: 'beacon', zone: 'till', minutes: 5 }, DANA);
    expect(groupAlerts(h.book.openAlerts()).map((g) => g.attention)).toEqual([2, 0]);
    await h.advance(5000);
    const text = await h.metrics.metrics();
    const lines = text.split('\n').filter((l) => l.startsWith('storegate_health_active_alerts{'));
    expect(lines.sort()).toEqual([
      'storegate_health_active_alerts{severity="warning",kind="beacon",zone="entrance",state="acknowledged"} 1',
      'storegate_health_active_alerts{severity="warning",kind="beacon",zone="entrance",state="new"} 2',
      'storegate_health_active_alerts{severity="warning",kind="beacon",zone="till",state="muted"} 1',
    ]);
  });

  it('keeps metric labels bounded: unknown kinds are "other", zones past the cap are "other"', () => {
    const b = createLabelBounds(3);
    expect(['beacon', 'toaster', 'gateway'].map(b.kind)).toEqual(['beacon', 'other', 'gateway']);
    expect(['a', 'b', 'c', 'd', 'a', null].map(b.zone)).toEqual(['a', 'b', 'c', 'other', 'a', 'none']);
  });
});

describe('who may act on an alert', () => {
  it.each([
    ['locker:A3:jam', 'gateway', 'fulfilment'],
    ['locker-controller:lk-01:power_loss', 'locker', 'fulfilment'],
    ['device:lk-01:offline', 'locker', 'fulfilment'],
    ['device:mr-01:offline', 'mirror', 'fitting'],
    ['beacon:b1:missing', 'beacon', 'admin'],
    ['cloud:cloud:down', 'gateway', 'admin'],
  ] as const)('%s (%s) is for %s', (key, kind, role) => {
    expect(roleForAlert({ key, kind })).toBe(role);
  });

  it('lets the floor mute only its own kind; zones and everything else are store IT', () => {
    expect(mayMute(['fulfilment'], { kind: 'locker' })).toBe(true);
    expect(mayMute(['fulfilment'], { kind: 'locker', zone: 'back' })).toBe(true);
    expect(mayMute(['fulfilment'], { zone: 'back' })).toBe(false);
    expect(mayMute(['fulfilment'], { kind: 'beacon' })).toBe(false);
    expect(mayMute(['fitting'], { key: 'locker:A3:jam' })).toBe(false);
    expect(mayMute(['fulfilment'], { key: 'locker:A3:jam' })).toBe(true);
    expect(mayMute(['admin'], { zone: 'back' })).toBe(true);
  });
});
