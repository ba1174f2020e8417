import { EventEmitter } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadNoble } from '../../../../devices/ble/noble-adapter.ts';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { loadConfig } from '../../../../gateway/config/load.ts';
import { createPresenceService, type PresenceServiceOptions } from '../../../../gateway/services/presence/service.ts';
import { coreMigrations } from '../../../../gateway/store/core-migrations.ts';
import { migrate } from '../../../../gateway/store/migrate.ts';
import { logSink } from '../../../helpers/gateway.ts';
import { serviceDeps } from '../../../helpers/service-deps.ts';
import { createLogger } from '../../../../gateway/log.ts';

const APP_UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
const appAdv = Buffer.from(`4c000215${APP_UUID.replaceAll('-', '')}00071092c5`, 'hex');

class FakeNoble extends EventEmitter {
  state = 'poweredOn';
  scans = 0;
  startScanning() {
    this.scans++;
  }
  stopScanning() {}
}

async function build(loadNoble: PresenceServiceOptions['loadNoble']) {
  const clock = createFakeClock();
  const sink = logSink();
  const log = createLogger({ level: 'debug', destination: sink.stream });
  const deps = await serviceDeps({ clock, log, adminToken: 'a'.repeat(20) });
  const { db, bus, metrics } = deps;
  onTestFinished(() => db.close());
  const cfg = loadConfig({
    env: {},
    overrides: { presence: { zones: [{ name: 'till', scanners: ['local'] }], shopperApp: { ibeaconUuids: [APP_UUID] }, localAdapter: { enabled: true } } },
  }).presence;
  const svc = createPresenceService(deps, cfg, loadNoble ? { loadNoble } : {});
  await migrate(db, [...coreMigrations, ...svc.migrations]);
  return { svc, bus, clock, sink, metrics };
}

describe('presence with the local BLE adapter', () => {
  it('feeds noble discover events into the same presence path as remote scanners', async () => {
    const noble = new FakeNoble();
    const { svc, bus, clock } = await build(async () => ({ ok: true, noble }));
    const seen: unknown[] = [];
    bus.on('test', 'presence.entered', (e) => void seen.push(e.data));
    await svc.start();
    onTestFinished(() => svc.stop());
    expect(noble.scans).toBe(1);
    for (let i = 0; i < 4; i++) {
      noble.emit('discover', { address: '6e:11:22:33:44:55', rssi: -62, advertisement: { manufacturerData: appAdv } });
      clock.advance(1000);
    }
    // presence events go on the bus once their unit of work commits
    await svc.flush();
    expect(seen).toMatchObject([{ zone: 'till' }]);
    expect(svc.current()).toMatchObject([{ zone: 'till' }]);
  });

  it('starts without noble and says so in the log', async () => {
    const { svc, sink, metrics } = await build(async () => ({ ok: false, reason: 'EAFNOSUPPORT: Address family not supported by protocol' }));
    await svc.start();
    onTestFinished(() => svc.stop());
    const line = sink.parsed().find((l) => String(l.msg).includes('local BLE adapter unavailable'));
    expect(line).toMatchObject({ level: 40, reason: expect.stringContaining('EAFNOSUPPORT') });
    const up = await metrics.getSingleMetric('storegate_presence_local_adapter_up')?.get();
    expect(up?.values[0]?.value).toBe(0);
  });

  it('starts on this machine with the real noble loader and reports what it found in the log and the adapter gauge', async () => {
    // what the real loader finds here (noble is cached after the first import, so the service finds the same)
    const found = await loadNoble();
    const { svc, sink, metrics } = await build(undefined);
    await svc.start();
    onTestFinished(() => svc.stop());
    const warned = sink.parsed().find((l) => String(l.msg).includes('local BLE adapter unavailable'));
    const up = (await metrics.getSingleMetric('storegate_presence_local_adapter_up')?.get())?.values[0]?.value;
    if (found.ok) {
      // a machine with Bluetooth: noble loaded, no warning, and the scan source is noble's
      expect(typeof found.noble.startScanning).toBe('function');
      expect(warned).toBeUndefined();
    } else {
      // no adapter (CI, containers): the exact reason is logged once at warn, the gauge says down, and the
      // service keeps serving remote scanners
      expect(found.reason).toMatch(/EAFNOSUPPORT|not installed|ENODEV|EPERM|EACCES/);
      expect(sink.parsed().filter((l) => String(l.msg).includes('local BLE adapter unavailable'))).toHaveLength(1);
      expect(warned).toMatchObject({ level: 40, reason: found.reason });
      expect(up).toBe(0);
      expect(svc.current()).toEqual([]);
    }
  });
});

describe('restarting BLE scanning from the dashboard', () => {
  it('restarts the local scan on the admin route and says why not when there is no adapter', async () => {
    const noble = new FakeNoble();
    const { svc } = await build(async () => ({ ok: true, noble: noble as never }));
    await svc.start();
    onTestFinished(() => svc.stop());
    const Fastify = (await import('fastify')).default;
    const app = Fastify();
    await app.register(svc.http);
    const before = noble.scans;
    const res = await app.inject({ method: 'POST', url: '/api/v1/presence/scanning/restart', headers: { authorization: `Bearer ${'a'.repeat(20)}` } });
    expect(res.json()).toEqual({ restarted: true });
    expect(noble.scans).toBe(before + 1);
    expect((await app.inject({ method: 'POST', url: '/api/v1/presence/scanning/restart' })).statusCode).toBe(401);

    const { svc: without } = await build(async () => ({ ok: false, reason: 'EAFNOSUPPORT' }));
    await without.start();
    onTestFinished(() => without.stop());
    const app2 = Fastify();
    await app2.register(without.http);
    const r2 = await app2.inject({ method: 'POST', url: '/api/v1/presence/scanning/restart', headers: { authorization: `Bearer ${'a'.repeat(20)}` } });
    expect(r2.json()).toEqual({ restarted: false, reason: 'local BLE adapter unavailable' });
  });
});
