import { ApiError } from '../api';

/**
 * A refused sign-in in plain words: a wrong key is the operator's everyday mistake, so it is said without
 * the API's code or its command-line hint.
 */
export function signInError(error: unknown): unknown {
  if (error instanceof ApiError && error.status === 401) {
    return new Error('Sign-in failed: this API key is not known to this server. Check that you pasted the whole key, or ask your administrator for a new one.');
  }
  return error;
}
