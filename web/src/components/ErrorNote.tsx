import { Link } from 'react-router';
import { ApiError } from '../api';

/** Every failure in words: the API's own message, and a way back in when the key is refused. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const unauthorized = error instanceof ApiError && error.status === 401;
  return (
    <p className="error" role="alert">
      {message}
      {error instanceof ApiError && error.code !== 'network' ? <span className="error-code"> ({error.code})</span> : null}
      {unauthorized ? (
        <>
          {' '}
          <Link to="/sign-in">Sign in again</Link>
        </>
      ) : null}
    </p>
  );
}
