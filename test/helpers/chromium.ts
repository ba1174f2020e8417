import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { onTestFinished } from 'vitest';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
/** Under CI a missing Chromium fails the page tests (launchChromium throws) instead of skipping them. */
export const hasChromium = Boolean(CHROMIUM) || Boolean(process.env.CI);
if (!CHROMIUM)
  console.warn(
    process.env.CI
      ? '[storegate tests] Chromium not found and CI is set: the browser tests will FAIL (apt-get install chromium)'
      : '[storegate tests] Chromium not found: the browser tests (dashboard, staff, mirror pages) are SKIPPED (apt-get install chromium)',
  );

/** Headless Chromium through playwright-core, closed when the test ends. */
export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('Chromium not installed (apt-get install chromium)');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  onTestFinished(() => browser.close());
  return browser;
}
