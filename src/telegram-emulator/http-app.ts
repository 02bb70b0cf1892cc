import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import { controlApiRouter } from './control-api';
import type { EmulatorControl } from './context';
import { BotApiError } from './errors';
import { paramsFromBody, paramsFromQuery } from './request-params';
import type { ApiParams, ApiResponse, StartOptions } from './types';

/** `/bot<token>/<method>`, the path telegraf builds from its apiRoot. */
const BOT_API_PATH = /^\/bot([^/]+)\/([^/]+)$/;

function sendEnvelope(res: Response, response: ApiResponse): void {
  res.status(response.ok ? 200 : response.error_code).json(response);
}

async function botApiCall(emulator: EmulatorControl, req: Request, res: Response): Promise<void> {
  const [, token = '', method = ''] = BOT_API_PATH.exec(req.path) ?? [];
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  let params: ApiParams;
  try {
    const query = new URL(req.originalUrl, 'http://emulator').search;
    params = { ...paramsFromQuery(query), ...paramsFromBody(req.get('content-type'), body) };
  } catch (error) {
    if (error instanceof BotApiError) return sendEnvelope(res, error.toResponse());
    throw error;
  }
  // A long poll must stop waiting when telegraf aborts it (bot.stop()), or the next poll would
  // find it still registered and end it with a 409.
  const callerGone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) callerGone.abort();
  });
  const response = await emulator.callApi(decodeURIComponent(token), decodeURIComponent(method), params, {
    signal: callerGone.signal,
  });
  sendEnvelope(res, response);
}

const botApiErrors: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const tooLarge = typeof error === 'object' && error !== null && 'type' in error && error.type === 'entity.too.large';
  const failure = tooLarge
    ? new BotApiError(413, 'Request Entity Too Large')
    : new BotApiError(500, `Internal Server Error: ${error instanceof Error ? error.message : String(error)}`);
  sendEnvelope(res, failure.toResponse());
};

/** The emulator's HTTP face: the Bot API under /bot<token>/<method>, the control API under /emulator. */
export function createEmulatorApp(emulator: EmulatorControl): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use('/emulator', controlApiRouter(emulator));
  // Bodies are read raw and decoded by the same code that reads webhook replies.
  app.all(BOT_API_PATH, express.raw({ type: () => true, limit: '50mb' }), (req, res) => botApiCall(emulator, req, res));
  app.use((_req, res) => sendEnvelope(res, new BotApiError(404, 'Not Found').toResponse()));
  app.use(botApiErrors);
  return app;
}

export interface ServingEmulator {
  url: string;
  close(): Promise<void>;
}

/** Listens on loopback by default; port 0 takes a free one. */
export function serveEmulator(emulator: EmulatorControl, options: StartOptions): Promise<ServingEmulator> {
  const host = options.host ?? '127.0.0.1';
  const app = createEmulatorApp(emulator);
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(options.port ?? 0, host);
    // Outlive the idle timeout of Node's keep-alive agent (telegraf's), so the server never closes
    // a socket at the moment the client reuses it, which the client would see as "socket hang up".
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${urlHost}:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Long polls, event streams and keep-alive sockets would otherwise hold close() open.
            server.closeAllConnections();
          }),
      });
    });
  });
}
