import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { ADMIN_TOKEN, startGateway } from '../helpers/gateway.ts';

describe.skipIf(!hasChromium)('staff accounts on the store IT dashboard in headless Chromium', () => {
  it('adds a person with a role and shows the PIN once; the person logs in with it; store IT disables them', async () => {
    const gw = await startGateway();
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`http://127.0.0.1:${gw.ports.http}/#token=${encodeURIComponent(ADMIN_TOKEN)}`);
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForSelector('#staff >> text=No staff accounts yet.');

    await page.fill('#staffNewLogin', 'emre');
    await page.fill('#staffNewName', 'Emre Y');
    await page.selectOption('#staffNewRole', 'fulfilment');
    await page.click('#staffForm button[type=submit]');
    await page.waitForSelector('#pinBox:not([hidden])');
    const pin = (await page.textContent('#pin')) ?? '';
    expect(pin).toMatch(/^\d{6}$/);
    await page.waitForSelector('#staff tr[data-login="emre"]');
    expect(await page.textContent('#staff tr[data-login="emre"]')).toMatch(/emre\s*Emre Y\s*fulfilment\s*enabled/);
    await page.click('#pinDone');
    expect(await page.textContent('#pin')).toBe('');

    const login = () =>
      fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/staff/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: 'emre', secret: pin }),
      });
    expect((await login()).status).toBe(200);
    await page.click('#staff tr[data-login="emre"] button[data-act="disable"]');
    await page.waitForFunction(() => document.querySelector('#staff tr[data-login="emre"]')?.textContent?.includes('disabled'));
    expect((await login()).status).toBe(401);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
