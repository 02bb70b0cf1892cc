import fs from 'node:fs';
import { ENV_EXAMPLE, README, readmeWithTable } from '../../scripts/config-docs';
import { configSchema, loadConfig } from '../../src/config';
import { literalDefault, renderEnvExample } from '../../src/config-docs';
import { configReference } from '../../src/config-reference';

describe('configuration reference', () => {
  it('is what README.md and .env.example say (npm run config:docs writes them)', () => {
    const readme = fs.readFileSync(README, 'utf8');
    expect(readmeWithTable(readme)).toBe(readme);
    expect(fs.readFileSync(ENV_EXAMPLE, 'utf8')).toBe(renderEnvExample());
  });

  it('states the defaults the schema applies', () => {
    const defaults = configSchema.parse({}) as Record<string, unknown>;
    for (const [name, { default: fallback }] of Object.entries(configReference)) {
      const literal = literalDefault(fallback);
      const actual = defaults[name];
      if (literal === undefined)
        expect([name, actual === undefined || (Array.isArray(actual) && actual.length === 0)]).toEqual([name, true]);
      else expect([name, typeof actual === 'object' ? JSON.stringify(actual) : String(actual)]).toEqual([name, literal]);
    }
  });

  it('is a .env that loads as the defaults when copied unchanged', () => {
    expect(loadConfig({}, ENV_EXAMPLE)).toEqual(loadConfig({}, '/nonexistent/.env'));
  });
});
