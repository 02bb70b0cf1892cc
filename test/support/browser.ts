import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium: Playwright's own browser builds cannot be downloaded on these machines. */
export const chromiumPath = '/usr/bin/chromium';

/**
 * `describe` for a browser test: skipped with a warning when Chromium is missing on a developer's
 * machine, but run in CI, where its absence must fail the test rather than hide it.
 */
export function describeInChromium(what: string): jest.Describe {
  const haveChromium = fs.existsSync(chromiumPath);
  if (!haveChromium && !process.env.CI) {
    console.warn(`Skipping the ${what} browser test: ${chromiumPath} is missing (install Debian's chromium; CI does).`);
  }
  return haveChromium || process.env.CI ? describe : describe.skip;
}

/** Headless Chromium that asks no other host on its own (no updates, sync or background fetches). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
