import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, simulatorEnabled } from '../../src/config';

const noEnvFile = '/nonexistent/.env';

describe('configuration', () => {
  it('runs on local defaults when nothing is set', () => {
    const config = loadConfig({}, noEnvFile);
    expect(config).toMatchObject({
      PORT: 3000,
      DATA_DIR: '.data',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_PORT: 7233,
      TEMPORAL_UI_PORT: 8233,
      TELEGRAM_MODE: 'polling',
      GENERATION_PROVIDER: 'fake',
    });
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('runs the simulator on its own only in local development on loopback; elsewhere it is opt-in', () => {
    const enabled = (env: Record<string, string>) => simulatorEnabled(loadConfig(env, noEnvFile));
    expect(loadConfig({}, noEnvFile).API_HOST).toBe('127.0.0.1');
    expect(enabled({})).toBe(true);
    expect(enabled({ API_HOST: '::1' })).toBe(true);
    expect(enabled({ API_HOST: '0.0.0.0' })).toBe(false);
    expect(enabled({ NODE_ENV: 'test' })).toBe(false);
    expect(enabled({ NODE_ENV: 'production', API_TOKEN: 'x'.repeat(16) })).toBe(false);
    expect(enabled({ SIMULATOR: 'off' })).toBe(false);
    expect(enabled({ SIMULATOR: 'on', API_HOST: '0.0.0.0' })).toBe(true);
  });

  it('names every bad variable at once, with the reason', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TELEGRAM_MODE: 'carrier-pigeon', API_TOKEN: 'short' }, noEnvFile);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual(['API_TOKEN', 'DATABASE_URL', 'PORT', 'TELEGRAM_MODE']);
    expect((error as ConfigError).message).toMatch(/API_TOKEN: must be at least 16 characters/);
  });

  it('reads a .env file, and the environment wins over it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'env-'));
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, '# local settings\nPORT=4000\nexport LOG_LEVEL="debug"\nTEMPORAL_NAMESPACE=from-file\n');
    const config = loadConfig({ TEMPORAL_NAMESPACE: 'from-env' }, file);
    expect(config).toMatchObject({ PORT: 4000, LOG_LEVEL: 'debug', TEMPORAL_NAMESPACE: 'from-env' });
    fs.rmSync(dir, { recursive: true });
  });

  it('treats empty variables as unset, as compose files and shells often produce them', () => {
    expect(loadConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: '' }, noEnvFile).DATABASE_URL).toBeUndefined();
  });

  it('reads TEMPORAL_UI_URL as an http(s) base URL without a trailing slash, for links to be appended to', () => {
    const url = (value: string) => loadConfig({ TEMPORAL_UI_URL: value }, noEnvFile).TEMPORAL_UI_URL;
    expect(url('https://temporal.example.com/')).toBe('https://temporal.example.com');
    expect(url(' http://127.0.0.1:8233 ')).toBe('http://127.0.0.1:8233');
    expect(url('')).toBeUndefined();
    expect(() => url('temporal.example.com')).toThrow(/TEMPORAL_UI_URL: must be an http\(s\) URL/);
    expect(() => url('javascript:alert(1)')).toThrow(/TEMPORAL_UI_URL/);
  });

  it('stops the process with a message naming each bad variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/entrypoints/start.ts'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { PATH: process.env.PATH, PORT: '-1', TEMPORAL_ADDRESS: 'not an address', LOG_LEVEL: 'loud' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    for (const variable of ['PORT', 'TEMPORAL_ADDRESS', 'LOG_LEVEL']) expect(result.stderr).toContain(`${variable}:`);
  });
});
