import { describe, expect, it } from 'vitest';
import { healthRig } from './rig.ts';

const ids = (n: number, prefix = 'sc') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);

describe('device offline alerts', () => {
  it('raises one offline alert when a device misses its heartbeat and resolves it when the device is heard again', async () => {
    const h = await healthRig({ offlineAfterSeconds: 60, groupWindowSeconds: 10 });
    await h.devices(['sc-01', 'sc-02', 'sc-03']);
    await h.advance(50_000);
    h.heartbeat('sc-02');
    h.heartbeat('sc-03');
    await h.advance(15_000); // sc-01 silent for 65 s: offline, but still inside the grouping window
    expect(h.openKeys()).toEqual([]);
    await h.advance(10_000);
    expect(h.openKeys()).toEqual(['device:sc-01:offline']);
    await h.advance(60_000);
    expect(h.raised().map((e) => e.data.key)).toEqual(['device:sc-01:offline', 'device:sc-02:offline', 'device:sc-03:offline']);
    expect(h.raised()[0]?.data).toMatchObject({ severity: 'warning', deviceId: 'sc-01', message: expect.stringContaining('no heartbeat') });

    h.heartbeat('sc-01');
    await h.advance(1000);
    expect(h.openKeys()).toEqual(['device:sc-02:offline', 'device:sc-03:offline']);
    expect(h.resolved().map((e) => e.data.key)).toEqual(['device:sc-01:offline']);
    const rows = await h.db.all<{ key: string; resolved_at: number | null }>("SELECT key, resolved_at FROM health_alerts WHERE key = 'device:sc-01:offline'");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.resolved_at).toBe(h.clock.now());
  });

  it('takes the MQTT last will as offline at once, without waiting for the heartbeat timeout', async () => {
    const h = await healthRig({ offlineAfterSeconds: 600, groupWindowSeconds: 0 });
    await h.devices(['lk-01', 'lk-02'], 'locker');
    h.will('lk-01', 'locker');
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['device:lk-01:offline']);
    expect(h.raised()[0]?.data.message).toContain('last will');
    h.heartbeat('lk-01', 'locker'); // reconnects with {"online":true}
    await h.advance(5000);
    expect(h.openKeys()).toEqual([]);
  });

  it('keeps one open alert per cause however often the cause repeats', async () => {
    const h = await healthRig({ groupWindowSeconds: 0 });
    await h.devices(['lk-01'], 'locker');
    for (let i = 0; i < 5; i++) {
      h.will('lk-01', 'locker');
      await h.advance(5000);
    }
    expect(h.raised()).toHaveLength(1);
    expect(await h.db.all("SELECT id FROM health_alerts WHERE key = 'device:lk-01:offline'")).toHaveLength(1);
    // a second episode is a new alert
    h.heartbeat('lk-01', 'locker');
    await h.advance(5000);
    h.will('lk-01', 'locker');
    await h.advance(5000);
    expect(h.raised()).toHaveLength(2);
    expect(h.resolved()).toHaveLength(1);
  });

  it('turns a store-wide drop into one store:network alert instead of one per device', async () => {
    const h = await healthRig({ groupMinDevices: 5, groupPercent: 50, groupWindowSeconds: 30 });
    const fleet = ids(40);
    await h.devices(fleet);
    // 30 of 40 lose the network within a few seconds (their wills trickle in across two checks)
    for (const id of fleet.slice(0, 12)) h.will(id);
    await h.advance(5000);
    for (const id of fleet.slice(12, 30)) h.will(id);
    for (let i = 0; i < 8; i++) await h.advance(5000); // 45 s: the other 10 are still within their heartbeat period
    expect(h.raised().map((e) => e.data.key)).toEqual(['store:network']);
    const alert = h.book.get('store:network');
    expect(alert?.message).toBe('30 of 40 devices offline at once (store network?)');
    expect(alert?.details).toMatchObject({ offline: 30, monitored: 40 });
  });

  it('folds later drops into the open store-wide alert, resolves it when most devices are back and gives stragglers their own alert', async () => {
    const h = await healthRig({ groupMinDevices: 5, groupPercent: 50, groupWindowSeconds: 10 });
    const fleet = ids(20);
    await h.devices(fleet);
    for (const id of fleet.slice(0, 12)) h.will(id);
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['store:network']);
    h.will('sc-13');
    await h.advance(5000);
    expect(h.book.get('store:network')?.message).toMatch(/^13 of 20/);
    for (const id of fleet.slice(0, 11)) h.heartbeat(id);
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['device:sc-12:offline', 'device:sc-13:offline']);
    expect(h.resolved().map((e) => e.data.key)).toEqual(['store:network']);
    expect(h.raised()).toHaveLength(3);
  });

  it('resolves an offline alert when its device is revoked', async () => {
    const h = await healthRig({ groupWindowSeconds: 0 });
    await h.devices(['sc-01', 'sc-02']);
    h.will('sc-01');
    await h.advance(5000);
    expect(h.openKeys()).toEqual(['device:sc-01:offline']);
    await h.registry.revoke('sc-01');
    await h.advance(5000);
    expect(h.openKeys()).toEqual([]);
  });
});
