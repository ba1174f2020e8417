import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { until } from '../helpers/gateway.ts';
import { fittingRig, frameOf, ITEMS, staffCall } from '../gateway/services/fitting/helpers.ts';

const slow = { timeout: 10_000 };

const launch = async () => {
  const browser = await launchChromium();
  return browser;
};

/** The browser boundary: Notification and AudioContext record what the page asks of them (no speaker, no OS popups). */
const recordBrowserAlerts = () => {
  const w = window as unknown as Record<string, unknown> & { __alerts: { notifications: Array<{ title: string; body: string }>; tones: number[] } };
  w.__alerts = { notifications: [], tones: [] };
  class FakeNotification {
    static permission = 'default';
    static async requestPermission() {
      FakeNotification.permission = 'granted';
      return 'granted';
    }
    constructor(title: string, opts?: { body?: string }) {
      w.__alerts.notifications.push({ title, body: opts?.body ?? '' });
    }
  }
  class FakeAudioContext {
    currentTime = 0;
    destination = {};
    async resume() {}
    createOscillator() {
      const o = { frequency: { value: 0 }, type: '', connect() {}, start: () => w.__alerts.tones.push(o.frequency.value), stop() {} };
      return o;
    }
    createGain() {
      return { gain: { value: 0 }, connect() {} };
    }
  }
  w.Notification = FakeNotification;
  w.AudioContext = FakeAudioContext;
};
const alerts = (page: Page) =>
  page.evaluate(() => (window as unknown as { __alerts: { notifications: Array<{ title: string; body: string }>; tones: number[] } }).__alerts);

async function mirrorPage(browser: Browser, port: number, secret: string) {
  const page = await browser.newPage({ viewport: { width: 768, height: 1024 }, hasTouch: true });
  await page.goto(`http://127.0.0.1:${port}/mirror/mirror-1#key=${secret}`);
  await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('live'));
  return page;
}
const requestsText = (page: Page) => page.locator('#requests').textContent();

