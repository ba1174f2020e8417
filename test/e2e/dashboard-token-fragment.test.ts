import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { ADMIN_TOKEN, startGateway } from '../helpers/gateway.ts';

describe.skipIf(!hasChromium)('the dashboard link the demo prints', () => {
  it('logs in from /#token= (never sent to the server), drops it from the address bar, and no request carries it in a URL', async () => {
    const gw = await startGateway();
    const browser = await launchChromium();
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
