import { createContext, useContext } from 'react';
import type { Api } from './api';

/** What `GET /api/session` says about the signed-in token. */
export interface SessionInfo {
  role: 'operator' | 'readonly';
  temporalUi: { url: string; namespace: string } | null;
  simulator: boolean;
}

export interface Session extends SessionInfo {
  api: Api;
  /** Operator tokens change things; a read-only token sees everything and changes nothing. */
  canWrite: boolean;
  signOut(): void;
}

/**
 * The token is kept for this tab only (sessionStorage: gone when the tab closes, never sent
 * anywhere but the Authorization header, never in a URL).
 */
const TOKEN_KEY = 'studio.apiToken';
export const savedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const saveToken = (token: string): void => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in studio');
  return session;
}
