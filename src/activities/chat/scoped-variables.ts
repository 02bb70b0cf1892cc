import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { botVariables, userVariables } from '../../db/schema';
import { applyVariableUpdate, type Value, type VariableType } from '../../flow';

export interface ScopedVariable {
  scope: 'user' | 'bot';
  name: string;
  type: VariableType;
  default: Value;
}

/** The variables a flow shares beyond one chat: per user of the bot, and per bot. */
export function createScopedVariableActivities(deps: { db: Database }) {
  const { db } = deps;
  return {
    /** Current user- and bot-scoped values (defaults where unset or expired at workflow time `now`). */
    async loadScopedVariables(
      botId: string,
      userId: string,
      declared: ScopedVariable[],
      now: number,
    ): Promise<{ user: Record<string, Value>; bot: Record<string, Value> }> {
      const result = { user: {} as Record<string, Value>, bot: {} as Record<string, Value> };
      for (const v of declared) result[v.scope][v.name] = v.default;
      if (declared.length === 0) return result;
      const live = (expiresAt: Date | null) => expiresAt === null || expiresAt.getTime() > now;
      const userRows = await db
        .select()
        .from(userVariables)
        .where(and(eq(userVariables.botId, botId), eq(userVariables.userId, userId)));
      for (const row of userRows) if (row.name in result.user && live(row.expiresAt)) result.user[row.name] = row.value as Value;
      const botRows = await db.select().from(botVariables).where(eq(botVariables.botId, botId));
      for (const row of botRows) if (row.name in result.bot && live(row.expiresAt)) result.bot[row.name] = row.value as Value;
      return result;
    },

    /**
     * Applies action.set to a user or bot variable atomically: the row is locked, so two chats
     * incrementing a shared counter at once both count. Returns the new value.
     */
    async updateScopedVariable(input: {
      botId: string;
      userId: string;
      variable: ScopedVariable;
      op: 'set' | 'increment' | 'append';
      operand: Value;
      expiresAt: number | null;
      now: number;
    }): Promise<Value> {
      const { botId, userId, variable, op, operand, now } = input;
      const expiresAt = input.expiresAt === null ? null : new Date(input.expiresAt);
      return db.transaction(async (tx) => {
        const table = variable.scope === 'user' ? userVariables : botVariables;
        const where =
          variable.scope === 'user'
            ? and(eq(userVariables.botId, botId), eq(userVariables.userId, userId), eq(userVariables.name, variable.name))
            : and(eq(botVariables.botId, botId), eq(botVariables.name, variable.name));
        const [row] = await tx.select().from(table).where(where).for('update');
        const current = row && (row.expiresAt === null || row.expiresAt.getTime() > now) ? (row.value as Value) : variable.default;
        const next = applyVariableUpdate(variable.type, op, current, operand);
        if (variable.scope === 'user') {
          await tx
            .insert(userVariables)
            .values({ botId, userId, name: variable.name, value: next, expiresAt })
            .onConflictDoUpdate({
              target: [userVariables.botId, userVariables.userId, userVariables.name],
              set: { value: next, expiresAt, updatedAt: sql`now()` },
            });
        } else {
          await tx
            .insert(botVariables)
            .values({ botId, name: variable.name, value: next, expiresAt })
            .onConflictDoUpdate({
              target: [botVariables.botId, botVariables.name],
              set: { value: next, expiresAt, updatedAt: sql`now()` },
            });
        }
        return next;
      });
    },
  };
}
