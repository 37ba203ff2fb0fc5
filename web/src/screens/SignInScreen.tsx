import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, session } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { signInError } from '../components/signInError';
import { useAction } from '../hooks';

/** The API key is checked against the server, then kept in this tab's session only. */
export function SignInScreen() {
  const [key, setKey] = useState('');
  const { run, pending, error } = useAction();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from ?? '/contacts';

  const signIn = async (event: React.FormEvent) => {
    event.preventDefault();
    session.signIn(key.trim());
    const settings = await run(() => api.settings());
    if (settings) navigate(from, { replace: true });
    else session.signOut();
  };

  return (
    <main className="sign-in">
      <h1>omnimerge</h1>
      <p>One contact per person across messengers. Sign in with your project's API key.</p>
      <form onSubmit={signIn}>
        <label>
          API key
          <input type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required />
        </label>
        <button type="submit" disabled={pending || key.trim() === ''}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ErrorNote error={signInError(error)} />
      <p className="hint">
        No key yet? Run <code>npx omnimerge project create &lt;name&gt;</code> on the server.
      </p>
    </main>
  );
}
