import crypto from 'node:crypto';

const TOKEN_SHAPE = /^(\d{1,15}):([A-Za-z0-9_-]+)$/;

/** The bot id a token claims, or undefined when it is not shaped `<digits>:<secret>`. */
export function botIdFromToken(token: string): number | undefined {
  const match = TOKEN_SHAPE.exec(token);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** A token of the real form: the bot id, a colon and 35 characters of [A-Za-z0-9_-]. */
export function generateToken(botId: number): string {
  return `${botId}:${crypto.randomBytes(27).toString('base64url').slice(0, 35)}`;
}
