import crypto from 'node:crypto';

/** What a ciphertext holds, bound into it as associated data: a row cannot lend its secret to another. */
export type SecretContext = { botId: string; purpose: 'token' | 'webhook-secret' | `flow-secret:${string}` };

const contextBytes = ({ botId, purpose }: SecretContext) => Buffer.from(`bot:${botId}:${purpose}`, 'utf8');

// Fixed and public, as HKDF allows: it separates this application's keys from any other use of the same material.
const HKDF_SALT = Buffer.from('temporal-telegram-bots/token-cipher', 'utf8');

/**
 * Bot tokens (and webhook secrets) are stored encrypted (AES-256-GCM): a database dump alone does
 * not hand out control of the bots. The key comes from configuration and never touches the
 * database.
 *
 * Format `v2.<iv>.<tag>.<body>`: the key is derived with HKDF-SHA256 from the configured material
 * (labelled with the format version, so another version gets another key), and the bot id and
 * purpose are the GCM associated data – a ciphertext copied to another bot's row, or from the
 * token column to the webhook column, fails to decrypt. `v1` (key = one SHA-256 of the material,
 * no associated data) is still read; `reencryptStoredSecrets` rewrites such rows at start.
 */
export class TokenCipher {
  private readonly key: Buffer;
  private readonly legacyKey: Buffer;

  constructor(keyMaterial: string) {
    // Any string is accepted, so operators can paste a passphrase.
    this.key = Buffer.from(crypto.hkdfSync('sha256', keyMaterial, HKDF_SALT, 'aes-256-gcm key v2', 32));
    this.legacyKey = crypto.createHash('sha256').update(keyMaterial).digest();
  }

  encrypt(secret: string, context: SecretContext): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(contextBytes(context));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v2', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(ciphertext: string, context: SecretContext): string {
    const [version, iv, tag, body] = ciphertext.split('.');
    if ((version !== 'v1' && version !== 'v2') || !iv || !tag || !body) throw new Error('unrecognised token ciphertext');
    const decipher = crypto.createDecipheriv('aes-256-gcm', version === 'v2' ? this.key : this.legacyKey, Buffer.from(iv, 'base64url'));
    if (version === 'v2') decipher.setAAD(contextBytes(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Whether a ciphertext is in the current format (else it should be re-encrypted). */
  static isCurrent(ciphertext: string): boolean {
    return ciphertext.startsWith('v2.');
  }
}

/** Telegram's numeric bot id, the part of the token before the colon. */
export function botIdOf(token: string): string {
  const id = token.split(':')[0];
  if (!id || !/^\d+$/.test(id)) throw new Error('not a bot token');
  return id;
}
