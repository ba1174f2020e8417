import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { connectDevice } from '../../simulators/device-client.ts';
import { ADMIN_TOKEN } from '../helpers/gateway.ts';
import { isOpen, lockerRig, mqttUrl } from '../gateway/services/lockers/helpers.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

// fast checks, no grouping delay; no disk alert whatever the CI disk looks like
const FAST_HEALTH = { 'health.checkIntervalSeconds': 0.2, 'health.groupWindowSeconds': 0, 'health.offlineAfterSeconds': 30, 'health.diskFreeMinPercent': 0 };

describe.skipIf(!hasChromium)('store IT dashboard in headless Chromium', () => {
  it('logs in, shows a new device live, raises its offline alert when it drops and resolves it when it is back, and opens a locker door with an audit entry', async () => {
    const { gw, sim } = await lockerRig({ overrides: FAST_HEALTH });
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });

    await page.goto(`http://127.0.0.1:${gw.ports.http}/`);
    await page.fill('#token', 'wrong-token');
    await page.press('#token', 'Enter');
    await page.waitForFunction(() => document.querySelector('#loginError')?.textContent?.includes('refused'));
    await page.fill('#token', ADMIN_TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForSelector('#live:text("live")');
    await page.waitForSelector('[data-compartment="A2"]');
    // the fitting-rooms panel reads the fitting room's own API
    await page.waitForFunction(() => document.querySelector('#fitting')?.textContent?.includes('All fitting rooms free.'));
    expect(await page.textContent('#sizeRequests')).toContain('No open size requests.');

    // add a device from the dashboard: its secret is shown once
    await page.fill('#addId', 'sim-01');
    await page.fill('#addKind', 'scanner');
    await page.fill('#addZone', 'entrance');
    await page.click('#addForm button');
    await page.waitForSelector('#secretBox:not([hidden])');
    const secret = (await page.textContent('#secret')) ?? '';
    expect(secret.length).toBeGreaterThan(20);
    await page.click('#secretDone');
    expect(await page.textContent('#secret')).toBe('');

    // the simulated device connects: its row turns online with what it reports, without a reload
    const url = mqttUrl(gw);
    const identity = { storeId: gw.config.storeId, kind: 'scanner', id: 'sim-01', secret };
    const dev = await connectDevice(identity, { url, firmware: '2.4.1' });
    await dev.sendStatus({ batteryPct: 87, rssi: -61 });
    const row = page.locator('tr[data-device="sim-01"]');
    await row.locator('.state:text("online")').waitFor();
    await row.locator('td:text("2.4.1")').waitFor();
    await row.locator('td:text("87%")').waitFor();
    await shot('device-online');

    // it drops off the network (no clean disconnect): the broker publishes its last will
    dev.client.stream.destroy();
    const alert = page.locator('#alerts li[data-key="device:sim-01:offline"]');
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toContain('last will');
    await row.locator('.state:text("offline")').waitFor();
    expect(await page.textContent('#ovAlerts')).toBe('1');
    await shot('device-offline-alert');

    // it comes back: the alert resolves on its own
    dev.client.end(true);
    const again = await connectDevice(identity, { url, firmware: '2.4.1' });
    onTestFinished(() => again.close());
    await alert.waitFor({ state: 'detached', timeout: 10_000 });
    await row.locator('.state:text("online")').waitFor();
    await page.locator('#resolved li[data-resolved="device:sim-01:offline"]').waitFor({ state: 'attached' });

    // the message log of the device shows its decoded status messages
    await row.locator('button[data-log]').click();
    await page.locator('#log li:has-text("device.status")').first().waitFor();

    // open a locker door from the dashboard: the controller gets the command and the audit shows who
    const opened = sim.nextCommand(isOpen('A2'));
    await page.locator('[data-compartment="A2"] button[data-open]').click();
    await opened;
    await page.locator('#lockerAudit li:has-text("open:staff A2 by admin-token")').waitFor();
    await page.locator('#actionResult:text("Door A2 opened.")').waitFor();
    await shot('locker-opened');

    // keyboard: the nav links and the device actions are reachable with Tab
    await page.keyboard.press('Tab');
    const focusable = await page.evaluate(
      () => [...document.querySelectorAll('a[href], button, input')].filter((e) => !(e as HTMLElement).closest('[hidden]')).length,
    );
    expect(focusable).toBeGreaterThan(10);

    expect(await page.content()).not.toContain(ADMIN_TOKEN);
    expect(gw.logs.lines.join('\n')).not.toContain(ADMIN_TOKEN);
    expect(pageErrors).toEqual([]);
  });
});
