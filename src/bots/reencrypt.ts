import { and, eq, like, or } from 'drizzle-orm';
import type { Database } from '../db/client';
import { bots } from '../db/schema';
import { TokenCipher } from './token-cipher';

/**
 * Rewrites bot tokens and webhook secrets stored in an older ciphertext format in the current one
 * (see TokenCipher). Run at start by every process: each row is updated only if it still holds
 * the ciphertext that was read, so concurrent starts do the work once and nothing is lost.
 * Returns how many rows were rewritten.
 */
export async function reencryptStoredSecrets(db: Database, cipher: TokenCipher): Promise<number> {
  const stale = await db
    .select({ id: bots.id, token: bots.tokenCiphertext, webhookSecret: bots.webhookSecretCiphertext })
    .from(bots)
    .where(or(like(bots.tokenCiphertext, 'v1.%'), like(bots.webhookSecretCiphertext, 'v1.%')));
  let rewritten = 0;
  for (const row of stale) {
    const token = TokenCipher.isCurrent(row.token)
      ? row.token
      : cipher.encrypt(cipher.decrypt(row.token, { botId: row.id, purpose: 'token' }), { botId: row.id, purpose: 'token' });
    const webhookSecret =
      row.webhookSecret === null || TokenCipher.isCurrent(row.webhookSecret)
        ? row.webhookSecret
        : cipher.encrypt(cipher.decrypt(row.webhookSecret, { botId: row.id, purpose: 'webhook-secret' }), {
            botId: row.id,
            purpose: 'webhook-secret',
          });
    const updated = await db
      .update(bots)
      .set({ tokenCiphertext: token, webhookSecretCiphertext: webhookSecret })
      .where(
        and(
          eq(bots.id, row.id),
          eq(bots.tokenCiphertext, row.token),
          row.webhookSecret === null ? undefined : eq(bots.webhookSecretCiphertext, row.webhookSecret),
        ),
      )
      .returning({ id: bots.id });
    rewritten += updated.length;
  }
  return rewritten;
}
