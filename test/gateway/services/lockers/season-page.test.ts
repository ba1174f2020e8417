import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../../../helpers/chromium.ts';
import { signReturnQr } from '../../../../devices/locker/return-qr.ts';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { nextEvent, STAFF_TOKEN } from '../../../helpers/gateway.ts';
import { isOpen, loadOrder, lockerRig, RETURN_KEY, staff } from './helpers.ts';

describe.skipIf(!hasChromium)('staff lockers page: cancel a load, look up an order, reclaim expired parcels, returns at the desk', () => {
  // several page refreshes (every 5 s) in one walk through: more than the default 30 s on a busy box
  it('does each from the page in headless Chromium', { timeout: 90_000 }, async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({
      clock,
      overrides: {
        'lockers.pickupHours': 1,
        'lockers.returns': {
          hmacKey: RETURN_KEY,
          keepIt: { categories: ['home'], maxValue: 5000, maxPerShopper: 3, windowDays: 30 },
          incentives: { offers: { swap10: 'Swap it: 10% off' }, rules: [{ id: 'size-swap', when: { reasons: ['wrong_size'] }, offer: 'swap10' }] },
        },
      },
    });
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(`http://127.0.0.1:${gw.ports.http}/staff/lockers#token=${STAFF_TOKEN}`);
    await page.waitForSelector('#app:not([hidden])');

    // a scanned order: the lookup proposes the size from the announced parcel
    await staff(gw, 'POST', '/api/v1/lockers/orders', { orderId: 'order-big', parcels: 2, dims: { w: 350, h: 300, d: 600 } });
    await page.fill('#orderId', 'order-big');
    await page.dispatchEvent('#orderId', 'change');
    await page.waitForFunction(() => document.querySelector('#lookup')?.textContent?.includes('size L proposed'));
    expect(await page.inputValue('#size')).toBe('L');
    await page.fill('#orderId', 'order-unknown');
    await page.dispatchEvent('#orderId', 'change');
    await page.waitForFunction(() => document.querySelector('#lookup')?.textContent?.includes('Not an order expected here'));

    // a load whose door never opened: staff cancel it from the grid
    sim.ignoreNextOpen('A2', 2);
    const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-stuck', size: 'S' });
    await sim.nextCommand(isOpen('A2'));
    await page.waitForSelector('.c[data-id="A2"] button[data-cancel]', { timeout: 15_000 });
    const failed = nextEvent(gw, 'locker.parcel.load_failed');
    await page.click('.c[data-id="A2"] button[data-cancel]');
    expect((await failed).data).toMatchObject({ parcelId: res.body.parcelId, reason: 'cancelled by staff' });
    await page.waitForFunction(() => document.querySelector('#result')?.textContent?.includes('Load cancelled'));

    // an expired parcel is on the "to reclaim" list; Reclaim opens its door
    const { parcelId, compartmentId } = await loadOrder(gw, sim, 'order-old');
    const expired = nextEvent(gw, 'locker.parcel.expired');
    clock.advance(3_600_000 + 1000);
    await expired;
    await page.waitForSelector(`#reclaim li[data-parcel="${parcelId}"]`, { timeout: 15_000 });
    const reclaimed = nextEvent(gw, 'locker.parcel.reclaimed');
    await page.click(`#reclaim button[data-reclaim="${parcelId}"]`);
    await sim.nextCommand(isOpen(compartmentId));
    await sim.close(compartmentId, false);
    await reclaimed;
    await page.waitForFunction(() => document.querySelector('#reclaim')?.textContent?.includes('nothing to reclaim'), undefined, { timeout: 15_000 });

    // the service desk: a keep-it return, then a return taken back with an offer the shopper accepts
    const qr = (rid: string, over: Record<string, unknown>) =>
      signReturnQr(
        { rid, oid: 'web-9', item: 'sku-lamp', reason: 'damaged', cat: 'home', val: 2000, sid: 'sh-1', exp: Math.floor(clock.now() / 1000) + 600, ...over },
        { hmacKey: RETURN_KEY },
      );
    await page.fill('#deskQr', qr('ret-d1', {}));
    await page.click('#deskForm button');
    await page.waitForFunction(() => document.querySelector('#deskDecision')?.textContent?.startsWith('Keep it'));
    const accepted = nextEvent(gw, 'locker.incentive.accepted');
    await page.fill('#deskQr', qr('ret-d2', { reason: 'wrong_size', cat: 'tops' }));
    await page.click('#deskForm button');
    await page.waitForFunction(() => document.querySelector('#deskOffer')?.textContent?.includes('Swap it: 10% off'));
    expect(await page.textContent('#deskDecision')).toContain('Take the item back');
    await page.click('#deskOffer button[data-answer="accept"]');
    expect((await accepted).data).toMatchObject({ returnId: 'ret-d2', offer: 'swap10', rule: 'size-swap' });
    await page.waitForFunction(() => document.querySelector('#deskOffer')?.textContent?.includes('Offer accepted'));
  });
});
