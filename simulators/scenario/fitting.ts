import { cameraJpeg } from '../../models/camera-frames.ts';
import type { RfidReaderSim } from '../rfid-reader.ts';
import type { MirrorSim } from '../smart-mirror.ts';
import { carryTaggedItem, type TagOutcome } from './fitting-tags.ts';
import type { StaffClient } from '../staff.ts';
import { SIZE_REQUEST_ALERT_SECONDS } from './gateway-config.ts';
import type { FittingVisit } from './plan.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const CMD_MS = 10_000;

/**
 * Staff bring a size the way they do on the floor: they see the request in the queue (staff API), claim it,
 * walk, and mark it brought. `late`: they are busy for longer than the alert limit first.
 */
async function bringSize(staff: StaffClient, mirror: MirrorSim, mirrorId: string, sku: string, size: string, late: boolean) {
  const deadline = Date.now() + CMD_MS;
  let id: string | undefined;
  while (!id && Date.now() < deadline) {
    const { body } = await staff.sizeRequests('open');
    id = body.requests?.find((r) => r.mirrorId === mirrorId && r.productId === sku && r.size === size)?.id;
    if (!id) await pause(100);
  }
  if (!id) throw new Error(`size request ${sku} ${size} never reached the staff queue`);
  await pause(late ? (SIZE_REQUEST_ALERT_SECONDS + 3) * 1000 : 300);
  const claimed = await staff.claimSizeRequest(id);
  if (claimed.status !== 200) throw new Error(`claim ${id}: HTTP ${claimed.status}`);
  await mirror.nextCommand('size_request', (c) => c.id === id && c.status === 'claimed', CMD_MS);
  await pause(300);
  const done = await staff.sizeRequestDone(id);
  if (done.status !== 200) throw new Error(`done ${id}: HTTP ${done.status}`);
  await mirror.nextCommand('size_request', (c) => c.id === id && c.status === 'done', CMD_MS);
}

/**
 * Plays one shopper at the fitting-room mirror: steps in, holds items up (real camera-like JPEGs of Fashion-MNIST
 * test images), picks on the screen when the mirror is unsure, then asks for a size, orders online (after the
 * mirror says the size is not in store, when it is not), or taps a suggestion; steps out at `leaveAt`.
 */
