import { derivePickupCode } from '../../devices/locker/codes.ts';
import type { LockerCommand } from '../../devices/locker/messages.ts';
import { signReturnQr } from '../../devices/locker/return-qr.ts';
import type { LockerSim } from '../locker.ts';
import type { StaffClient } from '../staff.ts';
import type { CloudReceiver } from './cloud.ts';
import { SCENARIO_BANK, SCENARIO_KEYS } from './gateway-config.ts';
import type { LockerAction } from './plan.ts';

const isOpen = (c: LockerCommand) => c.type === 'open';
const CMD_MS = 8000;

/**
 * Plays one locker action the way people do it: staff load through the staff API and the courier closes the
 * door on the parcel; a shopper types the code the cloud sent them, or scans a return QR the cloud signed, and
 * closes the door. The jam fault: the door of the only L compartment does not move when the gateway opens it.
 */
export async function playLockerAction(a: LockerAction, ctx: { sim: LockerSim; staff: StaffClient; cloud: CloudReceiver; parcelIds: Map<string, string> }) {
  const { sim, staff, cloud } = ctx;
  if (a.kind === 'load') {
    if (a.jam) {
      const target = SCENARIO_BANK.compartments.find((c) => c.size === a.size);
      if (target) sim.jam(target.id);
      const first = await staff.loadParcel(a.orderId, a.size);
      if (first.status !== 201) throw new Error(`load ${a.orderId}: HTTP ${first.status} ${first.body.message ?? ''}`);
      const cmd = await sim.nextCommand(isOpen, CMD_MS);
      if (cmd.type !== 'open' || cmd.compartment !== first.body.compartmentId) throw new Error(`load ${a.orderId}: unexpected ${JSON.stringify(cmd)}`);
      await cloud.waitFor((e) => e.type === 'locker.parcel.load_failed' && e.data.orderId === a.orderId, 30_000).catch(() => null);
    }
    const res = await staff.loadParcel(a.orderId, a.size);
    if (res.status !== 201) throw new Error(`load ${a.orderId}: HTTP ${res.status} ${res.body.message ?? ''}`);
    ctx.parcelIds.set(a.orderId, res.body.parcelId);
    const cmd = await sim.nextCommand((c) => c.type === 'open' && c.compartment === res.body.compartmentId, CMD_MS);
    if (cmd.type === 'open') await sim.close(cmd.compartment, true);
    return `loaded ${a.orderId} into ${res.body.compartmentId}`;
  }
  if (a.kind === 'pickup') {
    // the cloud got `locker.parcel.loaded` with the code's nonce and messaged the shopper; during an outage they wait
    const loaded = await cloud.waitFor((e) => e.type === 'locker.parcel.loaded' && e.data.orderId === a.orderId, 60_000);
    const code = derivePickupCode(SCENARIO_KEYS.codeKey, a.orderId, String(loaded.data.codeNonce));
    await sim.enterCode(code);
    const cmd = await sim.nextCommand(isOpen, CMD_MS);
    if (cmd.type === 'open') await sim.close(cmd.compartment, false);
    return `picked up ${a.orderId}`;
  }
  const qr = signReturnQr(
    { rid: a.returnId, oid: a.orderId, item: a.item, reason: a.reason, size: a.size, exp: Math.floor(Date.now() / 1000) + 3600 },
    { hmacKey: SCENARIO_KEYS.returnHmacKey },
  );
  await sim.scanQr(qr);
  const cmd = await sim.nextCommand(isOpen, CMD_MS);
  if (cmd.type === 'open') await sim.close(cmd.compartment, true);
  return `return ${a.returnId} dropped`;
}

/**
 * Closing time (the demo plays one store day after another on the same gateway): staff take uncollected parcels
 * back out and collect dropped returns for the returns desk, and the technician frees a jammed door. Each goes
 * through the staff API and a real door cycle on the controller, so the bank starts the next day empty.
 */
export async function closeTheDay(ctx: { sim: LockerSim; staff: StaffClient }) {
  const { sim, staff } = ctx;
  const { body } = await staff.lockers();
  let emptied = 0;
  for (const c of body.compartments as Array<{ id: string; state: string; fault: string | null; parcel: { id: string } | null }>) {
    if (c.fault === 'jammed') {
      await sim.close(c.id, false);
      continue;
    }
    const res =
      c.parcel && (c.state === 'awaiting_pickup' || c.state === 'expired')
        ? await staff.call('POST', `/api/v1/lockers/parcels/${encodeURIComponent(c.parcel.id)}/reclaim`)
        : c.state === 'returned'
          ? await staff.openCompartment(c.id)
          : null;
    if (!res || res.status >= 300) continue;
    const cmd = await sim.nextCommand((x) => x.type === 'open' && x.compartment === c.id, CMD_MS).catch(() => null);
    if (cmd) {
      await sim.close(c.id, false);
      emptied++;
    }
  }
  return `closing time: ${emptied} compartment(s) emptied`;
}
