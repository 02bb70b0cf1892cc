import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';

/** As for configured secrets (src/config.ts). */
const MIN_LENGTH = 16;

export class LocalSecretError extends Error {
  constructor(location: string, variable: string, problem: string) {
    super(`${location} ${problem}. Delete it to have a new one generated, or set ${variable}.`);
    this.name = 'LocalSecretError';
  }
}

/**
 * Reads a generated secret back, trusting it only if it is what we would have written: a regular
 * file (not a link someone planted), owned by this user, readable by no one else, and a secret
 * of full length. Loose permissions on our own file are repaired (with a warning); anything else
 * stops the start, since a secret another user could have read or chosen is no secret.
 */
function readLocalSecret(location: string, variable: string, logger?: Pick<Logger, 'warn'>): string {
  const stat = fs.lstatSync(location);
  if (!stat.isFile()) throw new LocalSecretError(location, variable, 'is not a regular file (a symbolic link or something else)');
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid)
    throw new LocalSecretError(location, variable, `is owned by uid ${stat.uid}, not by this user (${uid})`);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    fs.chmodSync(location, 0o600);
    logger?.warn(
      { file: location, mode: (stat.mode & 0o777).toString(8) },
      'a generated secret was readable by others; its mode is now 600 (rotate it if others may have read it)',
    );
  }
  const value = fs.readFileSync(location, 'utf8').trim();
  if (value.length < MIN_LENGTH || /\s/.test(value)) {
    throw new LocalSecretError(location, variable, `does not hold a secret of at least ${MIN_LENGTH} characters without spaces`);
  }
  return value;
}

/**
 * A secret from configuration; outside production, when unset, a random one kept in DATA_DIR so it
 * stays the same across restarts. Production must configure it: replicas that each invented their
 * own would reject each other's tokens or fail to decrypt each other's data.
 */
function localSecret(
  config: Config,
  variable: 'API_TOKEN' | 'BOT_TOKEN_KEY',
  file: string,
  logger?: Pick<Logger, 'warn'>,
): { value: string; generated: boolean } {
  const configured = config[variable];
  if (configured) return { value: configured, generated: false };
  if (config.NODE_ENV === 'production') throw new Error(`${variable} must be set in production (at least 16 characters)`);
  const location = path.resolve(config.DATA_DIR, file);
  fs.mkdirSync(path.dirname(location), { recursive: true });
  const value = crypto.randomBytes(24).toString('base64url');
  try {
    // `wx`: created here or not at all, never written through a file or link that appeared meanwhile.
    fs.writeFileSync(location, value, { mode: 0o600, flag: 'wx' });
    return { value, generated: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { value: readLocalSecret(location, variable, logger), generated: true };
}

/** The API's bearer token (API_TOKEN, or generated into DATA_DIR/api-token). */
export function resolveApiToken(config: Config, logger?: Pick<Logger, 'warn'>): { token: string; generated: boolean } {
  const { value, generated } = localSecret(config, 'API_TOKEN', 'api-token', logger);
  return { token: value, generated };
}

/** The key bot tokens are encrypted with (BOT_TOKEN_KEY, or generated into DATA_DIR/bot-token-key). */
export function resolveBotTokenKey(config: Config, logger?: Pick<Logger, 'warn'>): string {
  return localSecret(config, 'BOT_TOKEN_KEY', 'bot-token-key', logger).value;
}
