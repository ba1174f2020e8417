import { describe, expect, it } from 'vitest';
import { createBus } from '../../../gateway/bus/bus.ts';
import { createFakeClock } from '../../../gateway/clock.ts';
import { silentLogger } from '../../../gateway/log.ts';
import { createMetrics } from '../../../gateway/metrics.ts';

describe('event bus', () => {
  it('isolates a throwing or rejecting handler: others still run and the failure is counted', async () => {
    const metrics = createMetrics({ defaults: false });
    const bus = createBus({ log: silentLogger, metrics, clock: createFakeClock() });
    const got: string[] = [];
    bus.on('a', 'device.status', () => {
      throw new Error('boom');
    });
    bus.on('b', 'device.status', async () => {
      throw new Error('async boom');
    });
    bus.on('c', 'device.status', (e) => {
      got.push(e.data.deviceId);
    });
    bus.on('d', '*', (e) => {
      got.push(`*${e.type}`);
    });
    expect(() => bus.emit(bus.make('device.status', 'storegate/s/locker/x', { deviceId: 'x', kind: 'locker', online: true }))).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['x', '*device.status']);
    const failures = await metrics.getSingleMetric('storegate_bus_handler_failures_total')?.get();
    expect(failures?.values.reduce((s, v) => s + v.value, 0)).toBe(2);
  });

  it('removes every subscription of an owner at off()', () => {
    const bus = createBus({ log: silentLogger, metrics: createMetrics({ defaults: false }), clock: createFakeClock() });
    let n = 0;
    bus.on('svc', 'device.status', () => void n++);
    bus.on('svc', 'device.connected', () => void n++);
    bus.off('svc');
    bus.emit(bus.make('device.status', 's', { deviceId: 'x', kind: 'k', online: true }));
    expect(n).toBe(0);
  });

  it('makes CloudEvents envelopes with unique ids and the clock time', () => {
    const clock = createFakeClock(Date.UTC(2026, 5, 1, 12));
    const bus = createBus({ log: silentLogger, metrics: createMetrics({ defaults: false }), clock });
    const a = bus.make('device.status', 'storegate/s/locker/x', { deviceId: 'x', kind: 'locker', online: true });
    const b = bus.make('device.status', 'storegate/s/locker/x', { deviceId: 'x', kind: 'locker', online: true });
    expect(a.specversion).toBe('1.0');
    expect(a.id).not.toBe(b.id);
    expect(a.time).toBe('2026-06-01T12:00:00.000Z');
  });
});

describe('event ids', () => {
  it('are RFC 9562 UUIDv7: version 7, variant 10, the clock time in the first 48 bits, and unique', async () => {
    const { uuidV7 } = await import('../../../gateway/bus/bus.ts');
    const at = Date.UTC(2026, 10, 23, 12, 0, 0, 123);
    const ids = Array.from({ length: 1000 }, () => uuidV7(at));
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids.slice(0, 20)) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
    }
    // later times sort later: ids land at the end of SQLite's unique index
    expect(uuidV7(at + 1) > uuidV7(at)).toBe(true);
  });
});
