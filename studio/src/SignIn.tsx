import { useState, type FormEvent } from 'react';

/** Asks for the API token (API_TOKEN, or API_READONLY_TOKEN to look without changing anything). */
export function SignIn(props: { onSubmit(token: string): Promise<void>; error: string | null }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await props.onSubmit(token.trim());
    setBusy(false);
  };
  return (
    <form className="sign-in" onSubmit={(e) => void submit(e)}>
      <h1>Studio</h1>
      <p>Build, publish and watch your bots' flows. Sign in with the API token (a read-only token can look but not change).</p>
      <label>
        API token
        <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} autoFocus />
      </label>
      {props.error && (
        <p className="error" role="alert">
          {props.error}
        </p>
      )}
      <button type="submit" disabled={busy || token.trim() === ''}>
        Sign in
      </button>
    </form>
  );
}
