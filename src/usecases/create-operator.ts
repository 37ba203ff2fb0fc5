import { DomainError } from '../domain/errors.js';
import { checkPassword, hashPassword } from '../domain/passwords.js';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { insertOperator, type OperatorRow } from '../store/operators.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A named operator of the project who signs in to the web UI with e-mail and password. */
export async function createOperator(store: Store, projectId: string, input: { email: string; name: string; password: string }): Promise<OperatorRow> {
  const email = input.email.trim();
  const name = input.name.trim();
  if (!EMAIL.test(email)) throw new DomainError('invalid_email', `"${input.email}" is not an e-mail address; operators sign in with their e-mail`);
  if (name === '') throw new DomainError('invalid_request', 'give the operator a name: history shows it beside every merge and decision they make');
  checkPassword(input.password);
  const row = await insertOperator(store.db, projectId, { id: newId(), email, name, passwordHash: await hashPassword(input.password) });
  if (!row) throw new DomainError('operator_email_taken', `an operator with the e-mail ${email} already exists in this project; pick another e-mail or disable that operator first`);
  return row;
}
