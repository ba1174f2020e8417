import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fittingRig, frameOf, ITEMS } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', '..', 'test-artifacts');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`mirror page test skipped: no Chromium at ${CHROMIUM}`);

describe.skipIf(!hasChromium)('mirror page in headless Chromium', () => {
  it('shows the recognised item and its suggestions with reasons after the mirror sends a frame', async () => {
    const { gw, mirror } = await fittingRig();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    onTestFinished(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 768, height: 1024 } });
    await page.goto(`http://127.0.0.1:${gw.ports.http}/mirror/mirror-1`);
    await page.waitForFunction(() => document.querySelector('#title')?.textContent?.includes('Hold an item'));

    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await mirror.nextCommand('recognised');
    await page.waitForFunction(() => document.querySelector('#title')?.textContent === 'Wrap midi dress', undefined, { timeout: 10_000 });
    const text = (await page.locator('#answer').textContent()) ?? '';
    expect(text).toContain('also in L');
    expect(text).toContain('goes with your dress');
    expect(text).toContain('similar: Linen shirt dress');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'fitting-mirror-page.png') });
  });
});

describe.skipIf(!hasChromium)('staff fitting-rooms page in headless Chromium', () => {
  it('lists a size request from the mirror; staff claim it and the mirror sees the claim', async () => {
    const { STAFF_TOKEN } = await import('../../../helpers/gateway.ts');
    const { gw, mirror } = await fittingRig();
    await mirror.presence(true);
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await mirror.nextCommand('recognised');
    await mirror.interact({ type: 'size_request', productId: 'SG-0301', size: 'L' });
    const open = await mirror.nextCommand('size_request', (c) => c.status === 'open');

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    onTestFinished(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://127.0.0.1:${gw.ports.http}/staff/fitting-rooms`);
    await page.fill('#token', 'not-the-token');
    await page.press('#token', 'Enter');
    await page.waitForFunction(() => document.querySelector('#loginError')?.textContent?.includes('refused'));
    await page.fill('#token', STAFF_TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector(`tr[data-id="${open.id}"]`);
    expect(await page.textContent('#rooms')).toContain('fitting-1');
    await page.click(`button[data-claim="${open.id}"]`);
    expect(await mirror.nextCommand('size_request', (c) => c.status === 'claimed')).toMatchObject({ id: open.id });
    await page.waitForFunction(() => document.querySelector('#result')?.textContent?.includes('Claimed'));
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'fitting-staff-page.png') });
    expect(await page.content()).not.toContain(STAFF_TOKEN);
  });
});
