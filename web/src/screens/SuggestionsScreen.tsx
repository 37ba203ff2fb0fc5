import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, type ContactCard, type Suggestion } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { Evidence } from '../components/Evidence';
import { contactTitle, formatTime } from '../format';
import { useAction, useLoad } from '../hooks';

const STATUSES = [
  { status: 'pending', label: 'Waiting' },
  { status: 'approved', label: 'Approved' },
  { status: 'rejected', label: 'Rejected' },
];

/** The suggestions and the contacts they name (a merged contact still answers, with where it went). */
async function loadSuggestions(status: string) {
  const { items } = await api.suggestions(status);
  const ids = [...new Set(items.flatMap((s) => [s.from_contact_id, s.to_contact_id]))];
  const cards = await Promise.all(ids.map((id) => api.contact(id).catch(() => null)));
  const contacts = new Map(cards.filter((c): c is ContactCard => c !== null).map((c) => [c.id, c]));
  return { items, contacts };
}

function titleOf(id: string, contacts: Map<string, ContactCard>): string {
  const contact = contacts.get(id);
  return contact ? contactTitle(contact) : `contact …${id.slice(-6)}`;
}

function ContactRef({ id, contacts }: { id: string; contacts: Map<string, ContactCard> }) {
  return <Link to={`/contacts/${id}`}>{titleOf(id, contacts)}</Link>;
}

/** Manual merge mode's queue (docs/merging.md): each suggested merge with its evidence, to approve or reject. */
export function SuggestionsScreen() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? 'pending';
  const list = useLoad(() => loadSuggestions(status), [status]);
  const decide = useAction();

  const [notice, setNotice] = useState<string | null>(null);

  const act = async (suggestion: Suggestion, decision: 'approve' | 'reject', what: string) => {
    const decided = await decide.run<unknown>(() => (decision === 'approve' ? api.approveSuggestion(suggestion.id) : api.rejectSuggestion(suggestion.id)));
    if (!decided) return;
    setNotice(decision === 'approve' ? `Approved: the ${what} is done.` : `Rejected: both contacts stay and this pair is not suggested again.`);
    list.reload();
  };

  return (
    <section>
      <h1>Merge suggestions</h1>
      <p className="muted">
        In manual merge mode, links and rule matches wait here for an operator; so do likely duplicates, in any mode. Approving runs the merge; rejecting keeps both contacts.
      </p>
      <div className="tabs" role="group" aria-label="Show suggestions">
        {STATUSES.map((s) => (
          <button key={s.status} type="button" aria-pressed={status === s.status} onClick={() => (setNotice(null), setParams({ status: s.status }))}>
            {s.label}
          </button>
        ))}
      </div>
      {notice ? <p role="status" className="notice">{notice}</p> : null}
      <ErrorNote error={list.error} />
      <ErrorNote error={decide.error} />
      {list.data && list.data.items.length === 0 ? <p>No suggestions here.</p> : null}
      <ul className="list suggestions">
        {list.data?.items.map((suggestion) => {
          const what = `merge of ${titleOf(suggestion.from_contact_id, list.data!.contacts)} into ${titleOf(suggestion.to_contact_id, list.data!.contacts)}`;
          return (
          <li key={suggestion.id} aria-label={`Suggested ${what}`}>
            <p>
              Merge <ContactRef id={suggestion.from_contact_id} contacts={list.data!.contacts} /> into{' '}
              <ContactRef id={suggestion.to_contact_id} contacts={list.data!.contacts} />{' '}
              <span className="muted">· {formatTime(suggestion.created_at)}</span>
            </p>
            <Evidence suggestion={suggestion} />
            {suggestion.status === 'pending' ? (
              <div className="actions">
                {suggestion.kind === 'likely' ? (
                  <Link className="button" to={`/merge?a=${suggestion.to_contact_id}&b=${suggestion.from_contact_id}`} aria-label={`Preview ${what}`}>
                    Preview merge
                  </Link>
                ) : null}
                <button type="button" className="primary" aria-label={`Approve ${what}`} disabled={decide.pending} onClick={() => act(suggestion, 'approve', what)}>
                  Approve
                </button>
                <button type="button" aria-label={`Reject ${what}`} disabled={decide.pending} onClick={() => act(suggestion, 'reject', what)}>
                  Reject
                </button>
              </div>
            ) : (
              <p className="muted">
                {suggestion.status === 'approved' ? 'Approved' : 'Rejected'}
                {suggestion.decided_by ? ` by ${suggestion.decided_by}` : ''}
                {suggestion.decided_at ? ` · ${formatTime(suggestion.decided_at)}` : ''}
              </p>
            )}
          </li>
          );
        })}
      </ul>
    </section>
  );
}
