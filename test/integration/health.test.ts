import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createDatabase, type Database } from '../../src/db/client';
import { loadConfig } from '../../src/config';
import { TokenCipher } from '../../src/bots/token-cipher';
import { appFor } from '../../src/app/services';
import { createLogger } from '../../src/logger';
import { freePort } from '../support/ports';
import { createTestDatabase, temporalAddress } from '../support/harness';

/**
 * Readiness must tell an orchestrator which dependency is down, not just that something is, and
 * must not tell an anonymous caller where the internal services live.
 */
describe('readiness', () => {
  let connection: Connection;
  let temporal: Client;
  const servers: http.Server[] = [];

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    temporal = new Client({ connection });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await connection.close();
  });

  async function serve(db: Database): Promise<string> {
    const app = appFor({
      db,
      temporal,
      config: loadConfig({}, '/nonexistent/.env'),
      logger: createLogger('silent'),
      apiToken: 'a-test-token-of-enough-length',
      cipher: new TokenCipher('a-test-key-of-enough-length'),
    });
    const server = http.createServer(app).listen(0);
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('is ready when Temporal and PostgreSQL both answer', async () => {
    const database = await createTestDatabase();
    const url = await serve(database.db);
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
    await database.drop();
  });

  it('answers 503 and names PostgreSQL when the database is unreachable', async () => {
    const unreachable = createDatabase(`postgres://nobody:nothing@127.0.0.1:${await freePort()}/none`);
    const url = await serve(unreachable);
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    const text = await response.text();
    const body = JSON.parse(text) as { checks: { temporal: { ok: boolean }; postgres: { ok: boolean; error?: string } } };
    expect(body.checks.temporal.ok).toBe(true);
    expect(body.checks.postgres.ok).toBe(false);
    // No raw error for anonymous callers: it names the database host and port. (The latencies are
    // numbers too: a check that took 10 ms or more would look like a port.)
    const withoutLatencies = text.replace(/"latencyMs":\d+/g, '"latencyMs":0');
    expect(withoutLatencies).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|\d+\.\d+\.\d+\.\d+|:\d{2,5}\b/);
    const detailed = (await (
      await fetch(`${url}/readyz`, { headers: { authorization: 'Bearer a-test-token-of-enough-length' } })
    ).json()) as typeof body;
    expect(detailed.checks.postgres.error).toMatch(/ECONNREFUSED/);
    await unreachable.$client.end();
  });
});
