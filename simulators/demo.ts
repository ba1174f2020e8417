import { lockerDemoRunner } from './demo-lockers.ts';
import { bleScannerDemoRunner } from './demo-presence.ts';
import { connectDevice, type DeviceClient } from './device-client.ts';
import { mirrorDemoRunner } from './smart-mirror.ts';
import type { DemoDevice, DemoRunner } from './demo-types.ts';

export type { DemoDevice, DemoRunner } from './demo-types.ts';

export const DEMO_RUNNERS: Record<string, DemoRunner> = {
  'ble-scanner': (dev, ctx) => bleScannerDemoRunner(dev, ctx),
  locker: (dev, ctx) => lockerDemoRunner(dev, ctx),
  mirror: (dev, ctx) => mirrorDemoRunner(dev, ctx),
};

export async function startDemoDevices(devices: DemoDevice[], ctx: { url: string; httpUrl: string; adminToken: string; staffToken?: string }) {
  const running: Array<{ close(): Promise<void> }> = [];
  for (const dev of devices) {
    const runner = DEMO_RUNNERS[dev.kind];
    try {
      if (runner) running.push(await runner(dev, { ...ctx, all: devices }));
      else running.push(await heartbeatOnly(dev, ctx.url));
    } catch (err) {
      process.stderr.write(`demo: ${dev.kind} ${dev.id} did not start: ${(err as Error).message}\n`);
    }
  }
  return {
    count: running.length,
    async close() {
      await Promise.all(running.map((r) => r.close().catch(() => {})));
    },
  };
}

async function heartbeatOnly(dev: DemoDevice, url: string): Promise<DeviceClient> {
  return connectDevice(dev, { url, heartbeatSeconds: 15, firmware: `sim-${dev.kind}-1.0.0` });
}
