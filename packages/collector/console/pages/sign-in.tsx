/** Sign-in: an admin key, checked against the API before it is kept (sessionStorage only). */
import { useState } from 'preact/hooks';
import { ApiFailure, api, setAdminKey } from '../api.js';
import { navigate } from '../router.js';

export function SignInPage() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/v1/settings', { key: key.trim() });
      setAdminKey(key.trim());
      navigate('#/');
    } catch (failure) {
      const status = failure instanceof ApiFailure ? failure.status : 0;
      setError(
        status === 401
          ? 'That key is not an admin key of this collector. Check for a typo, or use the ADMIN_KEY printed when the collector started.'
          : status === 403
            ? 'That is a write key: it can send events but not read them. Sign in with an admin key.'
            : `The collector did not answer as expected: ${failure instanceof Error ? failure.message : String(failure)}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Exhaust console</h1>
      <form onSubmit={submit}>
        <label for="admin-key">Admin key</label>
        <input
          id="admin-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-describedby="key-help"
        />
        <p id="key-help" class="hint">
          Kept in this tab only (sessionStorage) and sent as <code>Authorization: Bearer</code>.
        </p>
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
