import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { ADMIN_TOKEN, nextEvent } from '../helpers/gateway.ts';
import { announce, announcement, CENTROID, modelServer, pem, rolloutGateway, signingKeys } from '../gateway/services/recognition/rollout-helpers.ts';

describe.skipIf(!hasChromium)('dashboard model panel in headless Chromium', () => {
  it('shows the shadow model a rollout installed with its agreement, then the promotion, live without a reload', async () => {
    const keys = signingKeys();
    const server = await modelServer({ '/c.onnx': CENTROID });
    const gw = await rolloutGateway({ publicKey: pem(keys.publicKey) });
    const browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${gw.ports.http}/`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector('#live:text("live")');
    await page.waitForFunction(() => document.querySelector('#modelSlots [data-slot="shadow"]')?.textContent?.includes('—'));

    await announce(gw, announcement(keys.privateKey, server.url('/c.onnx'), CENTROID, 'v-dash'));
    await page.waitForFunction(() => document.querySelector('#modelSlots [data-slot="shadow"]')?.textContent?.includes('v-dash'), undefined, {
      timeout: 10_000,
    });
    expect(await page.textContent('#modelHistory')).toContain('shadowed v-dash');

    const promoted = nextEvent(gw, 'recognition.model.promoted');
    gw.bus.emit(gw.bus.make('model.promote.requested', 'test/downlink', { by: 'head-office' }));
    await promoted;
    await page.waitForFunction(() => document.querySelector('#modelSlots [data-slot="live"]')?.textContent?.includes('v-dash'), undefined, { timeout: 10_000 });
    expect(await page.textContent('#modelSlots [data-slot="previous"]')).toContain('configured');
    expect(await page.textContent('#modelHistory')).toContain('promoted v-dash');
    expect(errors).toEqual([]);
  });
});
