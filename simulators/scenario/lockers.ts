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
export async function playLockerAction(
  a: LockerAction,
  ctx: {
    sim: LockerSim;
    staff: StaffClient;
    cloud: CloudReceiver;
    parcelIds: Map<string, string>;
    /** the order id the gateway gave the shopper's online order at the mirror */
    onlineOrder: (shopper: string) => Promise<string>;
  },
) {
  const { sim, staff, cloud } = ctx;
  if (a.kind === 'power-cut' || a.kind === 'power-back') return powerLoss(a.kind === 'power-cut' ? 'cut' : 'back', ctx);
  if (a.kind === 'collect-returns') return `collected ${await emptyCompartments(ctx, ['returned'])} return(s)`;
  if (a.kind === 'order-arrives') {
    const orderId = await ctx.onlineOrder(a.shopper);
    const arrived = await staff.call<{ compartmentId: string }>('POST', `/api/v1/lockers/expected/${encodeURIComponent(orderId)}/arrived`, {});
    if (arrived.status !== 200) throw new Error(`arrived ${orderId}: HTTP ${arrived.status} ${JSON.stringify(arrived.body)}`);
    const res = await staff.loadParcel(orderId, 'S');
    if (res.status !== 201) throw new Error(`load ${orderId}: HTTP ${res.status} ${res.body.message ?? ''}`);
    if (res.body.compartmentId !== arrived.body.compartmentId)
      throw new Error(`load ${orderId}: went to ${res.body.compartmentId}, not the reserved ${arrived.body.compartmentId}`);
    ctx.parcelIds.set(`online:${a.shopper}`, res.body.parcelId);
    const cmd = await sim.nextCommand((c) => c.type === 'open' && c.compartment === res.body.compartmentId, CMD_MS);
    if (cmd.type === 'open') await sim.close(cmd.compartment, true);
    return `${a.shopper}'s online order arrived: reserved and loaded ${res.body.compartmentId}`;
  }
  if (a.kind === 'order-pickup') {
    const orderId = await ctx.onlineOrder(a.shopper);
    const loaded = await cloud.waitFor((e) => e.type === 'locker.parcel.loaded' && e.data.orderId === orderId, 60_000);
    await sim.enterCode(derivePickupCode(SCENARIO_KEYS.codeKey, orderId, String(loaded.data.codeNonce)));
    const cmd = await sim.nextCommand(isOpen, CMD_MS);
    if (cmd.type === 'open') await sim.close(cmd.compartment, false);
    return `${a.shopper} picked up their online order`;
  }
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
    if (cmd.type !== 'open') return `picked up ${a.orderId}`;
    if (a.leaveOpen) {
      // the door stands open past the alert limit until staff walk by and close it
      await cloud.waitFor((e) => e.type === 'alert.raised' && String(e.data.key) === `locker:${cmd.compartment}:door_open`, 30_000);
      await sim.close(cmd.compartment, false);
      return `picked up ${a.orderId}, left ${cmd.compartment} open; staff closed it`;
    }
    await sim.close(cmd.compartment, false);
    return `picked up ${a.orderId}`;
  }
  if (a.kind === 'courier' || a.kind === 'load-expiring' || a.kind === 'reclaim-expired' || a.kind === 'keep-it') return playSeasonAction(a, ctx);
  const qr = signReturnQr(
    { rid: a.returnId, oid: a.orderId, item: a.item, cat: a.category, reason: a.reason, size: a.size, exp: Math.floor(Date.now() / 1000) + 3600 },
    { hmacKey: SCENARIO_KEYS.returnHmacKey },
  );
  await sim.scanQr(qr);
  const cmd = await sim.nextCommand(isOpen, CMD_MS);
  if (cmd.type === 'open') await sim.close(cmd.compartment, true);
  return `return ${a.returnId} dropped`;
}

type SeasonAction = Extract<LockerAction, { kind: 'courier' | 'load-expiring' | 'reclaim-expired' | 'keep-it' }>;

/** The id the gateway gave the parcel of an order, from the staff lookup (what the label scan shows staff). */
async function parcelOf(staff: StaffClient, orderId: string) {
  const res = await staff.call<{ inLockers: Array<{ parcelId: string; status: string }> }>('GET', `/api/v1/lockers/orders/${encodeURIComponent(orderId)}`);
  return res.body.inLockers?.find((p) => p.status !== 'load_failed')?.parcelId;
}

