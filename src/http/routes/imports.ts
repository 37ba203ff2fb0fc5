import { Readable } from 'node:stream';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import { readContactRows, type ContactFileFormat } from '../../cli/contact-file.js';
import { DomainError } from '../../domain/errors.js';
import type { Store } from '../../store/database.js';
import type { ImportRow } from '../../usecases/import-contacts.js';
import { importContactUpload } from '../../usecases/import-contact-upload.js';
import { handleError, sendError } from '../errors.js';
import { ErrorAnswer, errorResponses } from '../schemas.js';

// docs/rules.md "Import from the web UI": a contact file uploaded as the request body. Larger files go
// through the command line (`omnimerge import`), which streams from disk.

export const UPLOAD_LIMIT_MB = 50;

const FORMATS: Record<string, ContactFileFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
};

const FileBody = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });

const ImportedFile = Type.Object(
  {
    file_name: Type.String(),
    rows: Type.Integer({ description: 'rows read, refused ones included' }),
    created: Type.Integer({ description: 'contacts written' }),
    already_imported: Type.Integer({ description: 'rows an earlier upload of the same file (same bytes) already wrote' }),
    refused_count: Type.Integer({ description: 'rows refused' }),
    refused: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() }), { description: 'the first 1000 refused rows, by line, with why' }),
    uploaded_before: Type.Boolean({ description: 'this file was uploaded before; its rows already written were skipped' }),
  },
  { title: 'ImportedFile', description: 'what an uploaded contact file wrote and refused; no merges yet (POST /v1/dedupe)' },
);

/** A file that cannot be read as a whole (an unknown CSV column, say) is the caller's to fix: 422, not 500. */
async function* readable(rows: AsyncIterable<ImportRow>): AsyncIterable<ImportRow> {
  try {
    yield* rows;
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new DomainError('invalid_import_file', `the file cannot be read: ${(err as Error).message}`);
  }
}

export const importRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  const bodyLimit = UPLOAD_LIMIT_MB * 1024 * 1024;
  app.addContentTypeParser(Object.keys(FORMATS), { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  app.setErrorHandler((err: FastifyError, request, reply) =>
    err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? sendError(reply, 413, 'payload_too_large', `the file is larger than ${UPLOAD_LIMIT_MB} MB; import it on the server with \`omnimerge import FILE\``)
      : handleError(err, request, reply),
  );

  app.post(
    '/contacts/import',
    {
      bodyLimit,
      // the body is the file's bytes, read row by row below; the query is checked by hand
      validatorCompiler: () => () => true,
      schema: {
        operationId: 'importContacts',
        tags: ['contacts'],
        summary: 'Import contacts from a CSV or JSONL file (the body)',
        description:
          `The file as the body (up to ${UPLOAD_LIMIT_MB} MB): text/csv, or application/x-ndjson for JSON lines; the columns and fields are those of \`omnimerge import\`. ` +
          'Rows that cannot be read are refused with their line and reason and never stop the import. The same file uploaded again writes no second copy of a row. ' +
          'No merge runs: look at POST /v1/dedupe with dry_run first, then run it.',
        querystring: Type.Object({ file_name: Type.Optional(Type.String({ maxLength: 200, description: 'the file\'s name, remembered with the import' })) }),
        body: { content: { 'text/csv': { schema: FileBody }, 'application/x-ndjson': { schema: FileBody } } } as never,
        response: {
          200: ImportedFile,
          ...errorResponses,
          413: ErrorAnswer(`payload_too_large: the file is over ${UPLOAD_LIMIT_MB} MB`),
          415: ErrorAnswer('unsupported_media_type: send the file as text/csv or application/x-ndjson'),
        },
      },
    },
    async (request) => {
      const format = FORMATS[(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()];
      if (!format || !Buffer.isBuffer(request.body)) {
        throw new DomainError('unsupported_media_type', 'send the file as the body with Content-Type text/csv (CSV) or application/x-ndjson (JSON lines)');
      }
      const fileName = (request.query as { file_name?: unknown }).file_name;
      if (fileName !== undefined && (typeof fileName !== 'string' || fileName.length > 200)) {
        throw new DomainError('invalid_request', 'query parameter file_name must be a text of at most 200 characters');
      }
      return importContactUpload(store, request.projectId, {
        fileName: fileName || `upload.${format}`,
        content: request.body,
        rows: (content) => readable(readContactRows(Readable.from([content]), format)),
      });
    },
  );
};