describe.skipIf(!hasChromium)('fitting-room people in headless Chromium', () => {
  it('a staff member logs in with a PIN, hears and sees a new size request live, claims it and answers Brought and Not available; the mirror shows each answer', async () => {
    const { gw, mirror, secret } = await fittingRig();
    await gw.staff.add({ login: 'anna', name: 'Anna K', role: 'fitting', secret: '482915' });
    const browser = await launch();
    const staff = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    await staff.addInitScript(recordBrowserAlerts);
    await staff.goto(`http://127.0.0.1:${gw.ports.http}/staff/fitting-rooms`);
    await staff.fill('#staffLogin', 'anna');
    await staff.fill('#staffPin', '000000');
    await staff.press('#staffPin', 'Enter');
    await staff.waitForFunction(() => document.querySelector('#loginError')?.textContent?.includes('Wrong login or PIN'));
    await staff.fill('#staffPin', '482915');
    await staff.press('#staffPin', 'Enter');
    await staff.waitForSelector('#app:not([hidden])');
    expect(await staff.textContent('#who')).toContain('Anna K');
    // the session is an HttpOnly cookie: the page's own script cannot read it
    expect(await staff.evaluate(() => document.cookie)).not.toContain('sgs_');
    await staff.waitForSelector('#live.on');
    await staff.click('#notify');

    const shopper = await mirrorPage(browser, gw.ports.http, secret);
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await shopper.waitForFunction(() => document.querySelector('#title')?.textContent === 'Wrap midi dress', undefined, slow);
    await shopper.tap('button.size:not(.out)[data-size="L"]');
    const open = await mirror.nextCommand('size_request', (c) => c.status === 'open');

    // live: no reload, and the tone and the notification fire once for the new request
    const row = `#requests tr[data-id="${open.id}"]`;
    await staff.waitForSelector(`${row}[data-status="open"]`, slow);
    await until(async () => (await alerts(staff)).notifications.length === 1, 5000, 'the notification');
    const fired = await alerts(staff);
    expect(fired.notifications[0]).toEqual({ title: 'Size request', body: 'Wrap midi dress in L for fitting-1' });
    expect(fired.tones).toEqual([880]);
    // Brought needs a claim: the open row offers only Claim, and the API refuses a skipped step
    expect(await staff.locator(`${row} button`).allTextContents()).toEqual(['Claim']);
    expect((await staffCall(gw, 'POST', `/api/v1/fitting/size-requests/${open.id}/done`)).status).toBe(409);

    await staff.click(`${row} button[data-step="claim"]`);
    await staff.waitForSelector(`${row}[data-status="claimed"]`);
    expect(await staff.textContent(row)).toContain('claimed by anna');
    await shopper.waitForFunction(() => document.querySelector('#requests')?.textContent?.includes('Wrap midi dress L: on its way to you'));
    await staff.click(`${row} button[data-step="done"]`);
    await shopper.waitForFunction(() => document.querySelector('#requests')?.textContent?.includes('Wrap midi dress L: brought to your room'));
    const done = await gw.db.get<{ status: string; claimed_by: string; answered_by: string }>(
      'SELECT status, claimed_by, answered_by FROM fitting_size_requests WHERE id = ?',
      [open.id],
    );
    expect(done).toEqual({ status: 'done', claimed_by: 'staff:anna', answered_by: 'staff:anna' });

    // a second request: not in the stockroom after all; the mirror says so and offers to order it online
    await shopper.tap('button.size:not(.out)[data-size="XL"]');
    const second = await mirror.nextCommand('size_request', (c) => c.status === 'open' && c.size === 'XL');
    const row2 = `#requests tr[data-id="${second.id}"]`;
    await staff.waitForSelector(`${row2}[data-status="open"]`, slow);
    await until(async () => (await alerts(staff)).notifications.length === 2, 5000, 'the second notification');
    await staff.click(`${row2} button[data-step="claim"]`);
    await staff.waitForSelector(`${row2}[data-status="claimed"]`);
    await staff.click(`${row2} button[data-step="unavailable"]`);
    await shopper.waitForFunction(() => document.querySelector('#requests')?.textContent?.includes('Wrap midi dress XL: not in store after all'));
    expect(await shopper.textContent('#notice')).toContain('Sorry, Wrap midi dress in XL is not in store after all');
    await shopper.tap('button.order-instead');
    await shopper.waitForSelector('button.order >> text=Deliver to my home');
    const event = await until(() =>
      gw.db.get<{ body: string }>("SELECT body FROM outbox_events WHERE type LIKE '%size_request.updated' AND body LIKE '%unavailable%'"),
    ).catch(() => null);
    // size-request changes are not routed to the cloud by default; when they are, they name the person
    if (event) expect(JSON.parse(event.body).data.by).toBe('staff:anna');
  }, 90_000);

  it('shows the mirror page in the store language (German), switches to English for this shopper, and back to German for the next', async () => {
    const { gw, mirror, secret } = await fittingRig({ overrides: { language: 'de' } });
    const browser = await launch();
    const page = await mirrorPage(browser, gw.ports.http, secret);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.textContent('#title')).toBe('Halten Sie ein Teil vor den Spiegel');
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await page.waitForFunction(() => document.querySelector('#title')?.textContent === 'Wrap midi dress', undefined, slow);
    const de = (await page.textContent('#answer')) ?? '';
    expect(de).toContain('Ihre Größe?');
    expect(de).toContain('auch in L');
    expect(de).toContain('passt zu: Kleid');
    expect(de).toContain('ähnlich: Linen shirt dress');
    expect(await page.textContent('#subtitle')).toBe('Waldgrün');

    // a raw internal error never reaches the shopper: the catalog's friendly words for its reason do
    await mirror.interact({ type: 'size_request', productId: 'SG-0301', size: 'XXXL' });
    await mirror.nextCommand('error', (c) => c.reason === 'unknown_size');
    await page.waitForFunction(() => document.querySelector('#notice')?.textContent === 'Diese Größe gibt es für dieses Teil nicht.');
    expect(await page.content()).not.toContain('has no size');

    await page.tap('#langs button[data-lang="en"]');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    const en = (await page.textContent('#answer')) ?? '';
    expect(en).toContain('Your size?');
    expect(en).toContain('also in L');
    expect(en).toContain('goes with your dress');
    expect(await page.textContent('#notice')).toBe('This size does not exist for this item.');
    await page.tap('button.size.out[data-size="M"]');
    await page.waitForFunction(() => document.querySelector('#answer')?.textContent?.includes('M is not in store: order online'));

    // the shopper leaves: the next one starts in German again
    await mirror.presence(false);
    await page.waitForFunction(() => document.querySelector('#title')?.textContent === 'Halten Sie ein Teil vor den Spiegel');
    expect(await page.getAttribute('html', 'lang')).toBe('de');
  });

  it('lets the shopper cancel a size request from the mirror; staff see it cancelled', async () => {
    const { gw, mirror, secret } = await fittingRig();
    const browser = await launch();
    const page = await mirrorPage(browser, gw.ports.http, secret);
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await page.waitForFunction(() => document.querySelector('#title')?.textContent === 'Wrap midi dress', undefined, slow);
    await page.tap('button.size:not(.out)[data-size="L"]');
    const open = await mirror.nextCommand('size_request', (c) => c.status === 'open');
    await page.waitForSelector(`#requests [data-id="${open.id}"] button.cancel-request`);
    await page.tap(`#requests [data-id="${open.id}"] button.cancel-request`);
    await mirror.nextCommand('size_request', (c) => c.id === open.id && c.status === 'cancelled');
    await page.waitForFunction(() => document.querySelector('#requests')?.textContent?.includes('Wrap midi dress L: cancelled'));
    expect(await requestsText(page)).not.toContain('Cancel');
    const list = await staffCall(gw, 'GET', '/api/v1/fitting/size-requests?status=cancelled');
    expect(list.body.requests).toMatchObject([{ id: open.id, status: 'cancelled', answeredBy: 'shopper' }]);
    // claiming a cancelled request is refused
    expect((await staffCall(gw, 'POST', `/api/v1/fitting/size-requests/${open.id}/claim`)).status).toBe(409);
  });

  it('asks for a phone or email with consent before an online order; the contact goes to the cloud with the order and is stored nowhere else', async () => {
    const { gw, mirror, secret } = await fittingRig();
    const browser = await launch();
    const page = await mirrorPage(browser, gw.ports.http, secret);
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await page.waitForFunction(() => document.querySelector('#title')?.textContent === 'Wrap midi dress', undefined, slow);
    await page.tap('button.size.out[data-size="M"]');
    await page.tap('button.order >> text=Collect from a locker here');
    await page.waitForSelector('#contactForm');
    expect(await page.textContent('#contactForm h2')).toBe('Where should we send your pickup code?');
    await page.fill('#contactAddress', 'not a phone');
    await page.tap('button.order-send');
    await page.waitForSelector('#contactForm .err >> text=Please enter a phone number');
    await page.fill('#contactAddress', '+49 170 1234567');
    await page.tap('button.order-send');
    await page.waitForSelector('#contactForm .err >> text=Please tick the box');
    await page.check('#contactConsent');
    await page.tap('button.order-send');
    const order = await mirror.nextCommand('order');
    expect(order).toMatchObject({ productId: 'SG-0301', size: 'M', delivery: 'locker' });
    await page.waitForFunction(() => document.querySelector('#notice')?.textContent?.includes('We will send you the pickup code'));
    const intent = await until(() =>
      gw.db.get<{ body: string }>("SELECT body FROM outbox_events WHERE type LIKE '%order.intent.created' AND body LIKE ?", [`%${order.id}%`]),
    );
    expect(JSON.parse(intent?.body ?? '{}').data.contact).toEqual({ channel: 'sms', address: '+49 170 1234567' });

    // over MQTT too: the interaction's device event keeps only the channel, never the address
    await mirror.interact({
      type: 'order',
      productId: 'SG-0301',
      size: 'M',
      delivery: 'home',
      contact: { channel: 'email', address: 'kim@example.org', consent: true },
    });
    await mirror.nextCommand('order', (c) => c.delivery === 'home');
    const tables = await gw.db.all<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'outbox%' AND name NOT LIKE 'sqlite%'",
    );
    for (const { name } of tables) {
      const rows = await gw.db.all(`SELECT * FROM "${name}"`);
      const dump = JSON.stringify(rows);
      expect(dump, name).not.toContain('1234567');
      expect(dump, name).not.toContain('kim@example.org');
    }
    expect(gw.logs.lines.filter((l) => l.includes('1234567') || l.includes('kim@example.org'))).toEqual([]);
  });
});
