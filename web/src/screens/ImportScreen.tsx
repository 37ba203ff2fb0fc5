import { useState } from 'react';
import { Link } from 'react-router';
import { adminApi, type ImportedFile } from '../adminApi';
import { formatBytes } from '../admin-format';
import { DedupePanel } from '../components/DedupePanel';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../hooks';
import '../admin.css';

const LIMIT_MB = 50;

function Progress({ sent, total }: { sent: number; total: number }) {
  const uploaded = total > 0 && sent >= total;
  const percent = total > 0 ? Math.round((sent / total) * 100) : 0;
  return (
    <div className="progress" role="status">
      <progress value={uploaded ? undefined : sent} max={total || 1} aria-label="Upload progress" />
      <span>{uploaded ? 'Uploaded; writing the contacts…' : `Uploading: ${percent}% (${formatBytes(sent)} of ${formatBytes(total)})`}</span>
    </div>
  );
}

function Summary({ result }: { result: ImportedFile }) {
  return (
    <section aria-label="Import result">
      <p role="status" className="notice">
        {result.file_name}: {result.created} contact{result.created === 1 ? '' : 's'} created
        {result.already_imported > 0 ? `, ${result.already_imported} already imported from this file before` : ''}
        {result.refused_count > 0 ? `, ${result.refused_count} row${result.refused_count === 1 ? '' : 's'} refused` : ', no row refused'}.
      </p>
      {result.refused.length > 0 ? (
        <>
          <h2>Refused rows</h2>
          <p className="muted">Fix these lines in the file and upload it again: the rows already written are not written twice.</p>
          <table className="stack-table refused">
            <thead>
              <tr>
                <th>Line</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {result.refused.map((row) => (
                <tr key={row.line}>
                  <td data-label="Line">{row.line}</td>
                  <td data-label="Why">{row.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.refused_count > result.refused.length ? <p className="muted">and {result.refused_count - result.refused.length} more.</p> : null}
        </>
      ) : null}
    </section>
  );
}

/** Contacts from a CSV or JSONL file, then the duplicates they make with the base: shown first, merged on request. */
export function ImportScreen() {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [result, setResult] = useState<ImportedFile | null>(null);
  const upload = useAction();
  const tooLarge = file !== null && file.size > LIMIT_MB * 1024 * 1024;

  return (
    <section>
      <h1>Import contacts</h1>
      <p>
        A CSV file with a header of <code>name</code>, <code>phone</code>, <code>email</code>, <code>external_id</code>, <code>tags</code> (separated by{' '}
        <code>;</code>) and <code>variables.&lt;name&gt;</code> columns, or a JSONL file with one contact a line. Phones without a country code are read in the{' '}
        <Link to="/settings">default region</Link>.
      </p>
      <form
        className="upload"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!file) return;
          setResult(null);
          setProgress({ sent: 0, total: file.size });
          const imported = await upload.run(() => adminApi.importFile(file, (sent, total) => setProgress({ sent, total })));
          setProgress(null);
          if (imported) setResult(imported);
        }}
      >
        <label>
          Contact file (.csv or .jsonl, up to {LIMIT_MB} MB)
          <input type="file" accept=".csv,.jsonl,.ndjson,text/csv" onChange={(e) => (setFile(e.target.files?.[0] ?? null), setResult(null), upload.clearError())} />
        </label>
        {tooLarge ? <p className="error">This file is {formatBytes(file.size)}: import files over {LIMIT_MB} MB on the server with omnimerge import.</p> : null}
        <button type="submit" className="primary" disabled={!file || tooLarge || upload.pending}>
          {upload.pending ? 'Importing…' : 'Import'}
        </button>
      </form>
      {progress ? <Progress sent={progress.sent} total={progress.total} /> : null}
      <ErrorNote error={upload.error} />
      {result ? <Summary result={result} /> : null}
      {result && result.created + result.already_imported > 0 ? (
        <DedupePanel
          key={result.file_name + result.created}
          intro="Imported contacts are not merged yet. See which contacts the merge rules would make one (nothing changes), then merge them."
        />
      ) : null}
    </section>
  );
}
