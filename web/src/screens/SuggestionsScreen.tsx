import { useState } from 'react';
import { Link } from 'react-router';
import { api, type ContactCard, type Suggestion } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { Evidence } from '../components/Evidence';
import { ChannelIcon, channelLabel } from '../channels';
import { contactTitle, formatPhone, formatTime } from '../format';
import { useAction, useLoad, useAddressParams } from '../hooks';
import { useLive } from '../live';

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
  return contact ? contactTitle(contact) : 'a contact that no longer exists';
}

function ContactRef({ id, contacts }: { id: string; contacts: Map<string, ContactCard> }) {
  return <Link to={`/contacts/${id}`}>{titleOf(id, contacts)}</Link>;
}

/** One side of a suggestion as an operator tells people apart: messengers, phones, e-mails. */
function Side({ id, role, contacts }: { id: string; role: string; contacts: Map<string, ContactCard> }) {
  const contact = contacts.get(id);
  const phones = contact ? [contact.phone, ...(contact.alternates?.phones ?? [])].filter((v): v is string => !!v) : [];
  const emails = contact ? [contact.email, ...(contact.alternates?.emails ?? [])].filter((v): v is string => !!v) : [];
  const channels = [...new Set(contact?.identities.map((i) => i.channel) ?? [])];
  return (
    <div className="side" role="group" aria-label={`${role}: ${titleOf(id, contacts)}`}>
      <span className="muted">{role}</span> <ContactRef id={id} contacts={contacts} />
      {channels.length > 0 ? (
        <span className="channels">
          {channels.map((c) => (
            <span key={c} title={channelLabel(c)}>
              <ChannelIcon channel={c} />
              <span className="visually-hidden">{channelLabel(c)}</span>
            </span>
          ))}
        </span>
      ) : null}
      {phones.length > 0 ? <div>{phones.map(formatPhone).join(', ')}</div> : null}
      {emails.length > 0 ? <div>{emails.join(', ')}</div> : null}
    </div>
  );
}

/** Manual merge mode's queue (docs/merging.md): each suggested merge with its evidence, to approve or reject. */
export function SuggestionsScreen() {
  const [params, setParams] = useAddressParams();
  const status = params.get('status') ?? 'pending';
  const list = useLoad(() => loadSuggestions(status), [status]);
  // new suggestions and decisions made elsewhere show without reload
  useLive((event) => {
    if (event.type === 'merge.suggested' || event.type === 'merge.rejected' || event.type === 'contact.merged') list.reload();
  });
  const decide = useAction();

  const [notice, setNotice] = useState<string | null>(null);

  const reject = async (suggestion: Suggestion) => {
    const decided = await decide.run<unknown>(() => api.rejectSuggestion(suggestion.id));
    if (!decided) return;
    setNotice(`Rejected: both contacts stay and this pair is not suggested again.`);
    list.reload();
  };

  return (
    <section>
      <h1>Merge suggestions</h1>
      <p className="muted">
        In manual merge mode, links and rule matches wait here for an operator; so do likely duplicates, in any mode. Approving shows the merge's preview, where you choose which values stay; rejecting keeps both contacts.
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
            <div className="sides">
              <Side id={suggestion.from_contact_id} role="Merged away" contacts={list.data!.contacts} />
              <Side id={suggestion.to_contact_id} role="Stays" contacts={list.data!.contacts} />
            </div>
            <Evidence suggestion={suggestion} />
            {suggestion.status === 'pending' ? (
              <div className="actions">
                <Link
                  className="button primary"
                  aria-label={`Approve ${what}`}
                  to={`/merge?${new URLSearchParams({ a: suggestion.to_contact_id, b: suggestion.from_contact_id, suggestion: suggestion.id })}`}
                >
                  Review and approve
                </Link>
                <button type="button" aria-label={`Reject ${what}`} disabled={decide.pending} onClick={() => reject(suggestion)}>
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
