import { createHash } from 'node:crypto';

// The contact ids of an import (a re-run of a file writes no second copy of a row). A row's
// contact id is made, not drawn: UUIDv7 with the time the file's import first began, then the row's
// line, then bits of a hash of the project and the file. A re-run after a crash makes the same ids, and
// the rows already written are skipped; ids still sort by import time, then by line.

const LINE_BITS = 34n; // 17 billion lines
const FILE_BITS = 40n;

export function importContactId(startedAt: Date, projectId: string, fileSha256: string, line: number): string {
  const file = BigInt(`0x${createHash('sha256').update(`${projectId}:${fileSha256}`).digest('hex').slice(0, Number(FILE_BITS / 4n))}`);
  const random = ((BigInt(line) & ((1n << LINE_BITS) - 1n)) << FILE_BITS) | file; // the 74 bits UUIDv7 leaves free
  const value =
    (BigInt(startedAt.getTime()) << 80n) | (0x7n << 76n) | ((random >> 62n) << 64n) | (0x2n << 62n) | (random & ((1n << 62n) - 1n));
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
