import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configVariables } from '../../src/config';

const root = path.resolve(__dirname, '..', '..');

interface ComposeService {
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
}

/**
 * There is no Docker engine here, so the production topology is checked by reading it: the
 * project's own services must only set variables the configuration knows, and run commands that
 * package.json defines.
 */
describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const scripts = Object.keys(
    (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
  );
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

  it.each(['api', 'worker'])('%s runs an npm script that package.json defines', (name) => {
    const command = compose.services[name]?.command ?? [];
    expect(command.slice(0, 2)).toEqual(['npm', 'run']);
    expect(scripts).toContain(command[2]);
  });
});
