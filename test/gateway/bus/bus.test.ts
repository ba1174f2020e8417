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
