import { uuidv7 } from 'uuidv7';

/** Time-ordered ids: a list ordered by id is ordered by creation, which keeps cursors simple. */
export function newId(): string {
  return uuidv7();
}
