import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { Config } from '../config';

/** The variables a connection to Temporal is built from (checked for consistency by `loadConfig`). */
export type TemporalConnectionConfig = Pick<
  Config,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_API_KEY'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'
  | 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_TLS_CLIENT_CERT_PATH'
  | 'TEMPORAL_TLS_CLIENT_CERT_DATA'
  | 'TEMPORAL_TLS_CLIENT_KEY_PATH'
  | 'TEMPORAL_TLS_CLIENT_KEY_DATA'
>;

/** What both `Connection.connect` (client) and `NativeConnection.connect` (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | false;
  apiKey?: string;
}

/** A connection setting that cannot be used: the message names the variable. */
export class TemporalConnectionError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'TemporalConnectionError';
  }
}

/** PEM from a file (read now, so a missing file stops the start) or from the variable itself. */
function pem(config: TemporalConnectionConfig, what: 'SERVER_CA_CERT' | 'CLIENT_CERT' | 'CLIENT_KEY'): Buffer | undefined {
  const pathVariable = `TEMPORAL_TLS_${what}_PATH` as const;
  const dataVariable = `TEMPORAL_TLS_${what}_DATA` as const;
  const file = config[pathVariable];
  let text: Buffer | undefined;
  let variable: string = dataVariable;
  if (file !== undefined) {
    variable = pathVariable;
    try {
      text = fs.readFileSync(file);
    } catch (err) {
      throw new TemporalConnectionError(pathVariable, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  } else if (config[dataVariable] !== undefined) {
    // Inline PEM often arrives with its line breaks escaped (one-line environment values).
    text = Buffer.from((config[dataVariable] as string).replace(/\\n/g, '\n'));
  }
  if (text === undefined) return undefined;
  const expected = what === 'CLIENT_KEY' ? /-----BEGIN [A-Z ]*PRIVATE KEY-----/ : /-----BEGIN CERTIFICATE-----/;
  if (!expected.test(text.toString('utf8')))
    throw new TemporalConnectionError(variable, `is not PEM (expected ${what === 'CLIENT_KEY' ? 'a private key' : 'a certificate'})`);
  return text;
}

/**
 * The connection options for `address` from the configuration: every client and worker
 * connection of the project is made from these, so a secured cluster needs nothing but
 * variables. TLS is on when asked for (`TEMPORAL_TLS`), when any TLS setting is given, and –
 * as Temporal Cloud requires – with an API key, unless `TEMPORAL_TLS` turns it off. The
 * embedded dev server (TEMPORAL_ADDRESS unset) is always plain: `loadConfig` refuses TLS
 * settings without TEMPORAL_ADDRESS.
 */
export function temporalConnectionOptions(config: TemporalConnectionConfig, address: string): TemporalConnectionOptions {
  if (!config.TEMPORAL_ADDRESS) return { address };
  const serverRootCACertificate = pem(config, 'SERVER_CA_CERT');
  const crt = pem(config, 'CLIENT_CERT');
  const key = pem(config, 'CLIENT_KEY');
  if ((crt === undefined) !== (key === undefined))
    throw new TemporalConnectionError(
      crt ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'a client certificate and its key go together',
    );
  const serverNameOverride = config.TEMPORAL_TLS_SERVER_NAME;
  const settings: TLSConfig = {
    ...(serverRootCACertificate ? { serverRootCACertificate } : {}),
    ...(serverNameOverride ? { serverNameOverride } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
  };
  const explicit = config.TEMPORAL_TLS === undefined ? undefined : config.TEMPORAL_TLS === 'true' || config.TEMPORAL_TLS === '1';
  const tlsOn = explicit ?? (Object.keys(settings).length > 0 || config.TEMPORAL_API_KEY !== undefined);
  return {
    address,
    // Explicitly false when off: the SDK would otherwise turn TLS on by itself for an API key.
    tls: tlsOn ? settings : false,
    ...(config.TEMPORAL_API_KEY !== undefined ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}

/** How the connection is secured, for the start-up log (no secrets). */
export function describeConnection(options: TemporalConnectionOptions): Record<string, unknown> {
  const tls = options.tls || undefined;
  return {
    address: options.address,
    tls: Boolean(options.tls),
    ...(tls?.serverRootCACertificate ? { serverCa: 'custom' } : {}),
    ...(tls?.serverNameOverride ? { serverName: tls.serverNameOverride } : {}),
    ...(tls?.clientCertPair ? { clientCertificate: true } : {}),
    ...(options.apiKey ? { apiKey: true } : {}),
  };
}
