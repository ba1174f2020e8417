import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ADMIN_TOKEN, startGateway } from '../helpers/gateway.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`dashboard token-fragment test skipped: no Chromium at ${CHROMIUM}`);

describe.skipIf(!hasChromium)('the dashboard link the demo prints', () => {
  it('logs in from /#token= (never sent to the server), drops it from the address bar, and no request carries it in a URL', async () => {
    const gw = await startGateway();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    onTestFinished(() => browser.close());
    const page = await browser.newPage();
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(`http://127.0.0.1:${gw.ports.http}/#token=${encodeURIComponent(ADMIN_TOKEN)}`);
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForSelector('#live:text("live")');
    expect(page.url()).toBe(`http://127.0.0.1:${gw.ports.http}/`);
    expect(urls.filter((u) => u.includes(ADMIN_TOKEN))).toEqual([]);
    expect(gw.logs.lines.join('\n')).not.toContain(ADMIN_TOKEN);
  });
});
