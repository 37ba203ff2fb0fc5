import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, type SignInCredentials } from '../api';
import { useAction } from '../hooks';
import { useSession } from '../session';

/**
 * An operator signs in with e-mail and password, or with a personal API key. The server answers with an
 * HttpOnly cookie; the page keeps nothing.
 */
export function SignInScreen() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const { run, pending, error } = useAction();
  const { set } = useSession();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from ?? '/contacts';
  const withKey = key.trim() !== '';
  const ready = withKey || (email.trim() !== '' && password !== '');

  const signIn = async (event: React.FormEvent) => {
    event.preventDefault();
    const credentials: SignInCredentials = withKey ? { api_key: key.trim() } : { email: email.trim(), password };
    const me = await run(() => api.signIn(credentials));
    if (me) {
      set(me);
      navigate(from, { replace: true });
    }
  };

  return (
    <main className="sign-in">
      <h1>omnimerge</h1>
      <p>One contact per person across messengers. Sign in with your e-mail and password, or with a personal API key.</p>
      <form onSubmit={signIn}>
        <label>
          E-mail
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} disabled={withKey} />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} disabled={withKey} />
        </label>
        <p className="or muted">or</p>
        <label>
          API key
          <input type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} />
        </label>
        <button type="submit" disabled={pending || !ready}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error ? (
        <p className="error" role="alert">
          {error instanceof Error ? error.message : String(error)}
        </p>
      ) : null}
      <p className="hint">
        No account yet? Whoever runs omnimerge creates one with <code>omnimerge operator create</code>.
      </p>
    </main>
  );
}
