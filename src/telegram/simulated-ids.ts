/**
 * Telegram user and chat ids have at most 52 significant bits (Bot API docs, `User.id`), so ids
 * from 2^52 up never belong to a real person. The simulator's users live there: a real bot can be
 * tried in the simulator while its real chats go on untouched, and every Bot API call can tell
 * from the chat id alone which Telegram – the real one or the simulator's – it is for.
 * (2^52 + n is still an exact JavaScript number: integers are exact up to 2^53.)
 */
export const SIMULATED_ID_BASE = 2 ** 52;

/** The simulated user (and private chat) number `n` (1, 2, …). */
export function simulatedUserId(n: number): number {
  return SIMULATED_ID_BASE + n;
}

export function isSimulatedChat(chatId: string | number): boolean {
  const id = Number(chatId);
  return Number.isSafeInteger(id) && id >= SIMULATED_ID_BASE;
}
