import crypto from 'node:crypto';

/**
 * Bot tokens are stored encrypted (AES-256-GCM): a database dump alone does not hand out control
 * of the bots. The key comes from configuration and never touches the database.
 */
export class TokenCipher {
  private readonly key: Buffer;

  constructor(keyMaterial: string) {
    // Any string is accepted and stretched to 32 bytes, so operators can paste a passphrase.
    this.key = crypto.createHash('sha256').update(keyMaterial).digest();
  }

  encrypt(token: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(ciphertext: string): string {
    const [version, iv, tag, body] = ciphertext.split('.');
    if (version !== 'v1' || !iv || !tag || !body) throw new Error('unrecognised token ciphertext');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** Telegram's numeric bot id, the part of the token before the colon. */
export function botIdOf(token: string): string {
  const id = token.split(':')[0];
  if (!id || !/^\d+$/.test(id)) throw new Error('not a bot token');
  return id;
}
