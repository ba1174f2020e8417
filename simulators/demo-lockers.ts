import type { DemoDevice, DemoRunner } from './demo-types.ts';
import { connectDevice } from './device-client.ts';
import { createLockerSim } from './locker.ts';
import { createStaffClient } from './staff.ts';

/** The demo's locker bank: the controller the gateway config declares (see gateway/cli/commands/demo.ts). */
export const DEMO_LOCKER_BANK = {
  id: 'A',
  compartments: [
    { id: 'A1', size: 'S' },
    { id: 'A2', size: 'S' },
    { id: 'A3', size: 'M' },
    { id: 'A4', size: 'M' },
    { id: 'A5', size: 'L' },
    { id: 'A6', size: 'L' },
    { id: 'A7', size: 'XL' },
    { id: 'A8', size: 'XL' },
  ],
};

const SIZES = ['S', 'S', 'M', 'M', 'L', 'XL'];

/**
 * A locker controller whose doors close by themselves shortly after the gateway opens them (with the parcel
 * put in or taken out), plus a member of staff who loads an order every so often and reclaims the oldest one
 * when the bank fills up — so the dashboard's locker grid and the staff page show a living bank.
 */
export const lockerDemoRunner: DemoRunner = async (dev: DemoDevice, ctx) => {
  const sim = createLockerSim({
    url: ctx.url,
    storeId: dev.storeId,
    deviceId: dev.id,
    secret: dev.secret,
    compartments: DEMO_LOCKER_BANK.compartments.map((c) => c.id),
    autoCloseMs: 1500,
  });
  await sim.connect();
  // heartbeats on a second, status-only connection would be a second client id; the sim reports state itself
  const heartbeat = await connectDevice({ ...dev, id: dev.id }, { url: ctx.url, heartbeatSeconds: 15, firmware: 'sim-locker-2.1.0' }).catch(() => null);
  const staff = ctx.staffToken ? createStaffClient({ httpUrl: ctx.httpUrl, token: ctx.staffToken }) : null;
  const loaded: string[] = [];
  let n = 0;
  const tick = async () => {
    if (!staff) return;
    if (loaded.length >= 5) {
      const oldest = loaded.shift();
      if (oldest) await staff.call('POST', `/api/v1/lockers/parcels/${encodeURIComponent(oldest)}/reclaim`);
      return;
    }
    const r = await staff.loadParcel(`demo-order-${Date.now().toString(36)}-${++n}`, SIZES[n % SIZES.length] as string);
    if (r.status === 201 && r.body.parcelId) loaded.push(r.body.parcelId);
  };
  const timer = setInterval(() => void tick().catch(() => {}), 12_000);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await heartbeat?.close().catch(() => {});
      await sim.disconnect().catch(() => {});
    },
  };
};