export async function playFittingVisit(
  f: FittingVisit,
  ctx: {
    mirror: MirrorSim;
    staff: StaffClient;
    images: Uint8Array[];
    realAt: (storeMs: number) => number;
    sleep: (ms: number) => Promise<void>;
    /** the gateway's id for the shopper's online order (the parcel later arrives at the lockers under it) */
    onOrder?: (shopper: string, orderId: string) => void;
    /** the cloud's downlink: the till sells the last of a size (once a day) */
    sellOut?: (sku: string, size: string) => Promise<void>;
    onSoldOut?: (seen: boolean) => void;
    /** the fitting room's RFID reader: before leaving, the shopper carries one tagged item in and out again */
    reader?: RfidReaderSim;
    onTag?: (t: TagOutcome) => void;
  },
): Promise<string> {
  const { mirror, staff } = ctx;
  await ctx.sleep(ctx.realAt(f.at) - Date.now());
  await mirror.presence(true);
  await mirror.nextCommand('session', (c) => c.status === 'open', CMD_MS);
  type Recognised = Awaited<ReturnType<typeof mirror.nextCommand<'recognised'>>>;
  let last: Recognised | undefined;
  const tried = new Set<string>();
  for (const [k, index] of f.frames.entries()) {
    const image = ctx.images[index];
    if (!image) throw new Error(`no test image ${index}`);
    await mirror.sendFrame(await cameraJpeg(image, index + 1));
    if (f.pick && k === 0) {
      const ask = await mirror.nextCommand('ask_pick', () => true, CMD_MS);
      const choice = ask.options[0]?.products[0];
      if (!choice) throw new Error('the mirror asked to pick but offered no product');
      await mirror.interact({ type: 'pick', productId: choice.sku });
      last = await mirror.nextCommand('recognised', (c) => c.via === 'pick' && c.item?.sku === choice.sku, CMD_MS);
    } else last = await mirror.nextCommand('recognised', (c) => c.via === 'model', CMD_MS);
    if (last.item) tried.add(last.item.sku);
  }
  const item = last?.item;
  if (!item) throw new Error(`frame ${f.frames.join(',')}: recognised nothing in the catalog`);

  let what = `${f.shopper} tried ${f.frames.length} item(s)`;
  if (f.then === 'size_request' || f.then === 'late_size_request') {
    const size = item.sizes.find((s) => s.inStock)?.size;
    if (!size) throw new Error(`${item.sku} has no size in stock`);
    await mirror.interact({ type: 'size_request', productId: item.sku, size });
    await mirror.nextCommand('size_request', (c) => c.productId === item.sku && c.status === 'open', CMD_MS);
    await bringSize(staff, mirror, f.mirrorId, item.sku, size, f.then === 'late_size_request');
    what += `, asked for ${item.sku} in ${size}${f.then === 'late_size_request' ? ' (staff late)' : ''}`;
    if (ctx.sellOut && ctx.onSoldOut) {
      // meanwhile the till sold the last one in that size: the cloud says so, and the mirror stops offering it
      await ctx.sellOut(item.sku, size);
      const deadline = Date.now() + CMD_MS;
      let gone = false;
      while (!gone && Date.now() < deadline) {
        await pause(300);
        await mirror.interact({ type: 'pick', productId: item.sku });
        const again = await mirror.nextCommand('recognised', (c) => c.via === 'pick' && c.item?.sku === item.sku, CMD_MS);
        gone = again.item?.sizes.find((s) => s.size === size)?.inStock === false;
      }
      ctx.onSoldOut(gone);
      ctx.sellOut = undefined;
      what += gone ? `; a sale sold out ${size}: the mirror no longer offers it` : `; ${size} sold out but the mirror still offers it`;
    }
  } else if (f.then === 'order_home' || f.then === 'order_locker') {
    const delivery = f.then === 'order_home' ? 'home' : 'locker';
    const missing = item.sizes.find((s) => !s.inStock)?.size;
    const size = missing ?? (item.sizes[0]?.size as string);
    if (missing) {
      // the size is not in store: the mirror offers to order it online
      await mirror.interact({ type: 'size_request', productId: item.sku, size });
      const offer = await mirror.nextCommand('order_online', () => true, CMD_MS);
      if (!offer.offer.delivery.includes(delivery)) throw new Error(`no ${delivery} delivery offered for ${item.sku} ${size}`);
    }
    await mirror.interact({ type: 'order', productId: item.sku, size, delivery });
    const order = await mirror.nextCommand('order', (c) => c.productId === item.sku && c.delivery === delivery, CMD_MS);
    ctx.onOrder?.(f.shopper, order.id);
    what += `, ordered ${item.sku} ${size} for ${delivery} delivery`;
  } else {
    // a suggestion for something not tried yet (tapping one shows it, and it counts as tried)
    const tap = [...(last?.suggestions.goesWith ?? []), ...(last?.suggestions.similar ?? [])].find((x) => !tried.has(x.sku));
    if (!tap) throw new Error(`no new suggestion to tap for ${item.sku}`);
    await mirror.interact({ type: 'tap', productId: tap.sku });
    await mirror.nextCommand('recognised', (c) => c.item?.sku === tap.sku, CMD_MS);
    tried.add(tap.sku);
    what += `, tapped "${tap.reason}"`;
  }
  if (ctx.reader) {
    const t = await carryTaggedItem(mirror, ctx.reader, item.category, tried);
    ctx.onTag?.(t);
    what += `; carried in tagged ${t.sku} ${t.size} (camera ${t.camera}), out again`;
  }
  await ctx.sleep(ctx.realAt(f.leaveAt) - Date.now());
  await mirror.presence(false);
  await mirror.nextCommand('session', (c) => c.status === 'closed', CMD_MS);
  return what;
}