/** A courier's drop-off, a parcel nobody collects in time and its reclaim, and a keep-it return. */
async function playSeasonAction(a: SeasonAction, ctx: { sim: LockerSim; staff: StaffClient; parcelIds: Map<string, string> }) {
  const { sim, staff } = ctx;
  if (a.kind === 'courier') {
    await sim.courierLoad(SCENARIO_KEYS.courierCode, a.orderId, a.size, 'courier-van');
    const cmd = await sim.nextCommand(isOpen, CMD_MS);
    if (cmd.type === 'open') await sim.close(cmd.compartment, true);
    const id = await parcelOf(staff, a.orderId);
    if (id) ctx.parcelIds.set(a.orderId, id);
    return `a courier dropped ${a.orderId} off${cmd.type === 'open' ? ` in ${cmd.compartment}` : ''}`;
  }
  if (a.kind === 'load-expiring') {
    const announced = await staff.call('POST', '/api/v1/lockers/orders', { orderId: a.orderId, pickupHours: a.pickupHours });
    if (announced.status !== 200) throw new Error(`announce ${a.orderId}: HTTP ${announced.status}`);
    const res = await staff.loadParcel(a.orderId, 'S');
    if (res.status !== 201) throw new Error(`load ${a.orderId}: HTTP ${res.status} ${res.body.message ?? ''}`);
    ctx.parcelIds.set(a.orderId, res.body.parcelId);
    const cmd = await sim.nextCommand((c) => c.type === 'open' && c.compartment === res.body.compartmentId, CMD_MS);
    if (cmd.type === 'open') await sim.close(cmd.compartment, true);
    return `loaded ${a.orderId} into ${res.body.compartmentId} (pickup window ${(a.pickupHours * 3600).toFixed(0)} s real)`;
  }
  if (a.kind === 'reclaim-expired') {
    const listed = async () =>
      (await staff.call<{ parcels: Array<{ parcelId: string; orderId: string; compartmentId: string }> }>('GET', '/api/v1/lockers/reclaim')).body.parcels?.find(
        (p) => p.orderId === a.orderId,
      );
    let p = await listed();
    for (let i = 0; i < 600 && !p; i++) {
      await new Promise((r) => setTimeout(r, 100));
      p = await listed();
    }
    if (!p) throw new Error(`${a.orderId} never showed on the to-reclaim list`);
    const res = await staff.call('POST', `/api/v1/lockers/parcels/${encodeURIComponent(p.parcelId)}/reclaim`);
    if (res.status !== 200) throw new Error(`reclaim ${a.orderId}: HTTP ${res.status}`);
    const cmd = await sim.nextCommand((c) => c.type === 'open' && c.compartment === p.compartmentId, CMD_MS);
    if (cmd.type === 'open') await sim.close(cmd.compartment, false);
    return `staff reclaimed the expired ${a.orderId} from ${p.compartmentId}`;
  }
  const qr = signReturnQr(
    {
      rid: a.returnId,
      oid: a.orderId,
      item: a.item,
      cat: a.category,
      reason: a.reason,
      size: a.size,
      val: a.value,
      sid: a.shopper,
      exp: Math.floor(Date.now() / 1000) + 3600,
    },
    { hmacKey: SCENARIO_KEYS.returnHmacKey },
  );
  await sim.scanQr(qr);
  const said = await sim.nextCommand((c) => c.type === 'display' && c.returnId === a.returnId, CMD_MS);
  if (said.type !== 'display' || !said.message.startsWith('Keep it')) throw new Error(`keep-it ${a.returnId}: the locker said ${JSON.stringify(said)}`);
  return `return ${a.returnId}: the shopper keeps the ${a.item}`;
}

/**
 * Closing time (the demo plays one store day after another on the same gateway): staff take uncollected parcels
 * back out and collect dropped returns for the returns desk, and the technician frees a jammed door. Each goes
 * through the staff API and a real door cycle on the controller, so the bank starts the next day empty.
 */
export async function closeTheDay(ctx: { sim: LockerSim; staff: StaffClient }) {
  for (const c of (await ctx.staff.lockers()).body.compartments as Array<{ id: string; fault: string | null }>)
    if (c.fault === 'jammed') await ctx.sim.close(c.id, false);
  return `closing time: ${await emptyCompartments(ctx, ['awaiting_pickup', 'expired', 'returned'])} compartment(s) emptied`;
}

/** Staff open compartments in these states through the staff API (reclaim a parcel, collect returns) and close them empty. */
async function emptyCompartments(ctx: { sim: LockerSim; staff: StaffClient }, states: string[]) {
  const { sim, staff } = ctx;
  let emptied = 0;
  for (const c of (await staff.lockers()).body.compartments as Array<{ id: string; state: string; parcel: { id: string } | null }>) {
    if (!states.includes(c.state)) continue;
    const res = c.parcel ? await staff.call('POST', `/api/v1/lockers/parcels/${encodeURIComponent(c.parcel.id)}/reclaim`) : await staff.openCompartment(c.id);
    if (res.status >= 300) continue;
    const cmd = await sim.nextCommand((x) => x.type === 'open' && x.compartment === c.id, CMD_MS).catch(() => null);
    if (cmd) {
      await sim.close(c.id, false);
      emptied++;
    }
  }
  return emptied;
}

/**
 * The controller loses power (the connection drops without a goodbye) and comes back: its first report says so, the
 * gateway raises the power-loss alert, and staff acknowledge it once the bank works again.
 */
async function powerLoss(phase: 'cut' | 'back', ctx: { sim: LockerSim; staff: StaffClient; cloud: CloudReceiver }) {
  if (phase === 'cut') {
    ctx.sim.powerCut();
    return 'the locker controller lost power';
  }
  await ctx.sim.connect();
  const key = `locker-controller:${SCENARIO_BANK.controllerId}:power_loss`;
  const listed = async () => (await ctx.staff.lockers()).body.alerts?.some((x) => x.key === key);
  for (let i = 0; i < 100 && !(await listed()); i++) await new Promise((r) => setTimeout(r, 100));
  const res = await ctx.staff.call('POST', `/api/v1/lockers/alerts/${encodeURIComponent(key)}/resolve`);
  if (res.status !== 200) throw new Error(`resolve ${key}: HTTP ${res.status}`);
  return 'the locker controller is back; staff acknowledged the power loss';
}
