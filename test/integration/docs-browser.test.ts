import { type Browser, type Page } from 'playwright-core';
import { describeInChromium, launchChromium } from '../support/browser';
import { startGenerationSystem, testApiToken, type GenerationSystem } from '../support/generation-system';

const describeInBrowser = describeInChromium('API reference');

/**
 * An operator opens /docs, authorizes with the API token and tries a call out: Swagger UI runs
 * from this server's own files under its content security policy, and asks no other host.
 */
describeInBrowser('the API reference at /docs, in Chromium', () => {
  let system: GenerationSystem;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  const requested: string[] = [];

  beforeAll(async () => {
    system = await startGenerationSystem({ worker: false });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('request', (request) => requested.push(request.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('authorizes with the bearer token and executes a GET against this server', async () => {
    await page.goto(`${system.baseUrl}/docs`);
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'Durable Telegram bots' }).waitFor();

    await page.locator('.scheme-container button.authorize').click();
    const dialog = page.locator('.dialog-ux');
    const bearer = dialog.locator('form').filter({ hasText: 'bearer (http, Bearer)' });
    await bearer.locator('input').fill(testApiToken);
    await bearer.locator('button.authorize').click();
    await bearer.locator('h6', { hasText: 'Authorized' }).waitFor();
    await dialog.locator('button.btn-done').first().click();

    const operation = page.locator('#operations-bots-getApiBots');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table .response .response-col_status');
    await status.first().waitFor();
    expect((await status.first().innerText()).trim()).toBe('200');
    expect(await operation.locator('.live-responses-table .response-col_description pre').first().innerText()).toContain('"items"');

    expect(cspViolations).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(`${system.baseUrl}/`) && !url.startsWith('data:'))).toEqual([]);
    expect(requested).toContain(`${system.baseUrl}/api/bots`);
  });
});
