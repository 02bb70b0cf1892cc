import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { describeInChromium, launchChromium } from '../support/browser';
import { embeddedStackEnv, startSystem, type RunningSystem } from '../support/system-process';

const describeInBrowser = describeInChromium('studio editor');
const artifacts = path.resolve(__dirname, '..', '..', 'test-artifacts', 'studio');
const BOT = '1000000001';
const READONLY_TOKEN = 'studio-editor-readonly-token';
const FLOW = 'from-scratch';

/**
 * An operator builds a flow in the studio from an empty canvas – palette, properties form, edges
 * drawn with the mouse, a validation error found and fixed – publishes it, and the published
 * version is exactly what was drawn.
 */
describeInBrowser('the studio editor, in Chromium', () => {
  let dataDir: string;
  let system: RunningSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  /** Uncaught errors in the page (a render loop, a crash): none may happen. */
  const pageErrors: string[] = [];

  const api = async <T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${system.apiUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${system.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  const shot = (p: Page, name: string) => p.screenshot({ path: path.join(artifacts, `editor-${name}.png`) });

  async function openStudio(ctx: BrowserContext, token = system.apiToken): Promise<Page> {
    const p = await ctx.newPage();
    p.on('console', (message) => {
      if (/content security policy/i.test(message.text())) cspViolations.push(message.text());
    });
    p.on('pageerror', (error) => pageErrors.push(error.message));
    await p.goto(`${system.apiUrl}/studio`);
    await p.getByLabel('API token').fill(token);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Bots and flows' }).waitFor();
    return p;
  }

  const node = (id: string, p: Page = page) => p.getByTestId(`node-${id}`);
  const properties = (p: Page = page) => p.getByTestId('properties');
  const field = (key: string, p: Page = page) => properties(p).locator(`[data-field="${key}"]`);
  const input = (key: string, p: Page = page) => field(key, p).locator('input, textarea, select').first();
  const tab = (name: string, p: Page = page) => p.getByRole('tab', { name: new RegExp(`^${name}`) });

  /**
   * Runs in the page: whether the node's card is drawn inside the visible canvas (the canvas culls
   * nodes out of view). Typed without the DOM library, which this project's tests do not load.
   */
  const drawnInView = (id: string): boolean => {
    type Box = { left: number; right: number; top: number; bottom: number };
    const { document } = globalThis as unknown as { document: { querySelector(s: string): { getBoundingClientRect(): Box } | null } };
    const card = document.querySelector(`[data-testid="node-${id}"]`)?.getBoundingClientRect();
    const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    return Boolean(
      card && canvas && card.left >= canvas.left && card.right <= canvas.right && card.top >= canvas.top && card.bottom <= canvas.bottom,
    );
  };

  async function centre(locator: Locator): Promise<{ x: number; y: number }> {
    const box = await locator.boundingBox();
    if (!box) throw new Error('not visible');
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  /** Draws an edge as a user does: press on the output handle, move to the target's input, release. */
  async function connect(source: string, handle: string, target: string) {
    const from = await centre(node(source).locator(`.node-handle-row[data-handle="${handle}"] .react-flow__handle`));
    const to = await centre(node(target).locator('.react-flow__handle[data-handleid="in"]'));
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 8 });
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    await page.locator(`.react-flow__edge[data-id="${source}-${handle}"]`).waitFor();
  }

  const savedDraft = async () => {
    await page.getByTestId('save-status').filter({ hasText: 'Draft saved' }).waitFor();
    return (await api<{ draft: { nodes: { id: string; data: Record<string, unknown> }[] } }>('GET', `/api/bots/${BOT}/flows/${FLOW}`)).body
      .draft;
  };

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bots-studio-editor-'));
    fs.chmodSync(dataDir, 0o755);
    system = await startSystem({
      ...(await embeddedStackEnv(dataDir)),
      API_READONLY_TOKEN: READONLY_TOKEN,
      FAKE_PROVIDER_LATENCY_MS: '0',
      LOG_LEVEL: 'warn',
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await openStudio(context);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds a flow from an empty canvas with the palette, the properties form and edges drawn on the canvas', async () => {
    const card = page.getByRole('region', { name: /^bot / }).first();
    await card.getByLabel('New flow id').fill(FLOW);
    await card.getByLabel('from').selectOption('empty');
    await card.getByRole('button', { name: 'Create flow' }).click();
    await page.getByTestId('canvas').waitFor();
    await shot(page, '1-empty');

    // The palette searches type and summary; a click adds the node in the middle of the view and selects it.
    await page.getByLabel('search nodes').fill('command such as');
    expect(await page.getByRole('button', { name: /^add / }).count()).toBe(1);
    await page.getByRole('button', { name: 'add trigger.command' }).click();
    await page.getByLabel('search nodes').fill('');
    await node('command-1').waitFor();
    expect(await field('command').locator('.required').count()).toBe(1);
    await input('command').fill('/start');

    // A drag from the palette drops a node where it is let go.
    await page.getByRole('button', { name: 'add message.text' }).dragTo(page.getByTestId('canvas'), { targetPosition: { x: 30, y: 30 } });
    await node('text-1').click();
    await input('text').fill('Hello! Want more?');
    await properties().getByLabel('keyboard type').selectOption('inline');
    await field('keyboard.rows.0.0.text').locator('input').fill('More');
    await field('keyboard.rows.0.0.callbackData').locator('input').fill('more');

    // Keyboard users: Enter on a palette entry adds it.
    await page.getByRole('button', { name: 'add trigger.callback' }).focus();
    await page.keyboard.press('Enter');
    await node('callback-1').waitFor();
    await input('data').fill('more');
    expect(await input('match').inputValue()).toBe('exact');

    await page.getByRole('button', { name: 'add message.text' }).click();
    await node('text-2').waitFor();
    await shot(page, '2-nodes');

    await page.getByRole('button', { name: 'Auto layout' }).click();
    await connect('command-1', 'next', 'text-1');
    await connect('callback-1', 'next', 'text-2');
    await shot(page, '3-connected');

    // The reply still has no text: the validator's error is listed, marked on the node and under the field.
    await page.getByTestId('problem-count').filter({ hasText: '1 error' }).waitFor();
    await page.locator('[data-testid="node-text-2"].problem').waitFor();
    // Panned far away from it, choosing the problem brings the node back into view.
    const pane = (await page.getByTestId('canvas').boundingBox())!;
    for (let i = 0; i < 3; i++) {
      await page.mouse.move(pane.x + pane.width - 30, pane.y + 30);
      await page.mouse.down();
      await page.mouse.move(pane.x + 30, pane.y + 30, { steps: 5 });
      await page.mouse.up();
    }
    expect(await page.evaluate(drawnInView, 'text-2')).toBe(false);
    await tab('Problems').click();
    expect(await page.getByTestId('problem-counts').textContent()).toMatch(/^1 error, \d+ warnings?/);
    await page.getByRole('button', { name: /missing-field nodes\[3\]\.data\.text/ }).click();
    await field('text').and(page.locator('.focused')).waitFor();
    await page.waitForFunction(drawnInView, 'text-2');
    expect(await field('text').locator('.field-problem').textContent()).toBeTruthy();
    expect(await node('text-2').getAttribute('class')).toContain('selected');
    await shot(page, '4-problem');

    await input('text').fill('Here is more.');
    await page.getByTestId('problem-count').filter({ hasText: 'No errors' }).waitFor();
    expect(await page.locator('.node-card.problem').count()).toBe(0);
    await node('text-2').filter({ hasText: 'Here is more.' }).waitFor();
    await shot(page, '5-fixed');

    const draft = await savedDraft();
    expect(draft.nodes.find((n) => n.id === 'text-1')?.data).toEqual({
      text: 'Hello! Want more?',
      keyboard: { type: 'inline', rows: [[{ text: 'More', callbackData: 'more' }]] },
    });
  });

  it('undoes and redoes an edit with Ctrl+Z outside text fields, visibly on the canvas', async () => {
    await page.locator('.crumb-title').click();
    await input('text').fill('Here is more!');
    await node('text-2').filter({ hasText: 'Here is more!' }).waitFor();
    // Out of the text field, Ctrl+Z is the flow's undo: typing in one field was one step.
    await page.locator('.crumb-title').click();
    await page.keyboard.press('Control+z');
    await node('text-2').filter({ hasText: 'Here is more.' }).waitFor();
    expect(await input('text').inputValue()).toBe('Here is more.');
    await page.keyboard.press('Control+Shift+z');
    await node('text-2').filter({ hasText: 'Here is more!' }).waitFor();
    await page.getByRole('button', { name: 'Undo' }).click();
    await node('text-2').filter({ hasText: 'Here is more.' }).waitFor();
    await shot(page, '6-undo');
  });

  it('renames a node (its edges follow, a taken id is refused) and marks a handle as deliberately open', async () => {
    await node('text-1').click();
    await input('#id').fill('callback-1');
    await field('#id').locator('.field-problem').waitFor();
    await input('#id').fill('welcome');
    await input('#id').press('Enter');
    await node('welcome').waitFor();
    await page.locator('.react-flow__edge[data-id="command-1-next"]').waitFor();
    await page
      .getByRole('region', { name: 'output handles' })
      .getByLabel(/leave open/)
      .check();
    await node('welcome').locator('.node-handle-row.open[data-handle="next"]').waitFor();
    await page.locator('.crumb-title').click();
    await page.keyboard.press('Control+z');
    expect(await node('welcome').locator('.node-handle-row.open').count()).toBe(0);
  });

  it('publishes: the published version has the four nodes and the edges with their handles', async () => {
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published as version 1' }).waitFor();
    await shot(page, '7-published');
    const version = await api<{
      definition: {
        nodes: { id: string; type: string; data: unknown }[];
        edges: { source: string; sourceHandle?: string; target: string }[];
      };
    }>('GET', `/api/bots/${BOT}/flows/${FLOW}/versions/1`);
    expect(version.status).toBe(200);
    const { nodes, edges } = version.body.definition;
    expect(nodes.map((n) => [n.id, n.type]).sort()).toEqual([
      ['callback-1', 'trigger.callback'],
      ['command-1', 'trigger.command'],
      ['text-2', 'message.text'],
      ['welcome', 'message.text'],
    ]);
    expect(nodes.find((n) => n.id === 'command-1')?.data).toEqual({ command: '/start' });
    expect(nodes.find((n) => n.id === 'callback-1')?.data).toEqual({ data: 'more', match: 'exact' });
    expect(nodes.find((n) => n.id === 'text-2')?.data).toEqual({ text: 'Here is more.' });
    expect(edges.map((e) => `${e.source}.${e.sourceHandle}->${e.target}`).sort()).toEqual([
      'callback-1.next->text-2',
      'command-1.next->welcome',
    ]);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('edits variables and follows a problem into the variables panel', async () => {
    await tab('Variables').click();
    await page.getByRole('button', { name: 'Add variable' }).click();
    const variable = page.getByTestId('variable-0');
    await variable.locator('[data-field="name"] input').fill('topic');
    await variable.locator('[data-field="scope"] select').selectOption('user');
    await variable.locator('[data-field="ttlMs"] input').fill('90000');
    expect(await variable.getByTestId('duration-hint').textContent()).toBe('= 1 min 30 s');
    await variable.locator('[data-field="type"] select').selectOption('number');
    await variable.locator('[data-field="default"] input').fill('3');
    // A run variable cannot have a TTL: the draft keeps it, the problem says so.
    await variable.locator('[data-field="scope"] select').selectOption('run');
    await tab('Problems').click();
    await page.getByRole('button', { name: /variables\[0\]\.ttlMs/ }).click();
    await page.locator('[data-testid="variable-0"].focused [data-field="ttlMs"].focused').waitFor();
    await shot(page, '8-variables');
    // A template offers the declared variables (and context names, functions) as one types a placeholder.
    await tab('Properties').click();
    await node('text-2').click();
    await input('text').click();
    await input('text').press('End');
    await page.keyboard.type(' {{ run.to');
    await properties()
      .getByRole('listbox', { name: 'suggestions' })
      .getByRole('option', { name: /run\.topic/ })
      .waitFor();
    await page.keyboard.press('Enter');
    await page.keyboard.type(' }}');
    expect(await input('text').inputValue()).toBe('Here is more. {{ run.topic }}');
    await shot(page, '9-suggestions');
    await tab('Variables').click();
    await page.getByTestId('variable-0').getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No variables declared.').waitFor();
  });

  it('warns the second of two editors of the same draft: its save meets the conflict banner', async () => {
    await savedDraft();
    const other = await openStudio(await browser.newContext({ viewport: { width: 1400, height: 900 } }));
    await other.goto(`${system.apiUrl}/studio#/bots/${BOT}/flows/${FLOW}`);
    await node('text-2', other).click();
    await tab('Properties').click();
    await node('text-2').click();
    // The first editor saves…
    await input('label').fill('first');
    await savedDraft();
    // …then the second, who loaded the draft before that save, is refused and asked whose draft to keep.
    await input('label', other).fill('second');
    await other.getByRole('alert').filter({ hasText: 'Someone else saved this draft' }).waitFor();
    await shot(other, '10-conflict');
    await other.getByRole('button', { name: /Load theirs/ }).click();
    await node('text-2', other).click();
    expect(await input('label', other).inputValue()).toBe('first');
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('shows a read-only token everything and lets it change nothing', async () => {
    const before = (await api<{ draftRevision: number }>('GET', `/api/bots/${BOT}/flows/${FLOW}`)).body.draftRevision;
    const viewer = await openStudio(await browser.newContext({ viewport: { width: 1400, height: 900 } }), READONLY_TOKEN);
    await viewer.goto(`${system.apiUrl}/studio#/bots/${BOT}/flows/${FLOW}`);
    await node('text-2', viewer).click();
    await field('text', viewer).waitFor();
    expect(await input('text', viewer).isDisabled()).toBe(true);
    expect(await input('#id', viewer).isDisabled()).toBe(true);
    expect(await viewer.getByRole('complementary', { name: 'node palette' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Undo' }).count()).toBe(0);
    await tab('Variables', viewer).click();
    expect(await viewer.getByRole('button', { name: 'Add variable' }).count()).toBe(0);
    await viewer.locator('.crumb-title').click();
    await viewer.keyboard.press('Delete');
    await viewer.keyboard.press('Control+z');
    // The selected node was not deleted, nothing was undone.
    await node('text-2', viewer).filter({ hasText: 'Here is more.' }).waitFor();
    await shot(viewer, '11-readonly');
    expect((await api<{ draftRevision: number }>('GET', `/api/bots/${BOT}/flows/${FLOW}`)).body.draftRevision).toBe(before);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
