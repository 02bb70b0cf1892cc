import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiProblem, createApi } from './api';
import { BotsPage } from './bots/BotsPage';
import { EditorPage } from './editor/EditorPage';
import { ExecutionsPage } from './executions/ExecutionsPage';
import { ExecutionView } from './executions/ExecutionView';
import { routeHref, useRoute } from './route';
import { forgetToken, savedToken, saveToken, SessionContext, type Session, type SessionInfo } from './session';
import { SignIn } from './SignIn';

/** Signs in with the API token (checked against GET /api/session), then shows the page the URL names. */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(() => savedToken() !== null);
  const [error, setError] = useState<string | null>(null);

  const signOut = useCallback(() => {
    forgetToken();
    setSession(null);
  }, []);

  const signIn = useCallback(
    async (token: string) => {
      const api = createApi(token);
      try {
        const info = await api.get<SessionInfo>('/api/session');
        saveToken(token);
        setError(null);
        setSession({ ...info, api, canWrite: info.role === 'operator', signOut });
      } catch (err) {
        forgetToken();
        setError(err instanceof ApiProblem && err.status === 401 ? 'That token is not valid here.' : String((err as Error).message));
      } finally {
        setChecking(false);
      }
    },
    [signOut],
  );

  useEffect(() => {
    const token = savedToken();
    if (token) void signIn(token);
  }, [signIn]);

  if (checking) return <p className="centered">Signing in…</p>;
  if (!session) return <SignIn onSubmit={signIn} error={error} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

function Shell() {
  const route = useRoute();
  const page = useMemo(() => {
    switch (route.page) {
      case 'bots':
        return <BotsPage />;
      case 'editor':
        return <EditorPage key={`${route.botId}/${route.flowId}`} botId={route.botId} flowId={route.flowId} />;
      case 'executions':
        return <ExecutionsPage />;
      case 'execution':
        return <ExecutionView key={route.workflowId} workflowId={route.workflowId} />;
    }
  }, [route]);
  return (
    <div className="shell">
      <Header />
      <main className="page">{page}</main>
    </div>
  );
}

function Header() {
  return (
    <SessionContext.Consumer>
      {(session) => (
        <header className="header">
          <strong className="brand">Studio</strong>
          <nav>
            <a href={routeHref({ page: 'bots' })}>Bots and flows</a>
            <a href={routeHref({ page: 'executions' })}>Executions</a>
          </nav>
          <span className="spacer" />
          {session?.role === 'readonly' && (
            <span className="badge" title="This token may read everything and change nothing.">
              read-only
            </span>
          )}
          <button type="button" onClick={() => session?.signOut()}>
            Sign out
          </button>
        </header>
      )}
    </SessionContext.Consumer>
  );
}
