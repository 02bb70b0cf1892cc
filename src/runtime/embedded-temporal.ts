import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger';
import { ManagedProcess } from './managed-process';
import { resolveTemporalCli } from './temporal-binaries';

export interface EmbeddedTemporalOptions {
  dataDir: string;
  namespace: string;
  port: number;
  uiPort: number;
  cliPath?: string;
  logger: Logger;
  /**
   * The codec server the Web UI decodes payloads with (`--ui-codec-endpoint`), when payloads are
   * encrypted. The dev server has no flag for the UI's "include cross-origin credentials": the
   * user turns it on in the UI's codec settings.
   */
  uiCodecEndpoint?: string;
  /** Extra `--dynamic-config-value` pairs, e.g. a low continue-as-new threshold in tests. */
  dynamicConfig?: Record<string, unknown>;
  startTimeoutMs?: number;
}

export interface EmbeddedTemporal {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` on a SQLite file under the data dir, so workflows survive a
 * restart, and waits until its frontend answers.
 */
export async function startEmbeddedTemporal(options: EmbeddedTemporalOptions): Promise<EmbeddedTemporal> {
  const cli = resolveTemporalCli(options.cliPath);
  fs.mkdirSync(options.dataDir, { recursive: true });
  const address = `127.0.0.1:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.join(options.dataDir, 'temporal.sqlite'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-ip',
    '127.0.0.1',
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    // The dev server's SQLite defaults are tuned for safety; these trade a little durability on
    // power loss (not on process crash) for much less fsync time on every history write.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
  ];
  options.logger.info({ cli, address }, 'starting embedded Temporal dev server');
  const server = ManagedProcess.start('temporal', cli, args, {
    pidFile: path.join(options.dataDir, 'temporal.pid'),
    logger: options.logger,
  });
  try {
    await waitUntilServing(address, server, options.startTimeoutMs ?? 60_000);
  } catch (err) {
    await server.stop('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    stop: () => server.stop('SIGTERM', 15_000),
  };
}

async function waitUntilServing(address: string, server: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!server.running) {
      throw new Error(`Temporal dev server exited during start-up:\n${server.recentOutput()}`);
    }
    try {
      // A short connect timeout: before the server listens, each attempt would otherwise wait it out.
      const connection = await Connection.connect({ address, connectTimeout: 200 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(
          `Temporal dev server did not answer on ${address} within ${timeoutMs} ms: ${String(err)}\n${server.recentOutput()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
