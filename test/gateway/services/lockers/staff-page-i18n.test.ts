import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../../../helpers/chromium.ts';
import { STAFF_TOKEN } from '../../../helpers/gateway.ts';
import { lockerRig } from './helpers.ts';

describe.skipIf(!hasChromium)('the lockers staff page in German and English', () => {
  it("starts in the store's language (German), renders what its script writes in German too, and switches to English", async () => {
    const { gw } = await lockerRig({ overrides: { language: 'de' } });
    const browser = await launchChromium();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`http://127.0.0.1:${gw.ports.http}/staff/lockers#token=${STAFF_TOKEN}`);
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForSelector('#grid [data-id="A2"]');
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.textContent('#loadForm button')).toBe('Fach öffnen');
    expect(await page.textContent('#grid [data-id="A2"]')).toMatch(/A2 S\s*frei\s*Tür zu/);
    expect(await page.textContent('#grid [data-id="A2"] button[data-oos]')).toBe('Außer Betrieb');
    expect(await page.textContent('#expected')).toContain('Keine Online-Bestellungen erwartet.');
    expect(await page.textContent('#reclaim')).toContain('nichts zurückzunehmen');

    await page.click('[data-lang="en"]');
    await page.waitForURL(/lang=en/);
    await page.waitForSelector('#grid [data-id="A2"]');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('#loadForm button')).toBe('Open a compartment');
    expect(await page.textContent('#grid [data-id="A2"]')).toMatch(/A2 S\s*free\s*door closed/);
    expect(await page.textContent('#expected')).toContain('No online orders expected.');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
