import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { botSecrets } from '../db/schema';
import type { TokenCipher } from './token-cipher';

/**
 * A bot's secrets for its flows (API keys for HTTP nodes): stored encrypted like bot tokens,
 * bound to the bot and the secret's name, written and listed through the API but never read
 * back. A flow names one as `secret.NAME`; the HTTP activity puts the value in, so it never enters
 * a flow, an API response or a workflow history.
 */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const purpose = (name: string) => `flow-secret:${name}` as const;

export async function setFlowSecret(db: Database, cipher: TokenCipher, botId: string, name: string, value: string): Promise<void> {
  const ciphertext = cipher.encrypt(value, { botId, purpose: purpose(name) });
  await db
    .insert(botSecrets)
    .values({ botId, name, ciphertext })
    .onConflictDoUpdate({ target: [botSecrets.botId, botSecrets.name], set: { ciphertext, updatedAt: sql`now()` } });
}

/** Whether a secret was deleted. */
export async function deleteFlowSecret(db: Database, botId: string, name: string): Promise<boolean> {
  const deleted = await db
    .delete(botSecrets)
    .where(and(eq(botSecrets.botId, botId), eq(botSecrets.name, name)))
    .returning({ name: botSecrets.name });
  return deleted.length > 0;
}

/** Names and dates only: values are never read back out. */
export async function listFlowSecrets(db: Database, botId: string): Promise<{ name: string; updatedAt: Date }[]> {
  return db
    .select({ name: botSecrets.name, updatedAt: botSecrets.updatedAt })
    .from(botSecrets)
    .where(eq(botSecrets.botId, botId))
    .orderBy(asc(botSecrets.name));
}

/** The values of the named secrets that exist (for the HTTP activity only). */
export async function readFlowSecrets(
  db: Database,
  cipher: TokenCipher,
  botId: string,
  names: readonly string[],
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  if (names.length === 0) return values;
  const rows = await db.select().from(botSecrets).where(eq(botSecrets.botId, botId));
  for (const row of rows) {
    if (names.includes(row.name)) values.set(row.name, cipher.decrypt(row.ciphertext, { botId, purpose: purpose(row.name) }));
  }
  return values;
}
