import { DomainError } from '../../domain/errors.js';

// Cursors are opaque to callers: the id of the last item of the page, encoded.

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!UUID.test(id)) throw new DomainError('invalid_cursor', 'cursor is not one this API gave out; pass next_cursor from the previous page as it is');
  return id;
}

/** Pages are read with one extra row to know whether another page follows. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, next_cursor: more ? Buffer.from(items[items.length - 1].id, 'utf8').toString('base64url') : null };
}

/** The page size when a list call names none. */
export const DEFAULT_PAGE_SIZE = 50;

/** A page of a list: `read` gets the cursor's id and one row more than the page holds. */
export async function readPage<T extends { id: string }>(
  query: { cursor?: string; limit?: number },
  read: (page: { after: string | null; limit: number }) => Promise<T[]>,
): Promise<Page<T>> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  return toPage(await read({ after: decodeCursor(query.cursor), limit: limit + 1 }), limit);
}
