import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { registersSearchAttributes } from '../../src/temporal/connection';
import { describeConnection, temporalConnectionOptions, TemporalConnectionError } from '../../src/temporal/connection-options';

const noEnvFile = '/nonexistent/.env';
const tlsDir = path.resolve(__dirname, '../fixtures/tls');
const file = (name: string) => path.join(tlsDir, name);
const pem = (name: string) => fs.readFileSync(file(name));
const address = 'ns.acct.tmprl.cloud:7233';

/** The options the project would connect with, from these variables. */
const optionsFor = (env: Record<string, string>) => {
  const config = loadConfig(env, noEnvFile);
  return temporalConnectionOptions(config, config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233');
};

/** The problems `loadConfig` reports, as `VARIABLE: message`. */
function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, noEnvFile);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.variable}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('Temporal connection options', () => {
  it('connects to the embedded dev server and to a plain external address without TLS', () => {
    expect(optionsFor({})).toEqual({ address: '127.0.0.1:7233' });
    expect(optionsFor({ TEMPORAL_ADDRESS: 'temporal:7233' })).toEqual({ address: 'temporal:7233', tls: false });
  });

  it('Temporal Cloud with an API key: TLS on (system CAs), the key sent', () => {
    expect(optionsFor({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: 'secret-key' })).toEqual({ address, tls: {}, apiKey: 'secret-key' });
    // An explicit TEMPORAL_TLS=false wins (a plain-text proxy in front of the cluster): the SDK must not turn TLS back on.
    expect(optionsFor({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS: 'false' })).toEqual({
      address,
      tls: false,
      apiKey: 'secret-key',
    });
  });

  it('mTLS from files: the client pair, the server CA and the server name', () => {
    const options = optionsFor({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    });
    expect(options).toEqual({
      address,
      tls: {
        serverRootCACertificate: pem('ca.pem'),
        serverNameOverride: 'temporal.test',
        clientCertPair: { crt: pem('client.pem'), key: pem('client.key') },
      },
    });
    expect(describeConnection(options)).toEqual({
      address,
      tls: true,
      serverCa: 'custom',
      serverName: 'temporal.test',
      clientCertificate: true,
    });
  });

  it('mTLS from PEM in variables, with line breaks escaped or not', () => {
    const escaped = (name: string) => pem(name).toString('utf8').replace(/\n/g, '\\n');
    const options = optionsFor({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TLS_CLIENT_CERT_DATA: escaped('client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_DATA: pem('client.key').toString('utf8'),
    });
    expect(options.tls).toEqual({ clientCertPair: { crt: pem('client.pem'), key: pem('client.key') } });
  });

  it('TEMPORAL_TLS=true alone: TLS verified by the system CAs; TEMPORAL_TLS=1 is the same', () => {
    expect(optionsFor({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS: 'true' })).toEqual({ address, tls: {} });
    expect(optionsFor({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS: '1' })).toEqual({ address, tls: {} });
    expect(optionsFor({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_SERVER_NAME: 'x.test' })).toEqual({
      address,
      tls: { serverNameOverride: 'x.test' },
    });
  });

  it('refuses combinations that cannot work, naming the variable', () => {
    expect(configProblems({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem') })).toEqual([
      'TEMPORAL_TLS_CLIENT_KEY_PATH: a client certificate needs its key (TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA)',
    ]);
    expect(configProblems({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CLIENT_KEY_DATA: 'k' })).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH: a client key needs its certificate (TEMPORAL_TLS_CLIENT_CERT_PATH or _DATA)',
    ]);
    expect(
      configProblems({
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.pem'),
        TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'x',
      }),
    ).toEqual([
      'TEMPORAL_TLS_SERVER_CA_CERT_DATA: set either TEMPORAL_TLS_SERVER_CA_CERT_PATH or TEMPORAL_TLS_SERVER_CA_CERT_DATA, not both',
    ]);
    expect(configProblems({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x.test' })).toEqual([
      'TEMPORAL_TLS: is off, but TEMPORAL_TLS_SERVER_NAME is set',
    ]);
    expect(configProblems({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS: 'yes' })[0]).toMatch(/^TEMPORAL_TLS: /);
    // The embedded dev server speaks no TLS: settings for it are a mistake, not something to ignore.
    expect(configProblems({ TEMPORAL_API_KEY: 'secret-key' })).toEqual([
      'TEMPORAL_API_KEY: applies to an external Temporal only: set TEMPORAL_ADDRESS (the embedded dev server has no TLS)',
    ]);
  });

  it('stops on unreadable files and on what is not PEM, naming the variable', () => {
    const build = (env: Record<string, string>) => () => optionsFor({ TEMPORAL_ADDRESS: address, ...env });
    expect(build({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' })).toThrow(
      new TemporalConnectionError('TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'cannot read /nonexistent/ca.pem: ENOENT'),
    );
    expect(build({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: tlsDir })).toThrow(/^TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read .*: EISDIR$/);
    expect(build({ TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.key'), TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key') })).toThrow(
      'TEMPORAL_TLS_CLIENT_CERT_PATH: is not PEM (expected a certificate)',
    );
    expect(build({ TEMPORAL_TLS_CLIENT_CERT_DATA: pem('client.pem').toString(), TEMPORAL_TLS_CLIENT_KEY_DATA: 'not a key' })).toThrow(
      'TEMPORAL_TLS_CLIENT_KEY_DATA: is not PEM (expected a private key)',
    );
  });

  it('registers search attributes itself unless told not to, or an API key or the address says Temporal Cloud', () => {
    const registers = (env: Record<string, string>) => registersSearchAttributes(loadConfig(env, noEnvFile));
    expect(registers({})).toBe(true);
    expect(registers({ TEMPORAL_ADDRESS: 'temporal:7233' })).toBe(true);
    expect(registers({ TEMPORAL_ADDRESS: address })).toBe(false);
    expect(registers({ TEMPORAL_ADDRESS: address, TEMPORAL_REGISTER_SEARCH_ATTRIBUTES: 'on' })).toBe(true);
    expect(registers({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_API_KEY: 'k' })).toBe(false);
    expect(registers({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: 'k', TEMPORAL_REGISTER_SEARCH_ATTRIBUTES: 'on' })).toBe(true);
    expect(registers({ TEMPORAL_REGISTER_SEARCH_ATTRIBUTES: 'off' })).toBe(false);
  });
});
