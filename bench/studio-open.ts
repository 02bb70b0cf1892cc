/**
 * How long the studio takes to open a big flow and answer a click, in headless Chromium, against a
 * small flow opened the same way in the same run (machines here are noisy: the ratio is the
 * figure), and the size of what the browser downloads.
 *
 *   npm run bench:studio [-- --nodes=300 --rounds=7]
 *
 * The `start` entrypoint runs (embedded Temporal and PostgreSQL, API, worker, simulator); the
 * demo bot gets two drafts: the floor (3 nodes) and the big flow (`--nodes`, a chain of
 * messages with a condition every tenth node, laid out on a grid), and a third, the big flow
 * without positions, which the studio lays out itself on opening. Each round opens each flow in a
 * fresh page of one signed-in tab (the token stays in sessionStorage) and measures, in the page's
 * own clock from navigation start:
 *  - open: the canvas shows nodes and the validation result (the error count) is on screen;
 *  - interactive: a click on a node has selected it and the properties panel shows it (measured
 *    from the click).
 * Figures: p50 per flow, big ÷ floor, and the JS heap after opening; bundle bytes (minified and
 * gzipped, as served).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { studioAssetsDir } from '../src/studio/bundle';
import { makeDataDir, removeDataDir } from './support/data-dir';
import { BenchProcess, onInterrupt, runBench } from './support/entrypoint';
import { intOption } from './support/options';
import { stackPorts } from './support/ports';
import { printBlock, printJsonLine, progress, releaseDataDir, type Row } from './support/report';
import { randomApiToken, stackEnv, waitForReady } from './support/stack';
import { median, round } from './support/stats';
import { benchFlow } from './support/studio-flow';

const NODES = intOption('nodes', 'BENCH_NODES', 300);
const ROUNDS = intOption('rounds', 'BENCH_ROUNDS', 7);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Opened {
  openMs: number;
  clickMs: number;
  heapMb: number | null;
}

async function openFlow(page: Page, baseUrl: string, botId: string, flowId: string): Promise<Opened> {
  await page.goto('about:blank');
  await page.goto(`${baseUrl}/studio#/bots/${botId}/flows/${flowId}`);
  await page.locator('.react-flow__node').first().waitFor();
  await page.getByTestId('problem-count').waitFor();
  const openMs = await page.evaluate(() => performance.now());
  // The first node drawn (a big flow fitted into view may leave some out: React Flow draws the visible ones).
  const node = page.locator('.react-flow__node').first();
  const nodeId = (await node.getAttribute('data-id')) ?? '';
  const started = await page.evaluate(() => performance.now());
  await node.click();
  await page.locator('.side-panel').getByText(nodeId, { exact: false }).first().waitFor();
  const clickMs = (await page.evaluate(() => performance.now())) - started;
  const heap = await page.evaluate(
    () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null,
  );
  return { openMs, clickMs, heapMb: heap === null ? null : heap / 1024 / 1024 };
}

async function main(): Promise<boolean> {
  const dataDir = makeDataDir('bench-studio');
  onInterrupt(() => removeDataDir(dataDir));
  const ports = await stackPorts();
  const token = randomApiToken();
  const env = stackEnv(dataDir, ports, token, { LOG_LEVEL: 'warn' });
  const baseUrl = `http://127.0.0.1:${ports.api}`;
  progress(`starting the system on ${baseUrl}`);
  const proc = BenchProcess.spawn('start', env, 'start');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--enable-precise-memory-info'],
  });
  try {
    await waitForReady(baseUrl, proc, 180_000);
    const api = async (method: string, url: string, body?: unknown) => {
      const response = await fetch(`${baseUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const bots = (await api('GET', '/api/bots')).items as { id: string }[];
    const botId = bots[0]!.id;
    const flows = {
      floor: benchFlow(3, true),
      big: benchFlow(NODES, true),
      unpositioned: benchFlow(NODES, false),
    };
    for (const [name, flow] of Object.entries(flows)) await api('PUT', `/api/bots/${botId}/flows/bench-${name}/draft`, flow);

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${baseUrl}/studio`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Executions' }).waitFor();

    const results: Record<keyof typeof flows, Opened[]> = { floor: [], big: [], unpositioned: [] };
    // One warm-up of each (the first load compiles the bundle's code), then the measured rounds.
    for (const name of Object.keys(flows) as (keyof typeof flows)[]) await openFlow(page, baseUrl, botId, `bench-${name}`);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of Object.keys(flows) as (keyof typeof flows)[]) {
        results[name].push(await openFlow(page, baseUrl, botId, `bench-${name}`));
      }
      progress(
        `round ${round}/${ROUNDS}: ${Object.entries(results)
          .map(([n, r]) => `${n} ${r.at(-1)!.openMs.toFixed(0)} ms`)
          .join(', ')}`,
      );
    }

    const assets = studioAssetsDir();
    const bytes = Object.fromEntries(
      ['studio.js', 'studio.js.gz', 'studio.css', 'studio.css.gz'].map((f) => [f, fs.statSync(path.join(assets, f)).size]),
    );
    const p50 = (name: keyof typeof flows, key: 'openMs' | 'clickMs') => median(results[name].map((r) => r[key]));
    const heap = (name: keyof typeof flows) => {
      const values = results[name].map((r) => r.heapMb).filter((v): v is number => v !== null);
      return values.length ? median(values) : null;
    };
    const rows: Row[] = [
      ['open, floor (3 nodes)', `${p50('floor', 'openMs').toFixed(0)} ms p50`],
      [
        `open, ${NODES} nodes`,
        `${p50('big', 'openMs').toFixed(0)} ms p50   ${(p50('big', 'openMs') / p50('floor', 'openMs')).toFixed(2)}× floor`,
      ],
      [
        `open, ${NODES} nodes, laid out on opening`,
        `${p50('unpositioned', 'openMs').toFixed(0)} ms p50   ${(p50('unpositioned', 'openMs') / p50('floor', 'openMs')).toFixed(2)}× floor`,
      ],
      ['click → properties, floor', `${p50('floor', 'clickMs').toFixed(0)} ms p50`],
      [
        `click → properties, ${NODES} nodes`,
        `${p50('big', 'clickMs').toFixed(0)} ms p50   ${(p50('big', 'clickMs') / p50('floor', 'clickMs')).toFixed(2)}× floor`,
      ],
      ['JS heap after open', `floor ${heap('floor')?.toFixed(1) ?? '–'} MB, ${NODES} nodes ${heap('big')?.toFixed(1) ?? '–'} MB`],
      ['', ''],
      [
        'bundle',
        `studio.js ${(bytes['studio.js']! / 1024).toFixed(0)} KiB (${(bytes['studio.js.gz']! / 1024).toFixed(0)} KiB gzipped, as served)`,
      ],
      ['', `studio.css ${(bytes['studio.css']! / 1024).toFixed(0)} KiB (${(bytes['studio.css.gz']! / 1024).toFixed(0)} KiB gzipped)`],
    ];
    printBlock(`studio: open a ${NODES}-node flow in headless Chromium (${ROUNDS} rounds)`, rows);
    printJsonLine('studio-open', {
      nodes: NODES,
      rounds: ROUNDS,
      openMsP50: {
        floor: round(p50('floor', 'openMs')),
        big: round(p50('big', 'openMs')),
        unpositioned: round(p50('unpositioned', 'openMs')),
      },
      clickMsP50: { floor: round(p50('floor', 'clickMs')), big: round(p50('big', 'clickMs')) },
      openRatio: round(p50('big', 'openMs') / p50('floor', 'openMs'), 2),
      heapMb: { floor: heap('floor'), big: heap('big') },
      bytes,
    });
    return true;
  } finally {
    await browser.close();
    await proc.stop();
    releaseDataDir(dataDir);
  }
}

runBench('studio-open', main);
