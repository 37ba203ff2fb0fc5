import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';

// POST /v1/contacts/import: the web UI's Import page uploads the file as the body; nothing is merged
// until the operator has seen the dedupe's dry run.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const CSV = [
  'name,phone,email,tags',
  'Anna Petrova,+49 151 12345678,anna@example.com,vip',
  'Anna P.,+4915112345678,,',
  'Boris,not a phone,,',
  'Carla,,carla@example.com,',
].join('\n');

describe('importing a contact file through the API', () => {
  it('writes the rows, refuses bad ones with their line, merges nothing until the dedupe runs, and writes no second copy when the file is uploaded again', async () => {
    const { api } = await server.project();
    expect((await api('POST', '/v1/merge-rules', { fields: ['phone'] })).status).toBe(201);

    const first = await api('POST', '/v1/contacts/import?file_name=customers.csv', CSV, { 'content-type': 'text/csv' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ file_name: 'customers.csv', rows: 4, created: 3, already_imported: 0, refused_count: 1, uploaded_before: false });
    expect(first.body.refused).toEqual([{ line: 4, reason: expect.stringContaining('phone') }]);
    const contacts = await api('GET', '/v1/contacts?limit=50');
    expect(contacts.body.items).toHaveLength(3); // both Annas still there: no merge yet

    const dryRun = await api('POST', '/v1/dedupe', { dry_run: true });
    expect(dryRun.body).toMatchObject({ dry_run: true, clusters_found: 1, contacts_merged: 1 });
    expect((await api('GET', '/v1/contacts?limit=50')).body.items).toHaveLength(3);

    const again = await api('POST', '/v1/contacts/import?file_name=customers.csv', CSV, { 'content-type': 'text/csv' });
    expect(again.body).toMatchObject({ created: 0, already_imported: 3, uploaded_before: true });
    expect((await api('GET', '/v1/contacts?limit=50')).body.items).toHaveLength(3);
  });

  it('reads JSON lines and says which line is not JSON', async () => {
    const { api } = await server.project();
    const jsonl = ['{"name":"Dana","email":"dana@example.com"}', '{not json', '{"name":"Eve","phone":"+14155550100"}'].join('\n');
    const answer = await api('POST', '/v1/contacts/import', jsonl, { 'content-type': 'application/x-ndjson' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ created: 2, refused_count: 1, refused: [{ line: 2, reason: expect.stringContaining('not JSON') }] });
  });

  it('refuses a CSV with an unknown column in words, and a body that is not a contact file', async () => {
    const { api } = await server.project();
    const unknown = await api('POST', '/v1/contacts/import', 'name,shoe_size\nAnna,38', { 'content-type': 'text/csv' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'invalid_import_file', message: expect.stringContaining('shoe_size') });

    const json = await api('POST', '/v1/contacts/import', { name: 'Anna' });
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe('unsupported_media_type');
    expect((await api('GET', '/v1/contacts')).body.items).toEqual([]);
  });
});
