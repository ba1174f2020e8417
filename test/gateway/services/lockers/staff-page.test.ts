import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../../../helpers/chromium.ts';
import { nextEvent, STAFF_TOKEN } from '../../../helpers/gateway.ts';
import { isOpen, lockerRig } from './helpers.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', '..', 'test-artifacts');

describe.skipIf(!hasChromium)('staff lockers page in headless Chromium', () => {
  it('staff logs in, loads an order, sees which compartment opened and then that it is loaded', async () => {
    const { gw, sim } = await lockerRig();
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(`http://127.0.0.1:${gw.ports.http}/staff/lockers`);

    await page.fill('#token', 'wrong-token');
    await page.click('#loginForm button');
    await page.waitForFunction(() => document.querySelector('#loginError')?.textContent?.includes('refused'));
    await page.fill('#token', STAFF_TOKEN);
    await page.click('#loginForm button');
    await page.waitForSelector('#app:not([hidden])');
    expect(await page.locator('.c').count()).toBe(5);

    await page.fill('#orderId', 'order-web-1');
    await page.selectOption('#size', 'M');
    await page.click('#loadForm button');
    await page.waitForFunction(() => document.querySelector('#result')?.textContent?.includes('Compartment A3 is open'));
    await sim.nextCommand(isOpen('A3'));
    const loaded = nextEvent(gw, 'locker.parcel.loaded');
    await sim.close('A3', true);
    await loaded;
    await page.waitForFunction(() => document.querySelector('#result')?.textContent?.includes('loaded in A3'), undefined, { timeout: 10_000 });
    expect(await page.locator('.c[data-id="A3"]').textContent()).toContain('order-web-1');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'staff-lockers.png'), fullPage: true });
    // the token survives a reload (localStorage) and the cookie lets plain GETs through
    await page.reload();
    await page.waitForSelector('#app:not([hidden])');
    const cookieRes = await page.evaluate(async () => (await fetch('/api/v1/lockers')).status);
    expect(cookieRes).toBe(200);
  });
});
