import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

/**
 * A secret from configuration; outside production, when unset, a random one kept in DATA_DIR so it
 * stays the same across restarts. Production must configure it: replicas that each invented their
 * own would reject each other's tokens or fail to decrypt each other's data.
 */
function localSecret(config: Config, variable: 'API_TOKEN' | 'BOT_TOKEN_KEY', file: string): { value: string; generated: boolean } {
  const configured = config[variable];
  if (configured) return { value: configured, generated: false };
  if (config.NODE_ENV === 'production') throw new Error(`${variable} must be set in production (at least 16 characters)`);
  const location = path.resolve(config.DATA_DIR, file);
  if (fs.existsSync(location)) return { value: fs.readFileSync(location, 'utf8').trim(), generated: true };
  fs.mkdirSync(path.dirname(location), { recursive: true });
  const value = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(location, value, { mode: 0o600 });
  return { value, generated: true };
}

/** The API's bearer token (API_TOKEN, or generated into DATA_DIR/api-token). */
export function resolveApiToken(config: Config): { token: string; generated: boolean } {
  const { value, generated } = localSecret(config, 'API_TOKEN', 'api-token');
  return { token: value, generated };
}

/** The key bot tokens are encrypted with (BOT_TOKEN_KEY, or generated into DATA_DIR/bot-token-key). */
export function resolveBotTokenKey(config: Config): string {
  return localSecret(config, 'BOT_TOKEN_KEY', 'bot-token-key').value;
}
