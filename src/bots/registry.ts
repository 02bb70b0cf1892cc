import crypto from 'node:crypto';
import path from 'node:path';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { Telegram } from 'telegraf';
import type { Database } from '../db/client';
import { bots, flows, flowVersions } from '../db/schema';
import { checkFlow, type Problem } from '../flow';
import { botIdOf, type TokenCipher } from './token-cipher';
import { webhookSecretColumns } from './webhook-secret';

/** The example loyalty flow: the default of a bot bootstrapped at start, and the demo bot's. */
export const exampleFlowFile = path.resolve(__dirname, '..', '..', 'examples', 'flows', 'loyalty.json');

export class InvalidFlowError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`the flow has ${problems.filter((p) => p.severity === 'error').length} error(s)`);
    this.name = 'InvalidFlowError';
  }
}

/**
 * Registers (or re-registers) a bot by its token: Telegram is asked who the bot is (getMe), so a
 * wrong token is refused here rather than at the first update. The token is stored encrypted.
 */
export async function registerBot(
  db: Database,
  cipher: TokenCipher,
  apiRoot: string,
  token: string,
  options: { mode: 'polling' | 'webhook'; webhookSecret?: string; simulator?: 'off' | 'on' | 'only' },
): Promise<{ id: string; username: string }> {
  const me = await new Telegram(token, { apiRoot }).getMe();
  const id = botIdOf(token);
  if (String(me.id) !== id) throw new Error(`getMe answered for bot ${me.id}, not ${id}`);
  const values = {
    username: me.username,
    tokenCiphertext: cipher.encrypt(token, { botId: id, purpose: 'token' }),
    mode: options.mode,
    ...webhookSecretColumns(cipher, id, options.webhookSecret),
    disabledAt: null,
    updatedAt: sql`now()`,
    // Registering again keeps the simulator setting unless one is given.
    ...(options.simulator ? { simulator: options.simulator } : {}),
  };
  await db
    .insert(bots)
    .values({ id, ...values })
    .onConflictDoUpdate({ target: bots.id, set: values });
  return { id, username: me.username };
}

/** Canonical JSON (sorted keys), so that the same flow always has the same checksum. */
function checksumOf(definition: unknown): string {
  const canonical = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
    if (value && typeof value === 'object') {
      return `{${Object.keys(value as object)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
        .join(',')}}`;
    }
    return JSON.stringify(value) ?? 'null';
  };
  return crypto.createHash('sha256').update(canonical(definition)).digest('hex');
}

/**
 * Validates and publishes a flow as a new immutable version and makes it the active one, unless
 * it is identical to the active version already (then nothing changes). Conversations already
 * running keep the version they started with.
 */
export async function publishFlow(
  db: Database,
  botId: string,
  flowId: string,
  json: unknown,
): Promise<{ versionId: string; version: number; changed: boolean }> {
  const checked = checkFlow(json);
  if (!checked.publishable || !checked.flow) throw new InvalidFlowError(checked.problems);
  const definition = checked.flow;
  const checksum = checksumOf(definition);
  return db.transaction(async (tx) => {
    await tx.insert(flows).values({ botId, id: flowId }).onConflictDoNothing();
    const [flow] = await tx
      .select()
      .from(flows)
      .where(and(eq(flows.botId, botId), eq(flows.id, flowId)))
      .for('update');
    const [latest] = await tx
      .select()
      .from(flowVersions)
      .where(and(eq(flowVersions.botId, botId), eq(flowVersions.flowId, flowId)))
      .orderBy(desc(flowVersions.version))
      .limit(1);
    if (latest && flow?.activeVersionId === latest.id && latest.checksum === checksum) {
      return { versionId: latest.id, version: latest.version, changed: false };
    }
    const version = (latest?.version ?? 0) + 1;
    const [created] = await tx
      .insert(flowVersions)
      .values({ botId, flowId, version, definition, checksum })
      .returning({ id: flowVersions.id });
    const versionId = (created as { id: string }).id;
    await tx
      .update(flows)
      .set({ activeVersionId: versionId, updatedAt: sql`now()` })
      .where(and(eq(flows.botId, botId), eq(flows.id, flowId)));
    return { versionId, version, changed: true };
  });
}

export interface OutdatedVersion {
  botId: string;
  flowId: string;
  version: number;
  problems: Problem[];
}

/**
 * Active versions that the current validator refuses. Versions are immutable, so a rule that
 * became stricter (patterns moved to RE2) leaves older ones as they were published; this finds
 * them, so their authors can be told and publish a fixed version.
 */
export async function outdatedActiveVersions(db: Database): Promise<OutdatedVersion[]> {
  const rows = await db
    .select({ botId: flowVersions.botId, flowId: flowVersions.flowId, version: flowVersions.version, definition: flowVersions.definition })
    .from(flows)
    .innerJoin(flowVersions, eq(flows.activeVersionId, flowVersions.id))
    .innerJoin(bots, and(eq(bots.id, flows.botId), isNull(bots.disabledAt)));
  return rows.flatMap(({ definition, ...row }) => {
    const problems = checkFlow(definition).problems.filter((p) => p.severity === 'error');
    return problems.length === 0 ? [] : [{ ...row, problems }];
  });
}
