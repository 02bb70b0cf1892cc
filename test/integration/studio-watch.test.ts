import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { SIMULATED_ID_BASE } from '../../src/telegram/simulated-ids';
import { describeInChromium, launchChromium } from '../support/browser';
import { embeddedStackEnv, startSystem, type RunningSystem } from '../support/system-process';

const describeInBrowser = describeInChromium('studio (versions, executions, Try it)');
const artifacts = path.resolve(__dirname, '..', '..', 'test-artifacts', 'studio');
const READONLY_TOKEN = 'readonly-token-for-the-studio-watch-test';
const DEMO_BOT = '1000000001';
const flowPath = `/api/bots/${DEMO_BOT}/flows/main`;
const demoChat = `chat:${DEMO_BOT}:${SIMULATED_ID_BASE + 1}`;

/**
 * The publishing and watching half of the studio in a real browser against a real `npm start`
 * (Temporal, PostgreSQL, the simulator's demo bot on the loyalty flow, published as version 1):
 * edit → publish → compare versions on the canvas → roll back; a read-only token sees and cannot
 * change; Try it chats with the bot while its node lights up, and the execution view shows the
 * same chat on its flow.
 */
describeInBrowser('the studio: versions, executions and Try it, in Chromium', () => {
  let dataDir: string;
  let system: RunningSystem;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  const urls: string[] = [];

  async function api<T>(method: string, url: string, token = system.apiToken, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${system.apiUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  const versions = async () => (await api<{ items: { version: number; active: boolean }[] }>('GET', `${flowPath}/versions`)).body.items;

  async function openPage(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1500, height: 900 } });
    const opened = await context.newPage();
    opened.on('console', (message) => {
      if (/content security policy/i.test(message.text())) cspViolations.push(message.text());
    });
    opened.on('request', (request) => urls.push(request.url()));
    await opened.goto(`${system.apiUrl}/studio`);
    await opened.getByLabel('API token').fill(token);
    await opened.getByRole('button', { name: 'Sign in' }).click();
    await opened.getByRole('button', { name: 'Sign out' }).waitFor();
    return opened;
  }
  const shot = (on: Page, name: string) => on.screenshot({ path: path.join(artifacts, `watch-${name}.png`) });
  const messageBox = (on: Page) => on.getByRole('textbox', { name: 'Message', exact: true });
  const node = (on: Page, id: string) => on.locator(`[data-testid="node-${id}"]`);
  const pictureTitle = (on: Page, title: string) => on.getByTestId('picture').locator('.picture-title', { hasText: title });
  /** Waits until the node card carries the class (the canvas draws marks as classes). */
  const hasClass = (on: Page, id: string, cls: string) => on.locator(`[data-testid="node-${id}"].${cls}`).waitFor();

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-studio-watch-'));
    fs.chmodSync(dataDir, 0o755);
    system = await startSystem({
      ...(await embeddedStackEnv(dataDir)),
      API_READONLY_TOKEN: READONLY_TOKEN,
      FAKE_PROVIDER_LATENCY_MS: '0',
      LOG_LEVEL: 'warn',
    });
    browser = await launchChromium();
    page = await openPage(system.apiToken);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes a change, draws the diff between versions on the canvas, and rolls back to version 1', async () => {
    expect(await versions()).toEqual([expect.objectContaining({ version: 1, active: true })]);
    await page.goto(`${system.apiUrl}/studio#/bots/${DEMO_BOT}/flows/main`);
    await node(page, 'referral-link').waitFor();
    // The versions panel is open while publishing: it hears of the new version by itself.
    await page.getByRole('tab', { name: 'Versions' }).click();
    await page.getByTestId('version-1').getByText('active', { exact: true }).waitFor();

    // A change on the canvas: the referral branch goes, its trigger and its message (each selected, then the Delete key).
    for (const id of ['on-referral', 'referral-link']) {
      await node(page, id).click();
      await page.keyboard.press('Delete');
      await node(page, id).waitFor({ state: 'detached' });
    }
    await page.getByTestId('save-status').filter({ hasText: 'Draft saved' }).waitFor();
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByText('Published as version 2.').waitFor();

    // The list refreshed after the publish: version 2 is there and active.
    await page.getByTestId('version-2').getByText('active', { exact: true }).waitFor();
    expect(await page.getByTestId('version-1').getByText('active', { exact: true }).count()).toBe(0);
    await shot(page, '1-versions');

    // Version 1 on the canvas, read-only: the node is back in the picture.
    await page.getByRole('button', { name: 'View version 1' }).click();
    await pictureTitle(page, 'Version 1').waitFor();
    await node(page, 'referral-link').waitFor();

    // 1 → 2 on the canvas: the removed node is drawn, marked removed, and its edge too.
    await page.getByLabel('compare from').selectOption('1');
    await page.getByLabel('compare to').selectOption('2');
    await page.getByRole('button', { name: 'Show changes' }).click();
    await pictureTitle(page, 'Changes from version 1 to version 2').waitFor();
    await hasClass(page, 'referral-link', 'diff-removed');
    await hasClass(page, 'on-referral', 'diff-removed');
    expect(await node(page, 'referral-link').getAttribute('class')).not.toMatch(/diff-added|diff-changed/);
    expect(await node(page, 'menu').getAttribute('class')).not.toMatch(/diff-/);
    await page.locator('.react-flow__edge.diff-removed').first().waitFor();
    await page.getByTestId('diff-summary').getByText('2 nodes: 2 removed').waitFor();
    await shot(page, '2-diff');

    // The draft against version 1 shows the same change; the way back gives the canvas to the draft.
    await page.getByLabel('compare to').selectOption('draft');
    await page.getByRole('button', { name: 'Show changes' }).click();
    await pictureTitle(page, 'Changes from version 1 to the draft').waitFor();
    await hasClass(page, 'referral-link', 'diff-removed');
    await page.getByRole('button', { name: 'Back to the draft' }).click();
    await node(page, 'referral-link').waitFor({ state: 'detached' });
    await page.getByTestId('diff-summary').waitFor({ state: 'detached' });

    // Rollback, after a confirmation: cancelling changes nothing.
    await page.getByRole('button', { name: 'Activate version 1' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await versions()).find((v) => v.active)?.version).toBe(2);
    await page.getByRole('button', { name: 'Activate version 1' }).click();
    await shot(page, '3-rollback-confirm');
    await page.getByRole('button', { name: 'Yes, activate version 1' }).click();
    await page.getByText('Version 1 is the active one now').waitFor();
    await page.getByTestId('version-1').getByText('active', { exact: true }).waitFor();
    expect((await versions()).filter((v) => v.active).map((v) => v.version)).toEqual([1]);
    expect(cspViolations).toEqual([]);
  });

  it('shows a read-only token the flow, versions and diffs, but no way to change them (and the API refuses)', async () => {
    const readonly = await openPage(READONLY_TOKEN);
    await readonly.goto(`${system.apiUrl}/studio#/bots/${DEMO_BOT}/flows/main`);
    await readonly.getByText('read-only', { exact: true }).waitFor();
    await node(readonly, 'start').waitFor();
    expect(await readonly.getByRole('button', { name: 'Publish', exact: true }).count()).toBe(0);

    await readonly.getByRole('tab', { name: 'Versions' }).click();
    await readonly.getByTestId('version-2').waitFor();
    expect(await readonly.getByRole('button', { name: /^Activate/ }).count()).toBe(0);
    await readonly.getByLabel('compare from').selectOption('1');
    await readonly.getByLabel('compare to').selectOption('2');
    await readonly.getByRole('button', { name: 'Show changes' }).click();
    await hasClass(readonly, 'referral-link', 'diff-removed');
    await shot(readonly, '4-readonly-diff');

    // The page's own context, with the token it signed in with: the API refuses any change.
    const attempts = await readonly.evaluate(
      async ({ token, ...paths }) => {
        const send = (method: string, url: string, body?: unknown) =>
          fetch(url, {
            method,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          }).then((r) => r.status);
        return {
          draft: await send('PUT', `${paths.flow}/draft`, { nodes: [], edges: [], variables: [] }),
          activate: await send('POST', `${paths.flow}/versions/2/activate`),
          simulator: await send('POST', `/simulator/telegram/emulator/bots/${paths.bot}/users/${paths.user}/text`, { text: '/start' }),
        };
      },
      { token: READONLY_TOKEN, flow: flowPath, bot: DEMO_BOT, user: SIMULATED_ID_BASE + 1 },
    );
    expect(attempts).toEqual({ draft: 403, activate: 403, simulator: 401 });
    expect((await versions()).filter((v) => v.active).map((v) => v.version)).toEqual([1]);

    await readonly.getByRole('tab', { name: 'Try it' }).click();
    await readonly.getByText('Try it needs the operator token').waitFor();
    expect(await messageBox(readonly).count()).toBe(0);
    await shot(readonly, '5-readonly-try-it');
    await readonly.context().close();
    expect(cspViolations).toEqual([]);
  });

  it('chats in Try it while the node the chat is at lights up, then shows the same chat in the execution view', async () => {
    const session = (await api<{ temporalUi: { url: string; namespace: string } | null }>('GET', '/api/session')).body;
    expect(session.temporalUi).not.toBeNull();

    await page.goto(`${system.apiUrl}/studio#/bots/${DEMO_BOT}/flows/main`);
    await page.getByRole('tab', { name: 'Try it' }).click();
    await page.getByText('Say something to the bot').waitFor();
    await messageBox(page).fill('/start');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const messages = page.getByTestId('chat-messages');
    await messages.getByText('Your balance: 500 credits.').waitFor();
    // The chat ran /start → … → menu: the path lights up on the editor's canvas, step by step in the timeline.
    await hasClass(page, 'menu', 'visited');
    await hasClass(page, 'start', 'visited');
    const timeline = page.getByTestId('timeline').locator('li');
    await timeline.first().waitFor();
    const stepsAfterStart = await timeline.count();

    await messages.getByRole('button', { name: '✨ Generate a story' }).last().click();
    await messages.getByText('What should the story be about? (3 to 200 characters)').waitFor();
    // The chat waits for the topic: that node is the active one, on the canvas and in the panel.
    await hasClass(page, 'topic', 'active');
    await page.getByTestId('try-it-node').filter({ hasText: 'topic' }).waitFor();
    await hasClass(page, 'ask-topic', 'visited');
    // The timeline grew: a step more than after /start.
    await timeline.nth(stepsAfterStart).waitFor();
    expect(await node(page, 'generate').getAttribute('class')).not.toMatch(/\bactive\b/);
    await shot(page, '6-try-it');

    // The same chat in the execution view: its flow version drawn with the path and the node it waits at.
    await page.getByRole('link', { name: 'Execution', exact: true }).click();
    await page.waitForURL((url) => url.hash === `#/executions/${encodeURIComponent(demoChat)}`);
    await page.locator('.picture-title', { hasText: 'version 1' }).waitFor();
    expect(await page.locator('.picture-title').textContent()).toMatch(/^The chat runs flow main, version 1 \(active\)/);
    await hasClass(page, 'topic', 'active');
    await hasClass(page, 'ask-topic', 'visited');
    await hasClass(page, 'on-story', 'visited');
    expect(await node(page, 'generate').getAttribute('class')).not.toMatch(/\bvisited\b|\bactive\b/);
    await page.getByTestId('current-node').filter({ hasText: 'topic' }).waitFor();
    await page.getByTestId('variables-run').waitFor();
    await page.getByTestId('timeline').locator('li').first().waitFor();
    expect(await page.getByTestId('temporal-link').getAttribute('href')).toBe(
      `${session.temporalUi!.url}/namespaces/${session.temporalUi!.namespace}/workflows/${encodeURIComponent(demoChat)}`,
    );
    await shot(page, '7-execution');

    // Live: the answer given elsewhere moves the chat on, and the view follows without a reload.
    const answered = await api(
      'POST',
      `/simulator/telegram/emulator/bots/${DEMO_BOT}/users/${SIMULATED_ID_BASE + 1}/text`,
      system.apiToken,
      {
        text: 'a brave fox',
        firstName: 'Demo',
      },
    );
    expect(answered.status).toBe(201);
    await hasClass(page, 'generate', 'visited');
    await hasClass(page, 'story-text', 'visited');
    await page.locator('[data-testid="node-topic"]:not(.active)').waitFor();
    // At rest after the story, the chat stays drawn on the version it ran.
    await page.locator('.picture-title', { hasText: 'The chat is at rest; it ran flow main, version 1' }).waitFor();
    await shot(page, '8-execution-at-rest');

    // The list, filtered by bot (the editor links to it), has the chat.
    await page.goto(`${system.apiUrl}/studio#/bots/${DEMO_BOT}/flows/main`);
    await page.getByRole('toolbar').getByRole('link', { name: 'Executions' }).click();
    await page.waitForURL((url) => url.hash === `#/executions?bot=${DEMO_BOT}`);
    await page.getByRole('link', { name: demoChat }).waitFor();
    await shot(page, '9-executions');
    // A page at a time: the chat and its story's job, one per page.
    await page.goto(`${system.apiUrl}/studio#/executions?bot=${DEMO_BOT}&limit=1`);
    const rows = page.locator('.execution-list tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    await page.getByRole('button', { name: 'More', exact: true }).click();
    await rows.nth(1).waitFor();
    expect((await page.locator('.execution-list tbody').innerText()).match(/chat:|generation:/g)?.sort()).toEqual(['chat:', 'generation:']);
    // A filter the API refuses says why.
    await page.goto(`${system.apiUrl}/studio#/executions?bot=${encodeURIComponent("x' OR 1=1")}`);
    await page.getByRole('alert').waitFor();

    // The story's generation job: its state and steps.
    await page.goto(`${system.apiUrl}/studio#/executions?type=generation`);
    await page.locator('.execution-list a').first().click();
    await page.getByTestId('job').getByText('completed', { exact: true }).waitFor();
    await page.getByTestId('timeline').getByText('completed', { exact: true }).first().waitFor();
    await shot(page, '10-generation');

    expect(cspViolations).toEqual([]);
    // Nothing carried a token in a URL: the studio sends it only as a header.
    expect(urls.filter((u) => u.includes(system.apiToken) || u.includes(READONLY_TOKEN))).toEqual([]);
  });
});
