import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describeInChromium, launchChromium } from '../support/browser';
import { embeddedStackEnv, startSystem, type RunningSystem } from '../support/system-process';

const describeInBrowser = describeInChromium('Web UI codec');

const demoChat = 'chat:1000000001:4503599627370497';

/**
 * With TEMPORAL_PAYLOAD_KEYS set, `npm start` gives the embedded Web UI our codec endpoint; an
 * operator signs in once at /codec/session, and the UI – with "include cross-origin credentials"
 * on – shows a chat's encrypted payloads decoded.
 */
describeInBrowser('the Temporal Web UI decodes payloads through the codec endpoint, in Chromium', () => {
  let dataDir: string;
  let system: RunningSystem;
  let uiUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-codec-ui-'));
    fs.chmodSync(dataDir, 0o755);
    const env = await embeddedStackEnv(dataDir);
    uiUrl = `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`;
    system = await startSystem({
      ...env,
      FAKE_PROVIDER_LATENCY_MS: '0',
      LOG_LEVEL: 'warn',
      TEMPORAL_PAYLOAD_KEYS: `ui-test=${crypto.randomBytes(32).toString('base64')}`,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * A browser page whose Web UI codec settings say what the settings dialog would after "use my
   * browser setting" and "include cross-origin credentials" (the dev server has no flag for the
   * latter): the UI keeps them in localStorage, which this sets before the UI's scripts run.
   */
  async function pageWithCodecSettings(context: BrowserContext): Promise<Page> {
    const settings = { overrideRemoteCodecConfiguration: true, endpoint: `${system.apiUrl}/codec`, includeCredentials: true };
    await context.addInitScript({
      content: `if (location.origin === ${JSON.stringify(uiUrl)}) for (const [k, v] of Object.entries(${JSON.stringify(settings)})) localStorage.setItem(k, JSON.stringify(v));`,
    });
    return context.newPage();
  }

  it('configures the embedded Web UI with the codec endpoint and says where to sign in', async () => {
    const settings = (await (await fetch(`${uiUrl}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
    expect(settings.Codec.Endpoint).toBe(`${system.apiUrl}/codec`);
    expect(system.output()).toContain(`UI decoding     ${system.apiUrl}/codec/session`);
  });

  it("shows a user's message decoded to a browser signed in at /codec/session, and nothing to one that is not", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await pageWithCodecSettings(context);
    const message = `Quokka-${crypto.randomBytes(4).toString('hex')}`;
    // A chat with the demo bot in the simulator: its history is encrypted.
    await page.goto(`${system.apiUrl}/simulator`);
    await page.getByLabel('API token').fill(system.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#sign-in').waitFor({ state: 'hidden' });
    await page.getByLabel('Message').fill('/start');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Your balance: 500 credits.').waitFor();
    await page.getByLabel('Message').fill(message);
    await page.getByRole('button', { name: 'Send' }).click();

    // A browser without the codec session: the UI asks, is refused, and shows ciphertext only.
    const stranger = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const strangerPage = await pageWithCodecSettings(stranger);
    const refused = strangerPage.waitForResponse((r) => r.url().startsWith(`${system.apiUrl}/codec/decode`));
    await strangerPage.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(demoChat)}`);
    expect((await refused).status()).toBe(401);
    await strangerPage.getByText('Results will appear upon completion.').waitFor();
    expect(await strangerPage.locator('body').innerText()).not.toContain('"botId"');
    await stranger.close();

    // The operator signs in once on the API's page; the token is traded for an HttpOnly cookie.
    await page.goto(`${system.apiUrl}/codec/session`);
    await page.getByLabel('API token').fill('not-the-api-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That is not an API token.').waitFor();
    await page.getByLabel('API token').fill(system.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in.').waitFor();
    expect((await context.cookies()).find((c) => c.name === 'codec_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/codec',
    });

    await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(demoChat)}`);
    // The workflow's input, decoded…
    await page.getByText('"botId": "1000000001"').waitFor();
    // …and the user's message, in the last signal's details.
    await page.getByRole('tab', { name: /Event History/ }).click();
    await page.getByText('Workflow Execution Signaled').first().click();
    await page.getByText(message).first().waitFor();

    fs.mkdirSync(path.resolve(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: path.resolve(__dirname, '..', '..', 'test-artifacts', 'codec-web-ui.png'), fullPage: true });
    await context.close();
  });
});
