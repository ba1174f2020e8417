import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadCatalogSync } from '../../../../gateway/catalog.ts';
import { createRfidReaderSim, tagFor } from '../../../../simulators/rfid-reader.ts';
import { hasChromium, launchChromium } from '../../../helpers/chromium.ts';
import { addDevice } from '../../../helpers/gateway.ts';
import { fittingRig, frameOf, ITEMS } from './helpers.ts';

const MODELS = join(import.meta.dirname, '..', '..', '..', '..', 'models');
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', '..', 'test-artifacts');
const CATALOG = loadCatalogSync(join(MODELS, 'catalog.sample.json'), JSON.parse(readFileSync(join(MODELS, 'labels.json'), 'utf8')) as string[]);

describe.skipIf(!hasChromium)('mirror page with the fitting room RFID reader, in headless Chromium', () => {
  it('shows the tagged item in its size, says the camera agrees, and clears it when the item leaves the room', async () => {
    const { gw, mirror, secret } = await fittingRig({ overrides: { 'fitting.rfid': { tagTimeoutSeconds: 1 } } });
    const readerSecret = await addDevice(gw, 'reader-1', 'rfid-reader', 'fitting-1');
    const reader = createRfidReaderSim({
      url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      storeId: gw.config.storeId,
      deviceId: 'reader-1',
      secret: readerSecret,
      intervalMs: 200,
    });
    await reader.connect();
    onTestFinished(() => reader.disconnect());
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 768, height: 1024 } });
    await page.goto(`http://127.0.0.1:${gw.ports.http}/mirror/mirror-1#key=${secret}`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('live'));

    const epc = tagFor(CATALOG.products.find((p) => p.sku === 'SG-0303')!, 'M', 9);
    await reader.carryIn(epc);
    await mirror.nextCommand('recognised', (c) => c.via === 'tag');
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    await mirror.nextCommand('recognised', (c) => c.fusion?.camera === 'agreed');
    await page.waitForFunction(() => document.querySelector('#subtitle')?.textContent?.includes('camera agrees'), undefined, { timeout: 10_000 });
    expect(await page.textContent('#title')).toBe('Wrap midi dress');
    expect(await page.textContent('#subtitle')).toBe('black · size M (from its tag) · camera agrees');
    expect(await page.getAttribute('button.size.on-tag', 'data-size')).toBe('M');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'fitting-mirror-rfid.png') });

    reader.carryOut(epc);
    await page.waitForFunction(() => document.querySelector('#notice')?.textContent?.includes('left the fitting room'), undefined, { timeout: 10_000 });
    expect(await page.textContent('#notice')).toBe('Wrap midi dress left the fitting room');
    expect(await page.textContent('#title')).toContain('Hold an item');
  });
});
