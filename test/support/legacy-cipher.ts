import crypto from 'node:crypto';

/** A ciphertext as TokenCipher wrote it before v2 (key: one SHA-256 of the material, no associated data). */
export function legacyV1Ciphertext(keyMaterial: string, secret: string): string {
  const key = crypto.createHash('sha256').update(keyMaterial).digest();
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}
