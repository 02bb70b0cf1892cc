import type { FlowVersion, VariableDeclaration } from '../../flow/schema';
import type { ChatVariables, InputContext, RunFrame, Value } from './types';

/** Variable names whose values never leave the workflow through queries or the API. */
const SECRET_NAME = /token|secret|password|passwd|api_?key|apikey|authorization/i;

export function redact(values: Record<string, Value>): Record<string, Value> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, SECRET_NAME.test(name) ? '[redacted]' : value]));
}

/** Chat variables as plain values, with expired ones (by workflow time) read as absent. */
export function liveChatValues(chat: ChatVariables, now: number): Record<string, Value> {
  const values: Record<string, Value> = {};
  for (const [name, stored] of Object.entries(chat)) {
    if (stored.expiresAt === null || stored.expiresAt > now) values[name] = stored.value;
  }
  return values;
}

export function declaredIn(flow: FlowVersion, scope: VariableDeclaration['scope']): VariableDeclaration[] {
  return flow.variables.filter((v) => v.scope === scope);
}

/** `run` variables at the start of a run: every declared one at its default. */
export function initialRunValues(flow: FlowVersion): Record<string, Value> {
  return Object.fromEntries(declaredIn(flow, 'run').map((v) => [v.name, (v.default ?? null) as Value]));
}

/** Chat values with declared defaults for those never set. */
export function chatValuesWithDefaults(flow: FlowVersion, chat: ChatVariables, now: number): Record<string, Value> {
  const live = liveChatValues(chat, now);
  for (const v of declaredIn(flow, 'chat')) if (!(v.name in live)) live[v.name] = (v.default ?? null) as Value;
  return live;
}

const NO_PAYMENT = { credits: null, stars: null, balance: null, chargeId: null };

/** Everything an expression of the current node may read. */
export function expressionScope(input: {
  frame: RunFrame;
  chat: Record<string, Value>;
  user: Record<string, Value>;
  bot: Record<string, Value>;
  context: InputContext;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    run: input.frame.run,
    chat: input.chat,
    user: input.user,
    bot: input.bot,
    message: input.context.message,
    from: input.context.from,
    event: input.frame.event,
    payment: input.context.payment ?? NO_PAYMENT,
    ...input.extra,
  };
}
