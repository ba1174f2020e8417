import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../../../helpers/chromium.ts';
import { ADMIN_TOKEN, until } from '../../../helpers/gateway.ts';
import { lockerRig } from './helpers.ts';

describe.skipIf(!hasChromium)('locker alerts on the lockers staff page', () => {
  it('a fulfilment person logged in with their PIN acknowledges a tamper alert the controller raised; the page then names them', async () => {
    const { gw, sim } = await lockerRig();
    const base = `http://127.0.0.1:${gw.ports.http}`;
    const added = await fetch(`${base}/api/v1/staff`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'emre', name: 'Emre Y', role: 'fulfilment' }),
    });
    const { pin } = (await added.json()) as { pin: string };
    const browser = await launchChromium();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/staff/lockers`);
    await page.fill('#staffLogin', 'emre');
    await page.fill('#staffPin', pin);
    await page.click('#personForm button');
    await page.waitForSelector('#app:not([hidden])');

    // a real cause: the controller reports tamper on A2 over MQTT
    await sim.fault('tamper', 'A2');
    const alert = page.locator('#alerts li[data-key="locker:A2:tamper"]');
    await alert.locator('button[data-ack]').waitFor({ timeout: 10_000 });
    await alert.locator('button[data-ack]').click();
    await alert.locator('.acked').waitFor({ timeout: 10_000 });
    expect(await alert.locator('.acked').textContent()).toContain('acknowledged by Emre Y');
    const row = await until(() =>
      gw.db.get<{ acked_by: string }>("SELECT acked_by FROM health_alerts WHERE key = 'locker:A2:tamper' AND acked_at IS NOT NULL"),
    );
    expect(row?.acked_by).toBe('staff:emre');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
