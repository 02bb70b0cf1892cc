import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

/**
 * The API's bearer token: API_TOKEN when set; otherwise, outside production, a random token kept
 * in DATA_DIR so it stays the same across restarts. Production must configure it, since replicas
 * that each invented their own would reject each other's clients.
 */
export function resolveApiToken(config: Config): { token: string; generated: boolean } {
  if (config.API_TOKEN) return { token: config.API_TOKEN, generated: false };
  if (config.NODE_ENV === 'production') {
    throw new Error('API_TOKEN must be set in production (at least 16 characters)');
  }
  const file = path.resolve(config.DATA_DIR, 'api-token');
  if (fs.existsSync(file)) return { token: fs.readFileSync(file, 'utf8').trim(), generated: true };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const token = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(file, token, { mode: 0o600 });
  return { token, generated: true };
}
