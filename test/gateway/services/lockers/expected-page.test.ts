import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../../../helpers/chromium.ts';
import type { EventMap } from '../../../../gateway/bus/events.ts';
import { nextEvent, STAFF_TOKEN, type TestGateway } from '../../../helpers/gateway.ts';
import { isOpen, lockerRig, staff } from './helpers.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', '..', 'test-artifacts');

/** a counter-side touch screen */
const touchPage = (browser: Browser) => browser.newPage({ viewport: { width: 1000, height: 900 }, hasTouch: true });

/** A locker-delivery order placed at the mirror, emitted on the bus as the fitting room does; resolves once lockers recorded it. */
async function orderIntent(gw: TestGateway, orderIntentId: string, sku = 'SG-0301', size = 'M') {
  const data: EventMap['order.intent.created'] = {
    orderIntentId,
    sessionId: `fs-${orderIntentId}`,
    shopperId: 'sh_0123456789abcdef0123',
    mirrorId: 'mirror-1',
    sku,
    size,
    delivery: 'locker',
    pickupStoreId: gw.config.storeId,
  };
  const created = nextEvent(gw, 'locker.expected.created', (e) => (e.data as { orderId: string }).orderId === orderIntentId);
  void gw.work.run(async (w) => w.emit(gw.bus.make('order.intent.created', 'storegate/store-1/mirror/mirror-1', data)));
  await created;
}

const expectedRow = (gw: TestGateway, orderId: string) =>
  gw.db.get<{ status: string; compartment_id: string | null }>('SELECT status, compartment_id FROM locker_expected_parcels WHERE order_id = ?', [orderId]);
const row = (orderId: string) => `#expected tr[data-order="${orderId}"]`;
const slow = { timeout: 10_000 };

