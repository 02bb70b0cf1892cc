import crypto from 'node:crypto';
import type { TokenCipher } from './token-cipher';

/**
 * A bot's webhook secret (what Telegram sends in X-Telegram-Bot-Api-Secret-Token) is kept twice,
 * neither readable from a database dump: its SHA-256, which every incoming update is checked
 * against (no key needed on the hot path), and its ciphertext under the bot-token key, which
 * only setWebhook at start needs.
 */
export function hashWebhookSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function webhookSecretColumns(cipher: TokenCipher, botId: string, secret: string | undefined) {
  return secret === undefined
    ? { webhookSecretHash: null, webhookSecretCiphertext: null }
    : {
        webhookSecretHash: hashWebhookSecret(secret),
        webhookSecretCiphertext: cipher.encrypt(secret, { botId, purpose: 'webhook-secret' }),
      };
}

/** A fresh secret in Telegram's alphabet (A-Z a-z 0-9 _ -). */
export function newWebhookSecret(): string {
  return crypto.randomBytes(24).toString('base64url');
}

// Compared against when there is no bot, so that an unknown bot costs the same as a wrong secret.
const NO_SECRET = Buffer.alloc(32);

/** Whether `given` is the secret whose hash is stored, in constant time. */
export function matchesWebhookSecret(given: string, storedHash: string | null | undefined): boolean {
  const expected = storedHash && /^[0-9a-f]{64}$/.test(storedHash) ? Buffer.from(storedHash, 'hex') : NO_SECRET;
  const actual = crypto.createHash('sha256').update(given, 'utf8').digest();
  return crypto.timingSafeEqual(actual, expected) && expected !== NO_SECRET;
}
