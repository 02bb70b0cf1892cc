import net from 'node:net';

/**
 * `count` distinct loopback TCP ports that were free a moment ago, chosen by the OS (listen on
 * port 0). All listeners stay open until every port is known, so the OS cannot hand out the same
 * port twice within one call.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** The ports one embedded stack needs: API, Temporal gRPC, Temporal Web UI, PostgreSQL. */
export interface StackPorts {
  api: number;
  temporal: number;
  temporalUi: number;
  postgres: number;
}

export async function stackPorts(): Promise<StackPorts> {
  const [api, temporal, temporalUi, postgres] = (await freePorts(4)) as [number, number, number, number];
  return { api, temporal, temporalUi, postgres };
}
