/**
 * The output handle a node takes when it has nothing else to say. A module of its own, free of
 * the zod schemas of nodes.ts, because the chat workflow needs it and whatever workflow code
 * imports is evaluated again for every workflow the worker caches (see README, Performance).
 */
export const NEXT = 'next';
