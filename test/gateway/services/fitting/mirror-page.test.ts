import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../../../helpers/chromium.ts';
import { addDevice, until } from '../../../helpers/gateway.ts';
import { fittingRig, frameOf, ITEMS, staffCall } from './helpers.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', '..', 'test-artifacts');

describe.skipIf(!hasChromium)('mirror page in headless Chromium', () => {
  it('shows the recognised item and its suggestions live after the mirror sends a frame', async () => {
    const { gw, mirror, secret } = await fittingRig();
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 768, height: 1024 } });
    // the key travels in the fragment (never sent to the server) and the page forgets the URL's copy
    await page.goto(`http://127.0.0.1:${gw.ports.http}/mirror/mirror-1#key=${secret}`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('live'));
    expect(page.url()).not.toContain(secret);
    expect(await page.textContent('#title')).toContain('Hold an item');

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

  it('asks staff for a size and follows the request live; orders an out-of-stock size to a locker', async () => {
    const { gw, mirror, secret } = await fittingRig();
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 768, height: 1024 }, hasTouch: true });
    await page.goto(`http://127.0.0.1:${gw.ports.http}/mirror/mirror-1#key=${secret}`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('live'));
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await page.waitForFunction(() => document.querySelector('#title')?.textContent === 'Wrap midi dress', undefined, { timeout: 10_000 });

    // L is in store: the shopper taps it, staff claim it on their API, the page follows without a reload
    await page.tap('button.size:not(.out)[data-size="L"]');
    const open = await mirror.nextCommand('size_request', (c) => c.status === 'open');
    expect(open).toMatchObject({ productId: 'SG-0301', size: 'L' });
    await page.waitForFunction(() => document.querySelector('#requests')?.textContent?.includes('Wrap midi dress L: requested'));
    expect((await staffCall(gw, 'POST', `/api/v1/fitting/size-requests/${open.id}/claim`)).status).toBe(200);
    await page.waitForFunction(() => document.querySelector('#requests')?.textContent?.includes('on its way'));

    // M is not in store: the page offers home or a locker here; the shopper picks the locker
    await page.tap('button.size.out[data-size="M"]');
    await page.waitForSelector('button.order >> text=Collect from a locker here');
    expect(await page.textContent('#answer')).toContain('M is not in store');
    await page.tap('button.order >> text=Collect from a locker here');
    // the pickup code is sent by text message: the shopper gives a number, with consent
    await page.fill('#contactAddress', '+49 170 7654321');
    await page.check('#contactConsent');
    await page.tap('button.order-send');
    const order = await mirror.nextCommand('order');
    expect(order).toMatchObject({ productId: 'SG-0301', size: 'M', delivery: 'locker' });
    await page.waitForFunction(() => document.querySelector('#notice')?.textContent?.includes('Ordered: Wrap midi dress in M, to a locker here'));
    const row = await until(() => gw.db.get<{ delivery: string }>('SELECT delivery FROM fitting_orders WHERE id = ?', [order.id]));
    expect(row?.delivery).toBe('locker');
    const intent = await until(() =>
      gw.db.get<{ body: string }>("SELECT body FROM outbox_events WHERE type LIKE '%order.intent.created' AND body LIKE ?", [`%${order.id}%`]),
    );
    expect(JSON.parse(intent?.body ?? '{}').data).toMatchObject({ sku: 'SG-0301', size: 'M', delivery: 'locker' });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'fitting-mirror-page-order.png') });

    // the shopper leaves: the page clears
    await mirror.presence(false);
    await page.waitForFunction(() => document.querySelector('#title')?.textContent?.includes('Hold an item'));
    expect(await page.textContent('#requests')).toBe('');
  });

  it('asks for the key when it has none and refuses a wrong one; the API shows nothing without it', async () => {
    const { gw, secret } = await fittingRig();
    const other = await addDevice(gw, 'mirror-2', 'mirror', 'fitting-2');
    const browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${gw.ports.http}/mirror/mirror-1`);
    await page.waitForSelector('#setup:not([hidden])');
    await page.fill('#key', other);
    await page.press('#key', 'Enter');
    await page.waitForFunction(() => document.querySelector('#setupError')?.textContent?.includes('refused'));
    await page.fill('#key', secret);
    await page.press('#key', 'Enter');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('live'));
    expect(await page.content()).not.toContain(secret);

    const base = `http://127.0.0.1:${gw.ports.http}/api/v1/fitting/mirrors/mirror-1`;
    for (const [path, init] of [
      ['/state', {}],
      ['/events', {}],
      ['/interactions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"tap","productId":"SG-0301"}' }],
    ] as const) {
      expect((await fetch(base + path, init)).status).toBe(401);
      const withOther = { ...init, headers: { ...('headers' in init ? init.headers : {}), authorization: `Bearer ${other}` } };
      expect((await fetch(base + path, withOther)).status).toBe(401);
    }
    // store IT may look with the staff token; a staff tap on a product the store does not sell is a 404
    expect((await staffCall(gw, 'GET', '/api/v1/fitting/mirrors/mirror-1/state')).status).toBe(200);
    const res = await fetch(base + '/interactions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ type: 'tap', productId: 'NOPE' }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: 'error', reason: 'unknown_product' });
    const bad = await fetch(base + '/interactions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ type: 'dance' }),
    });
    expect(bad.status).toBe(400);
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

    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://127.0.0.1:${gw.ports.http}/staff/fitting-rooms`);
    await page.fill('#token', 'not-the-token');
    await page.press('#token', 'Enter');
    await page.waitForFunction(() => document.querySelector('#loginError')?.textContent?.includes('refused'));
    await page.fill('#token', STAFF_TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector(`tr[data-id="${open.id}"]`);
    expect(await page.textContent('#rooms')).toContain('fitting-1');
    await page.click(`button[data-step="claim"][data-id="${open.id}"]`);
    expect(await mirror.nextCommand('size_request', (c) => c.status === 'claimed')).toMatchObject({ id: open.id });
    await page.waitForFunction(() => document.querySelector('#result')?.textContent?.includes('Claimed'));
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'fitting-staff-page.png') });
    expect(await page.content()).not.toContain(STAFF_TOKEN);
  });
});
