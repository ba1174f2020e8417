import { describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../../../helpers/chromium.ts';
import { signReturnQr } from '../../../../devices/locker/return-qr.ts';
import { ADMIN_TOKEN } from '../../../helpers/gateway.ts';
import { lockerRig, RETURN_KEY, staff } from './helpers.ts';

const POS_TOKEN = 'test-pos-token-0123456789';

describe.skipIf(!hasChromium)('per-offer conversion on the store IT dashboard', () => {
  it('shows each return offer with how often it was shown, accepted and redeemed', async () => {
    const { gw } = await lockerRig({
      overrides: {
        'lockers.posToken': POS_TOKEN,
        'lockers.returns': {
          hmacKey: RETURN_KEY,
          incentives: {
            offers: { swap10: 'Swap it: 10% off', ship_free: 'Free shipping' },
            rules: [
              { id: 'size', when: { reasons: ['wrong_size'] }, offer: 'swap10' },
              { id: 'other', when: {}, offer: 'ship_free' },
            ],
          },
        },
      },
    });
    const desk = async (rid: string, reason: string) => {
      const qr = signReturnQr({ rid, oid: `o-${rid}`, item: 'sku', reason, exp: Math.floor(Date.now() / 1000) + 600 }, { hmacKey: RETURN_KEY });
      return (await staff(gw, 'POST', '/api/v1/lockers/returns/desk', { qr })).body.offer as { offerId: string };
    };
    const a = await desk('r1', 'wrong_size');
    await desk('r2', 'wrong_size');
    await desk('r3', 'damaged');
    await staff(gw, 'POST', `/api/v1/lockers/incentives/${a.offerId}/accept`);
    expect((await staff(gw, 'POST', '/api/v1/lockers/incentives/redeemed', { offerId: a.offerId }, POS_TOKEN)).status).toBe(200);

    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${gw.ports.http}/`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector('#offerConversion tr[data-offer="swap10"]', { timeout: 15_000 });
    const cells = async (offer: string) => page.locator(`#offerConversion tr[data-offer="${offer}"] td`).allTextContents();
    expect(await cells('swap10')).toEqual(['Swap it: 10% off', '2', '1 (50%)', '1 (50%)']);
    expect(await cells('ship_free')).toEqual(['Free shipping', '1', '0 (0%)', '0 (0%)']);
  });
});
