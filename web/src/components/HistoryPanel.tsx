import { Link } from 'react-router';
import { api, type HistoryEntry } from '../api';
import { formatTime } from '../format';
import { useAction, useLoad } from '../hooks';
import { ConfirmButton } from './ConfirmButton';
import { ErrorNote } from './ErrorNote';

const KIND_WORDS: Record<string, string> = {
  merge: 'Merged',
  unmerge: 'Unmerged',
  undo: 'Merge undone',
  merge_suggested: 'Merge suggested',
};

function mergeIdOf(entry: HistoryEntry): string | null {
  return 'merge_id' in entry.data ? entry.data.merge_id : null;
}

/** Merges, unmerges and undos of the contact, newest first, each merge with its Undo button. */
export function HistoryPanel({ contactId, version, onChanged }: { contactId: string; version: string; onChanged: () => void }) {
  const history = useLoad(() => api.history(contactId), [contactId, version]);
  const undo = useAction();
  const entries = history.data?.items ?? [];
  const undone = new Set(entries.filter((e) => e.kind === 'undo').map(mergeIdOf));

  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ErrorNote error={history.error} />
      <ErrorNote error={undo.error} />
      {history.data && entries.length === 0 ? <p className="muted">Nothing merged or unmerged yet.</p> : null}
      <ul className="list history">
        {entries.map((entry) => {
          const mergeId = mergeIdOf(entry);
          const reason = 'reason' in entry.data ? entry.data.reason : null;
          return (
            <li key={entry.id}>
              <strong>{KIND_WORDS[entry.kind] ?? entry.kind}</strong> <span className="muted">{formatTime(entry.created_at)}</span>
              {entry.other_contact_id ? (
                <>
                  {' '}
                  with <Link to={`/contacts/${entry.other_contact_id}`}>contact …{entry.other_contact_id.slice(-6)}</Link>
                </>
              ) : null}
              {reason ? <span className="muted"> · reason: {reason}</span> : null}
              {entry.kind === 'merge' && mergeId && !undone.has(mergeId) ? (
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