describe.skipIf(!hasChromium)('expected online orders on the staff lockers page in headless Chromium', () => {
  it('lists locker orders from the mirror; Arrived reserves a compartment shown in the row and the grid; a full size is refused in words; Cancel removes one', async () => {
    const { gw, sim } = await lockerRig();
    await orderIntent(gw, 'oi-1', 'SG-0301', 'M');
    const browser = await launchChromium();
    const page = await touchPage(browser);
    await page.goto(`http://127.0.0.1:${gw.ports.http}/staff/lockers`);

    await page.fill('#token', 'wrong-token');
    await page.press('#token', 'Enter');
    await page.waitForFunction(() => document.querySelector('#loginError')?.textContent?.includes('refused'));
    expect(await page.isHidden('#app')).toBe(true);
    expect(await page.textContent('#expected')).toBe('');
    await page.fill('#token', STAFF_TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector(row('oi-1'));
    expect(await page.textContent(row('oi-1'))).toMatch(/oi-1\s*SG-0301\s*M\s*expected/);
    // the compartment size defaults to the bank's smallest class (the bank lists L, S, M, S, XL)
    expect(await page.locator(`${row('oi-1')} select option`).allTextContents()).toEqual(['S', 'M', 'L', 'XL']);
    expect(await page.inputValue(`${row('oi-1')} select`)).toBe('S');

    // orders placed while the page is open appear on its next refresh, without a reload
    await orderIntent(gw, 'oi-2', 'SG-0107', 'L');
    await orderIntent(gw, 'oi-3', 'SG-0204', 'S');
    await page.waitForSelector(row('oi-3'), slow);
    expect(await page.locator('#expected tr').count()).toBe(3);

    await page.tap(`${row('oi-1')} button[data-arrived]`);
    await page.waitForFunction(() => document.querySelector('#expectedResult')?.textContent?.includes('Order oi-1 arrived'));
    const reserved = (await expectedRow(gw, 'oi-1'))?.compartment_id;
    expect(['A2', 'A4']).toContain(reserved);
    expect(await page.textContent('#expectedResult')).toContain(`compartment ${reserved} (S) is reserved for it until`);
    await page.waitForFunction((id) => document.querySelector('#expected tr[data-order="oi-1"]')?.textContent?.includes(`${id} reserved until`), reserved);
    expect(await page.textContent(row('oi-1'))).toContain('arrived');
    expect(await page.locator(`${row('oi-1')} button[data-arrived]`).count()).toBe(0);
    const cell = page.locator(`.c[data-id="${reserved}"]`);
    expect(await cell.getAttribute('class')).toContain('reserved');
    expect(await cell.textContent()).toContain('for order oi-1');

    // the one XL compartment goes to oi-2; oi-3 asks for XL too and staff read why it cannot have one
    await page.selectOption(`${row('oi-2')} select`, 'XL');
    await page.tap(`${row('oi-2')} button[data-arrived]`);
    await page.waitForFunction(() => document.querySelector('#expected tr[data-order="oi-2"]')?.textContent?.includes('A5 reserved until'));
    await page.selectOption(`${row('oi-3')} select`, 'XL');
    await page.tap(`${row('oi-3')} button[data-arrived]`);
    await page.waitForFunction(() => document.querySelector('#expectedResult.err')?.textContent?.includes('no free compartment fits a size XL parcel'));
    expect(await page.textContent('#expectedResult')).toMatch(/^Could not reserve a compartment for order oi-3: /);
    expect((await expectedRow(gw, 'oi-3'))?.status).toBe('expected');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'staff-lockers-expected.png'), fullPage: true });

    // cancelling cannot be undone: the first tap only asks again
    await page.tap(`${row('oi-3')} button[data-cancel]`);
    expect(await page.textContent(`${row('oi-3')} button[data-cancel]`)).toBe('Tap again to cancel');
    expect((await expectedRow(gw, 'oi-3'))?.status).toBe('expected');
    await page.tap(`${row('oi-3')} button[data-cancel]`);
    await page.waitForSelector(row('oi-3'), { state: 'detached' });
    expect((await expectedRow(gw, 'oi-3'))?.status).toBe('cancelled');
    expect(await page.textContent('#expectedResult')).toBe('Order oi-3 cancelled.');

    // cancelling an arrived one frees its compartment
    await page.tap(`${row('oi-2')} button[data-cancel]`);
    await page.tap(`${row('oi-2')} button[data-cancel]`);
    await page.waitForSelector(row('oi-2'), { state: 'detached' });
    expect(await page.textContent('#expectedResult')).toBe('Order oi-2 cancelled; compartment A5 is free again.');
    expect(await page.getAttribute('.c[data-id="A5"]', 'class')).toContain('free');

    // loading oi-1 from the same page uses its reserved compartment; once loaded it leaves the list
    await page.fill('#orderId', 'oi-1');
    await page.tap('#loadForm button');
    await page.waitForFunction((id) => document.querySelector('#result')?.textContent?.includes(`Compartment ${id} is open`), reserved);
    await sim.nextCommand(isOpen(reserved as string));
    await sim.close(reserved as string, true);
    await page.waitForSelector(row('oi-1'), { state: 'detached', ...slow });
    expect((await expectedRow(gw, 'oi-1'))?.status).toBe('loaded');
    expect(await page.textContent('#expected')).toBe('No online orders expected.');
  });

  it('logs in from #token= in the URL and drops it from the address bar; a wrong one shows the login form; both staff pages share the login', async () => {
    const { gw } = await lockerRig();
    const base = `http://127.0.0.1:${gw.ports.http}`;
    const browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, hasTouch: true });

    const wrong = await context.newPage();
    await wrong.goto(`${base}/staff/lockers#token=not-the-token`);
    await wrong.waitForFunction(() => document.querySelector('#loginError')?.textContent?.includes('That token was refused.'));
    expect(await wrong.isVisible('#loginForm')).toBe(true);
    expect(wrong.url()).toBe(`${base}/staff/lockers`);
    expect(await wrong.evaluate(() => localStorage.getItem('sg_token'))).toBeNull();

    const page = await context.newPage();
    await page.goto(`${base}/staff/lockers#token=${encodeURIComponent(STAFF_TOKEN)}`);
    await page.waitForSelector('#app:not([hidden])');
    expect(page.url()).toBe(`${base}/staff/lockers`);
    expect(await page.evaluate(() => localStorage.getItem('sg_token'))).toBe(STAFF_TOKEN);
    expect(await page.evaluate(async () => (await fetch('/api/v1/lockers/expected')).status)).toBe(200);
    expect(await page.content()).not.toContain(STAFF_TOKEN);
    expect(await page.locator('.c').count()).toBe(5);

    // the fitting-room staff page is the same shell: already logged in
    const fitting = await context.newPage();
    await fitting.goto(`${base}/staff/fitting-rooms`);
    await fitting.waitForSelector('#app:not([hidden])');
    expect(await fitting.textContent('#requests')).toContain('No open size requests.');

    // log out: the token is gone from this browser, and the API refuses the page without it
    await page.tap('#logout');
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.evaluate(() => localStorage.getItem('sg_token'))).toBeNull();
    expect(await page.evaluate(async () => (await fetch('/api/v1/lockers/expected')).status)).toBe(401);
    await page.reload();
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.isHidden('#app')).toBe(true);
    expect((await staff(gw, 'GET', '/api/v1/lockers/expected', undefined, 'not-the-token')).status).toBe(401);
  });
});
