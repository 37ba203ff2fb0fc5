import { Link } from 'react-router';
import { api } from '../api';
import { formatTime } from '../format';
import { useAction, useLoad } from '../hooks';
import { ConfirmButton } from './ConfirmButton';
import { ErrorNote } from './ErrorNote';
import { historyLines } from './history-words';

/** What happened to the contact, newest first, in words; each merge that still stands with its Undo button. */
export function HistoryPanel({ contactId, version, onChanged }: { contactId: string; version: string; onChanged: () => void }) {
  const history = useLoad(() => api.history(contactId), [contactId, version]);
  const undo = useAction();
  const lines = historyLines(history.data?.items ?? [], contactId);

  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ErrorNote error={history.error} />
      <ErrorNote error={undo.error} />
      {history.loading && !history.data ? <p className="muted">Loading…</p> : null}
      {history.data && lines.length === 0 ? <p className="muted">Nothing merged or unmerged yet.</p> : null}
      <ul className="list history" aria-label="History">
        {lines.map((line) => {
          const mergeId = line.mergeId;
          return (
            <li key={line.key}>
              <span>
                {line.parts.map((part, i) =>
                  typeof part === 'string' ? (
                    part
                  ) : (
                    <Link key={i} to={`/contacts/${part.contactId}`}>
                      «{part.name}»
                    </Link>
                  ),
                )}
                {[...line.detail.map((d, i) => (i === 0 ? ` — ${d}` : `, ${d}`)), `${line.detail.length === 0 ? ' — ' : ', '}${formatTime(line.at)}`].join('')}
              </span>
              {mergeId ? (
                <ConfirmButton
                  label="Undo merge"
                  confirmLabel="Yes, undo this merge"
                  disabled={undo.pending}
                  onConfirm={async () => {
                    if (await undo.run(() => api.undoMerge(mergeId))) onChanged();
                  }}
                />
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
