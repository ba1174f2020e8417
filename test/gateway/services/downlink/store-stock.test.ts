import { describe, expect, it } from 'vitest';
import { signReturnQr } from '../../../../devices/locker/return-qr.ts';
import type { DomainEvent } from '../../../../gateway/bus/events.ts';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { metricValue, nextEvent, STAFF_TOKEN, type TestGateway, until } from '../../../helpers/gateway.ts';
import { fittingRig, staffCall } from '../fitting/helpers.ts';
import { lockerRig, RETURN_KEY } from '../lockers/helpers.ts';

const stockOf = async (gw: TestGateway, sku: string) => {
  const r = await fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/catalog/products/${sku}`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
  const body = (await r.json()) as { sizes: Array<{ size: string; stock: number }> };
  return Object.fromEntries(body.sizes.map((s) => [s.size, s.stock]));
};
const storeEvents = (gw: TestGateway, type: string, outcome: string) => metricValue(gw, 'storegate_stock_store_events_total', { type, outcome });
/** the same event (same id) handed over again, as a retried emit would */
const emitAgain = (gw: TestGateway, e: DomainEvent) => gw.work.run(async (w) => w.emit(e));

describe("the store's own events feed stock (the downlink's stock path), once per event id", () => {
  it('a return the locker took back puts the item back in stock; a damaged one and an item not in the catalog do not', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock });
    // SG-0002: M 5 in the seed file
    const drop = async (rid: string, item: string, reason: string) => {
      const dropped = nextEvent(gw, 'locker.return.dropped', (e) => (e.data as { returnId: string }).returnId === rid);
      await sim.scanQr(signReturnQr({ rid, oid: `o-${rid}`, item, reason, size: 'M', exp: Math.floor(clock.now() / 1000) + 3600 }, { hmacKey: RETURN_KEY }));
      const opened = (await sim.nextCommand((c) => c.type === 'open')) as { compartment: string };
      await sim.close(opened.compartment, true);
      return dropped;
    };
    const first = await drop('ret-1', 'SG-0002/M', 'wrong_size');
    await until(async () => (await stockOf(gw, 'SG-0002')).M === 6, 5000, 'the return in stock');
    await drop('ret-2', 'SG-0002/M', 'damaged');
    await drop('ret-3', 'sku-rug-160', 'wrong_size');
    await until(async () => (await storeEvents(gw, 'locker.return.dropped', 'unknown_item')) === 1, 5000, 'the unknown item counted');
    expect(await storeEvents(gw, 'locker.return.dropped', 'damaged')).toBe(1);
    expect(await storeEvents(gw, 'locker.return.dropped', 'applied')).toBe(1);

    await emitAgain(gw, first as DomainEvent);
    await until(async () => (await storeEvents(gw, 'locker.return.dropped', 'duplicate')) === 1, 5000, 'the duplicate');
    expect((await stockOf(gw, 'SG-0002')).M).toBe(6);
  });

  it('a size staff brought to a fitting room leaves the floor stock, and goes back when the shopper leaves', async () => {
    const { gw, mirror } = await fittingRig();
    // SG-0001: S 1 in the seed file
    await mirror.presence(true);
    await mirror.nextCommand('session', (c) => c.status === 'open');
    await mirror.interact({ type: 'size_request', productId: 'SG-0001', size: 'S' });
    const open = await mirror.nextCommand('size_request', (c) => c.status === 'open');
    expect((await staffCall(gw, 'POST', `/api/v1/fitting/size-requests/${open.id}/claim`)).status).toBe(200);
    const brought = nextEvent(gw, 'fitting.size_request.updated', (e) => (e.data as { status: string }).status === 'done');
    expect((await staffCall(gw, 'POST', `/api/v1/fitting/size-requests/${open.id}/done`)).status).toBe(200);
    await until(async () => (await stockOf(gw, 'SG-0001')).S === 0, 5000, 'S off the floor');
    // the same "brought" again changes nothing
    await emitAgain(gw, (await brought) as DomainEvent);
    await until(async () => (await storeEvents(gw, 'fitting.size_request.updated', 'duplicate')) === 1, 5000, 'the duplicate');
    expect((await stockOf(gw, 'SG-0001')).S).toBe(0);
    // another shopper asking for S now is offered "order online"
    await mirror.interact({ type: 'size_request', productId: 'SG-0001', size: 'S' });
    expect(await mirror.nextCommand('order_online')).toMatchObject({ offer: { sku: 'SG-0001', size: 'S' } });

    await mirror.presence(false);
    await until(async () => (await stockOf(gw, 'SG-0001')).S === 1, 5000, 'S back on the floor');
    expect(await storeEvents(gw, 'fitting.session.closed', 'applied')).toBe(1);
  });
});
