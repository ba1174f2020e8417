import { describe, expect, it, onTestFinished } from 'vitest';
import { connectDevice } from '../../simulators/device-client.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { ADMIN_TOKEN, addDevice, startGateway } from '../helpers/gateway.ts';

// fast checks, no grouping delay (each device gets its own alert at once); no disk alert whatever the CI disk says
const FAST_HEALTH = { 'health.checkIntervalSeconds': 0.2, 'health.groupWindowSeconds': 0, 'health.offlineAfterSeconds': 30, 'health.diskFreeMinPercent': 0 };

describe.skipIf(!hasChromium)('alerts store IT acts on, in headless Chromium', () => {
  it('a person logs in with their PIN, acknowledges a real offline alert with a note (shown with their name), mutes the group, and the next alert in it does not notify', async () => {
    const gw = await startGateway({ overrides: FAST_HEALTH });
    const base = `http://127.0.0.1:${gw.ports.http}`;
    const added = await fetch(`${base}/api/v1/staff`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'dana', name: 'Dana K', role: 'admin' }),
    });
    const { pin } = (await added.json()) as { pin: string };
    const url = `mqtt://127.0.0.1:${gw.ports.mqtt}`;
    const scanners: Array<Awaited<ReturnType<typeof connectDevice>>> = [];
    for (const id of ['sc-01', 'sc-02']) {
      const identity = { storeId: gw.config.storeId, kind: 'scanner', id, secret: await addDevice(gw, id, 'scanner', 'entrance') };
      const dev = await connectDevice(identity, { url });
      onTestFinished(() => dev.close());
      scanners.push(dev);
    }
    // dropped off the network for good: no clean disconnect (the broker publishes the last will) and no reconnect
    const drop = (dev: Awaited<ReturnType<typeof connectDevice>> | undefined) => {
      if (!dev) return;
      dev.client.options.reconnectPeriod = 0;
      dev.client.stream.destroy();
    };
    const raised: Array<{ key: string; muted?: boolean }> = [];
    gw.bus.on('test', 'alert.raised', (e) => void raised.push(e.data));

    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/`);
    await page.fill('#personLogin', 'dana');
    await page.fill('#personPin', '000000');
    await page.click('#personForm button');
    await page.waitForFunction(() => document.querySelector('#loginError')?.textContent?.includes('not right'));
    await page.fill('#personLogin', 'dana');
    await page.fill('#personPin', pin);
    await page.click('#personForm button');
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForSelector('#who:text("Dana K")');
    await page.waitForSelector('#live:text("live")');
    // no token anywhere in the page: the session is the HttpOnly cookie
    expect(await page.evaluate(() => [localStorage.getItem('sg_token'), document.cookie])).toEqual([null, '']);

    // a real cause: sc-01 drops off the network, the broker publishes its last will, health raises the alert
    drop(scanners[0]);
    const alert = page.locator('#alerts li[data-key="device:sc-01:offline"]');
    await alert.waitFor({ timeout: 10_000 });
    await page.waitForSelector('#alertBadge:text("1")');
    expect(await page.textContent('li[data-group="scanner@entrance"] summary')).toContain('1 scanner offline in zone entrance');

    await alert.locator('input[name="note"]').fill('unplugged by the cleaners, plugging back in');
    await alert.locator('button[type="submit"]').click();
    await alert.locator('.ack').waitFor();
    expect(await alert.locator('.ack').textContent()).toMatch(/acknowledged by Dana K \(staff:dana, [^)]+\): unplugged by the cleaners, plugging back in/);
    await page.waitForFunction(() => document.querySelector('#alertBadge')?.textContent === '');
    const row = await gw.db.get<{ acked_by: string; acked_name: string; ack_note: string; resolved_at: number | null }>(
      "SELECT acked_by, acked_name, ack_note, resolved_at FROM health_alerts WHERE key = 'device:sc-01:offline'",
    );
    expect(row).toEqual({ acked_by: 'staff:dana', acked_name: 'Dana K', ack_note: 'unplugged by the cleaners, plugging back in', resolved_at: null });

    // mute the whole group (scanners in zone entrance) for 15 minutes
    await page.selectOption('#muteMinutes', '15');
    await page.click('li[data-group="scanner@entrance"] button[data-mute-kind]');
    await page.waitForSelector('#mutes li:has-text("scanner devices in zone entrance")');
    expect(await page.textContent('#mutes li')).toContain('by Dana K');
    const notifiedBefore = await page.evaluate(() => document.title);

    // the next scanner in that group goes silent: recorded and listed as muted, no badge, cloud event marked muted
    drop(scanners[1]);
    const second = page.locator('#alerts li[data-key="device:sc-02:offline"]');
    await second.waitFor({ timeout: 10_000 });
    expect(await second.getAttribute('class')).toContain('is-muted');
    expect(await second.textContent()).toMatch(/muted until/);
    await page.waitForFunction(() => document.querySelector('li[data-group="scanner@entrance"] summary')?.textContent?.includes('2 scanners offline'));
    expect(await page.textContent('#alertBadge')).toBe('');
    expect(await page.textContent('#ovAlerts')).toBe('0');
    expect(await page.evaluate(() => document.title)).toBe(notifiedBefore);
    expect(raised.filter((a) => a.key.startsWith('device:sc-')).map((a) => [a.key, a.muted ?? false])).toEqual([
      ['device:sc-01:offline', false],
      ['device:sc-02:offline', true],
    ]);
    expect(pageErrors).toEqual([]);
    expect(gw.logs.lines.filter((l) => l.includes(pin))).toEqual([]);
  }, 90_000);
});
