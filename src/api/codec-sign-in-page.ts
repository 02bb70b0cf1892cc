/**
 * The page at GET /codec/session: the operator pastes an API token once and the browser gets the
 * codec session cookie, which the Temporal Web UI then sends along ("include cross-origin
 * credentials") when it asks /codec/decode. Inline script and style only (the page's CSP allows
 * them by hash); the token goes in a POST body, never in a URL.
 */
export const codecSignInPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Codec sign-in</title>
<style>
  body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f4f4f5; display: flex; justify-content: center; }
  form { display: flex; flex-direction: column; gap: .6rem; width: min(30rem, 90vw); margin-top: 15vh; padding: 1.2rem; background: #fff; border-radius: 10px; }
  input, button { font: inherit; padding: .5rem .7rem; }
  p { margin: 0; color: #555; font-size: .9rem; }
  .error { color: #c0392b; }
  .ok { color: #1e7e34; }
</style>
</head>
<body>
<form id="sign-in" aria-label="Sign in">
  <strong>Decode payloads in the Temporal Web UI</strong>
  <p>Paste an API token (the operator or the read-only one). It is sent once and traded for a session cookie that lets this browser ask <code>/codec/decode</code> – nothing else.</p>
  <input id="api-token" type="password" autocomplete="off" aria-label="API token" placeholder="API token">
  <button type="submit">Sign in</button>
  <p id="result" role="status"></p>
</form>
<script>
  const form = document.getElementById('sign-in');
  const result = document.getElementById('result');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = document.getElementById('api-token').value.trim();
    const response = await fetch('/codec/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    result.className = response.ok ? 'ok' : 'error';
    result.textContent = response.ok
      ? 'Signed in. The Temporal Web UI now decodes payloads in this browser (its codec settings need "Include cross-origin credentials" on).'
      : response.status === 429 ? 'Too many wrong tokens: wait a minute.' : 'That is not an API token.';
    if (response.ok) document.getElementById('api-token').value = '';
  });
</script>
</body>
</html>
`;
