import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { describeInChromium, launchChromium } from '../support/browser';
import { embeddedStackEnv, startSystem, type RunningSystem } from '../support/system-process';

const describeInBrowser = describeInChromium('simulator');

/**
 * A newcomer without a Telegram token runs `npm start`, opens the printed simulator link and
 * talks to the demo bot in a real browser; the same flows, workflows and ledger run underneath.
 */
describeInBrowser('the chat simulator, in Chromium', () => {
  let dataDir: string;
  let system: RunningSystem;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-simulator-'));
    fs.chmodSync(dataDir, 0o755);
    system = await startSystem({
      ...(await embeddedStackEnv(dataDir)),
      FAKE_PROVIDER_LATENCY_MS: '0',
      LOG_LEVEL: 'warn',
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    // A content security policy that blocked the page's own script or style would show here.
    page.on('console', (message) => {
      if (/content security policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const bubbles = () => page.locator('#messages .bubble');

  it('is linked from the start banner (without the token) and refuses a visitor without a session', async () => {
    expect(system.output()).toMatch(/Simulator\s+http:\/\/\S+\/simulator\s+\(sign in with the API token/);
    expect(system.output()).not.toMatch(/simulator\?token=/);
    expect((await fetch(`${system.apiUrl}/simulator/config`)).status).toBe(401);
    expect((await fetch(`${system.apiUrl}/simulator/telegram/emulator/bots/1000000001/chats/1`)).status).toBe(401);
  });

  it('serves its page and /docs with security headers under which both still work', async () => {
    const simulatorPage = await fetch(`${system.apiUrl}/simulator`);
    expect(simulatorPage.headers.get('content-security-policy')).toMatch(
      /default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self';.*frame-ancestors 'none'/,
    );
    expect(simulatorPage.headers.get('x-content-type-options')).toBe('nosniff');
    expect(simulatorPage.headers.get('referrer-policy')).toBe('no-referrer');
    await page.goto(`${system.apiUrl}/docs`);
    await page.getByText('Trade the operator API token for a short-lived simulator session cookie').waitFor();
    expect(cspViolations).toEqual([]);
  });

  it('keeps the demo bot in the simulator: it cannot be switched out of it', async () => {
    const res = await fetch(`${system.apiUrl}/api/bots/1000000001`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${system.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ simulator: false }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('simulator_only');
  });

  it('runs the loyalty bot: /start, the menu, a paid story with the new balance, a pack bought with Stars, the side panel', async () => {
    const link = /Simulator\s+(http:\/\/\S+)/.exec(system.output())![1]!;
    await page.goto(link);
    // The page asks for the API token once and keeps only an HttpOnly session cookie.
    await page.getByLabel('API token').fill('not-the-api-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That is not the API token.').waitFor();
    await page.getByLabel('API token').fill(system.apiToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#sign-in').waitFor({ state: 'hidden' });
    const [session] = await page.context().cookies();
    expect(session).toMatchObject({ name: 'simulator_session', httpOnly: true, sameSite: 'Strict', path: '/simulator' });
    expect(page.url()).not.toContain(system.apiToken);
    await page.getByLabel('Message').fill('/start');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Your balance: 500 credits.').waitFor();

    await page.getByRole('button', { name: '💰 Balance' }).click();
    await page.getByText('Your balance: 500 credits.').last().waitFor();
    await page.getByRole('button', { name: '« Menu' }).click();
    await page.getByRole('button', { name: '✨ Generate a story' }).last().click();
    await page.getByText('What should the story be about? (3 to 200 characters)').waitFor();
    // The side panel shows where the conversation waits, from the executions API.
    await page.locator('#node', { hasText: 'topic' }).waitFor();
    expect(await page.locator('#status').textContent()).toBe('waiting');
    expect(await page.locator('#workflow').textContent()).toBe('chat:1000000001:4503599627370497');
    expect(await page.locator('#temporal-link').getAttribute('href')).toContain('/workflows/chat%3A1000000001%3A4503599627370497');
    await page.getByLabel('Message').fill('a brave fox');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText(/A story about "Write a short, kind story about: a brave fox"/).waitFor();
    await page.getByText('Your balance: 450 credits.').waitFor();
    expect(await bubbles().count()).toBeGreaterThanOrEqual(6);

    // A pack of credits for Stars: the invoice, Telegram's checkout played by the page, the credits.
    await page.getByRole('button', { name: '⭐ Buy 100 credits' }).last().click();
    await page.getByRole('button', { name: 'Pay ⭐ 50' }).click();
    await page.getByText('Payment complete').waitFor();
    await page.getByText('Thank you! 100 credits added; your balance is 550 credits.').waitFor();
    await page.getByText('✅ You paid ⭐ 50').waitFor();

    expect(cspViolations).toEqual([]);

    fs.mkdirSync(path.resolve(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: path.resolve(__dirname, '..', '..', 'test-artifacts', 'simulator.png'), fullPage: true });
  });
});
