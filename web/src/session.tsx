import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import { api, ApiError, type SignedIn } from './api';

// Who is signed in, asked of the server once per tab (GET /v1/sessions/me): the cookie itself is HttpOnly.

type SessionState = { me: SignedIn | null; checking: boolean; set: (me: SignedIn | null) => void };

const SessionContext = createContext<SessionState>({ me: null, checking: true, set: () => {} });

export function SessionProvider({ children }: { children: React.ReactNode }) {
  const [me, setMe] = useState<SignedIn | null>(null);
  const [checking, setChecking] = useState(true);
  useEffect(() => {
    api.me().then(
      (who) => setMe(who),
      (err: unknown) => {
        if (!(err instanceof ApiError && err.status === 401)) console.warn('could not ask who is signed in', err);
      },
    ).finally(() => setChecking(false));
  }, []);
  const set = useCallback((who: SignedIn | null) => setMe(who), []);
  return <SessionContext.Provider value={{ me, checking, set }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}
