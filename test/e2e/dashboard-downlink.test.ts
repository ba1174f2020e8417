import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { ADMIN_TOKEN } from '../helpers/gateway.ts';
import { downlinkRig } from '../gateway/services/downlink/helpers.ts';

describe.skipIf(!hasChromium)('dashboard stock & downlink panel in headless Chromium', () => {
  it('shows each stream position and the stock age, and marks the stock stale once the feed has been away past staleAfterSeconds', async () => {
    const rig = await downlinkRig();
    const browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${rig.gw.ports.http}/`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector('#live:text("live")');
    await page.waitForSelector('#stockAge[data-stale="false"]');
    expect(await page.textContent('#downlink')).toContain('No message from the cloud yet');

    await rig.cloud.stock([{ sku: 'SG-0001', size: 'S', reason: 'sale', quantity: 1 }]);
    await rig.cloud.stock([{ sku: 'SG-0001', size: 'M', reason: 'sale', quantity: 1 }]);
    await rig.cloud.catalog({ patch: [{ sku: 'SG-0002', price: { amount: 9.9, currency: 'EUR' } }] });
    await rig.pull();
    const row = (stream: string) => `#downlinkStreams tr[data-stream="${stream}"]`;
    await page.waitForSelector(row('stock'), { timeout: 15_000 });
    expect((await page.textContent(`${row('stock')} td:nth-child(2)`))?.trim()).toBe('2');
    expect((await page.textContent(`${row('catalog')} td:nth-child(2)`))?.trim()).toBe('1');
    expect(await page.textContent('#stockAge')).toMatch(/^Stock as of .+ \(\d+ s ago\)$/);
    expect(await page.getAttribute('#stockAge', 'data-stale')).toBe('false');

    // a gap: #3 is numbered but never sent, #4 arrives and is held
    rig.cloud.make('stock', 'stock.changed', { changes: [{ sku: 'SG-0001', size: 'L', reason: 'sale', quantity: 1 }] }).signed;
    const four = rig.cloud.make('stock', 'stock.changed', { changes: [{ sku: 'SG-0001', size: 'L', reason: 'sale', quantity: 1 }] }).signed;
    rig.setFeed([four]);
    await rig.pull();
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes('1 ahead of a gap'), `${row('stock')} td:nth-child(3)`, {
      timeout: 15_000,
    });

    // the feed goes away for 11 minutes (staleAfterSeconds 600)
    await rig.server.close();
    for (let i = 0; i < 66; i++) rig.clock.advance(10_000);
    await page.waitForSelector('#stockAge[data-stale="true"]', { timeout: 15_000 });
    expect(await page.textContent('#stockAge')).toContain('stale: the mirrors say “stock as of …”');
    expect(await page.textContent('#stockAge')).toMatch(/\((1[12]) min ago\)/);
    expect(await page.getAttribute('#stockAge', 'class')).toBe('stale');
    expect(await page.textContent('#downlink')).toContain('feed failing');
    expect(errors).toEqual([]);
  }, 60_000);
});
