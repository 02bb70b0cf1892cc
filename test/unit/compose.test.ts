import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configVariables } from '../../src/config';
import { image } from '../support/image';

const root = path.resolve(__dirname, '..', '..');

interface ComposeService {
  build?: unknown;
  command?: string[];
  healthcheck?: { test?: string[] };
  environment?: Record<string, string>;
}

/**
 * There is no Docker engine here, so the production topology is checked by reading it: the
 * project's own services must only set variables the configuration knows, and run compiled
 * entrypoints, which the image has (test/integration/image-steps.test.ts runs them as the image would).
 */
describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const appServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

  it('has the production topology: PostgreSQL, Temporal, its UI, the API and several workers', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'temporal', 'temporal-ui', 'worker']);
    expect(appServices.map(([name]) => name).sort()).toEqual(['api', 'worker']);
    expect((compose.services.worker as { deploy?: { replicas?: number } }).deploy?.replicas).toBeGreaterThan(1);
  });

  it.each(['api', 'worker'])('%s sets only variables the configuration schema knows', (name) => {
    const variables = Object.keys(compose.services[name]?.environment ?? {});
    expect(variables.length).toBeGreaterThan(0);
    expect(variables.filter((v) => !(configVariables as string[]).includes(v))).toEqual([]);
  });

  it.each(['api', 'worker'])('%s runs a compiled entrypoint with node, as the image has them', (name) => {
    const command = compose.services[name]?.command ?? image().command;
    expect(command).toEqual(['node', `dist/entrypoints/${name}.js`]);
    expect(fs.existsSync(path.join(root, 'src', 'entrypoints', `${name}.ts`))).toBe(true);
  });

  it("checks the worker's health where a worker serves it", () => {
    expect(compose.services.worker?.healthcheck?.test).toEqual(['CMD', 'node', 'dist/entrypoints/healthcheck.js', 'worker']);
    expect(compose.services.worker?.environment?.WORKER_METRICS_PORT).toMatch(/^[1-9]\d*$/);
  });
});
