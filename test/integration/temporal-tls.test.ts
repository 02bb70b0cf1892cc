import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { temporalConnectionOptions } from '../../src/temporal/connection-options';
import { temporalAddress, uniqueTaskQueue } from '../support/harness';
import { createUserNow } from '../support/workflows/probe';

const fixtures = path.resolve(__dirname, '../fixtures/tls');
const file = (name: string) => path.join(fixtures, name);

/**
 * The dev server (`temporal server start-dev`) has no TLS flags, so TLS is terminated in front of
 * it: a node:tls server with the test CA's server certificate that demands a client certificate
 * from that CA (mTLS, as Temporal Cloud's mTLS namespaces do) and passes the decrypted HTTP/2
 * through to the dev server. What each handshake presented is recorded.
 */
async function startTlsFront(): Promise<{
  address: string;
  handshakes: { serverName: string | false; clientCn?: string }[];
  close(): Promise<void>;
}> {
  const [host, port] = temporalAddress().split(':') as [string, string];
  const handshakes: { serverName: string | false; clientCn?: string }[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      key: fs.readFileSync(file('server.key')),
      cert: fs.readFileSync(file('server.pem')),
      ca: fs.readFileSync(file('ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      const peer = socket.getPeerCertificate();
      handshakes.push({ serverName: socket.servername || false, clientCn: String(peer?.subject?.CN ?? '') });
      const upstream = net.connect(Number(port), host);
      for (const s of [socket, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      }
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    handshakes,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a Temporal behind TLS with client certificates', () => {
  let front: Awaited<ReturnType<typeof startTlsFront>>;
  beforeAll(async () => {
    front = await startTlsFront();
  });
  afterAll(() => front.close());

  /** The options the project builds from these variables, for the TLS front. */
  const optionsFor = (env: Record<string, string>) => {
    const config = loadConfig({ TEMPORAL_ADDRESS: front.address, ...env }, '/nonexistent/.env');
    return temporalConnectionOptions(config, front.address);
  };
  const mtls = {
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key'),
  };

  it('runs a workflow with a client and a worker connected through mTLS from the configured variables', async () => {
    const options = optionsFor(mtls);
    const connection = await Connection.connect(options);
    const workerConnection = await NativeConnection.connect(options);
    try {
      const taskQueue = uniqueTaskQueue('tls');
      const worker = await Worker.create({
        connection: workerConnection,
        taskQueue,
        workflowBundle: await bundleWorkflowCode({
          workflowsPath: require.resolve('../support/workflows/probe'),
          logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) },
        }),
        activities: { createUser: async () => undefined },
      });
      const client = new Client({ connection });
      const result = await worker.runUntil(
        client.workflow.execute(createUserNow, { taskQueue, workflowId: `tls-probe-${taskQueue}`, args: ['over-tls'] }),
      );
      expect(result).toBe('over-tls');
    } finally {
      await workerConnection.close();
      await connection.close();
    }
    // Both the client (grpc-js) and the worker (Rust core) verified the server as temporal.test and presented the client certificate.
    expect(front.handshakes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(front.handshakes.map((h) => `${h.serverName}/${h.clientCn}`))).toEqual(new Set(['temporal.test/client']));
  });

  it('is refused without the client certificate, or when the server is not who TEMPORAL_TLS_SERVER_NAME says', async () => {
    const withoutClientCert = {
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: mtls.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    };
    await expect(NativeConnection.connect(optionsFor(withoutClientCert))).rejects.toThrow();
    await expect(NativeConnection.connect(optionsFor({ ...mtls, TEMPORAL_TLS_SERVER_NAME: 'other.test' }))).rejects.toThrow();
    await expect(
      NativeConnection.connect(optionsFor({ ...mtls, TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('other-ca.pem') })),
    ).rejects.toThrow();
    // The client connection retries until its deadline before it gives up: bounded here, it fails either way.
    await expect(Connection.connect({ ...optionsFor(withoutClientCert), connectTimeout: 3_000 })).rejects.toThrow();
  });
});
