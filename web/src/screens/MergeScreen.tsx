import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, type Contact, type MergeAnswer } from '../api';
import { ContactPicker } from '../components/ContactPicker';
import { ErrorNote } from '../components/ErrorNote';
import { contactTitle } from '../format';
import { useAction, useLoad } from '../hooks';

type Slot = 'a' | 'b';

// What the preview compares, field by field: which value the survivor ends with (docs/merging.md).
const COMPARED: Array<{ label: string; value: (c: Contact) => string }> = [
  { label: 'Name', value: (c) => c.name ?? '' },
  { label: 'Phone', value: (c) => c.phone ?? '' },
  { label: 'E-mail', value: (c) => c.email ?? '' },
  { label: 'External id', value: (c) => c.external_id ?? '' },
  { label: 'Other phones', value: (c) => c.alternates?.phones.join(', ') ?? '' },
  { label: 'Other e-mails', value: (c) => c.alternates?.emails.join(', ') ?? '' },
  { label: 'Tags', value: (c) => c.tags.join(', ') },
  { label: 'Variables', value: (c) => Object.entries(c.variables ?? {}).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') },
];

const COUNT_WORDS: Record<string, string> = {
  identities: 'Identities',
  conversations: 'Conversations taken over',
  conversations_joined: 'Conversations joined into the survivor’s',
  messages: 'Messages',
  attachments: 'Attachments',
  contact_events: 'Contact events',
  conversation_events: 'Conversation events',
  notes: 'Notes',
  references: 'References',
  scheduled_messages_deleted: 'Scheduled messages deleted',
  tags_added: 'Tags added',
  alternates_added: 'Phones and e-mails kept as alternates',
  contacts_redirected: 'Earlier merged contacts redirected',
};

function Preview({ from, to, answer }: { from: Contact; to: Contact; answer: MergeAnswer }) {
  const moves = Object.entries(answer.moved).filter(([, count]) => count > 0);
  return (
    <section aria-labelledby="preview-title" className="preview">
      <h2 id="preview-title">Preview</h2>
      <p>
        Everything of <strong>{contactTitle(from)}</strong> moves into <strong>{contactTitle(to)}</strong>; {contactTitle(from)} is kept as merged and
        the merge can be undone from the history.
      </p>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Merged away</th>
              <th scope="col">Survivor now</th>
              <th scope="col">After the merge</th>
            </tr>
          </thead>
          <tbody>
            {COMPARED.filter(({ value }) => value(from) !== '' || value(to) !== '' || value(answer.contact) !== '').map(({ label, value }) => {
              const result = value(answer.contact);
              const changed = result !== value(to);
              return (
                <tr key={label} className={changed ? 'changed' : undefined}>
                  <th scope="row">{label}</th>
                  <td>{value(from)}</td>
                  <td>{value(to)}</td>
                  <td>
                    {result}
                    {changed ? <span className="badge">changes</span> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h3>What moves</h3>
      {moves.length === 0 ? (
        <p className="muted">Nothing but the contact's fields.</p>
      ) : (
        <ul aria-label="What moves">
          {moves.map(([name, count]) => (
            <li key={name}>
              {COUNT_WORDS[name] ?? name.replace(/_/g, ' ')}: {count}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Merge two contacts: pick both, choose the survivor, look at the dry run, confirm (docs/merging.md). */
export function MergeScreen() {
  const [params, setParams] = useSearchParams();
  const ids = { a: params.get('a') ?? '', b: params.get('b') ?? '' };
  const [survivor, setSurvivor] = useState<Slot>('a');
  const [preview, setPreview] = useState<MergeAnswer | null>(null);
  const picked = useLoad(
    async () => ({ a: ids.a ? await api.contact(ids.a) : null, b: ids.b ? await api.contact(ids.b) : null }),
    [ids.a, ids.b],
  );
  const dryRun = useAction();
  const merge = useAction();
  const navigate = useNavigate();

  const pick = (slot: Slot, id: string) => {
    const next = new URLSearchParams(params);
    if (id) next.set(slot, id);
    else next.delete(slot);
    setParams(next);
    setPreview(null);
  };

  const a = picked.data?.a ?? null;
  const b = picked.data?.b ?? null;
  const to = survivor === 'a' ? a : b;
  const from = survivor === 'a' ? b : a;
  const ready = a && b && a.id !== b.id && a.state === 'active' && b.state === 'active';

  return (
    <section>
      <h1>Merge two contacts</h1>
      <ErrorNote error={picked.error} />
      <div className="merge-slots">
        {(['a', 'b'] as const).map((slot) => {
          const contact = slot === 'a' ? a : b;
          const title = slot === 'a' ? 'First contact' : 'Second contact';
          return (
            <div key={slot} className="slot" role="group" aria-label={title}>
              <h2>{title}</h2>
              {contact ? (
                <>
                  <p>
                    <Link to={`/contacts/${contact.id}`}>{contactTitle(contact)}</Link>{' '}
                    <span className="muted">{[contact.phone, contact.email].filter(Boolean).join(' · ')}</span>
                    {contact.state === 'merged' ? <span className="error"> already merged: pick another</span> : null}
                  </p>
                  <label className="radio">
                    <input type="radio" name="survivor" checked={survivor === slot} onChange={() => (setSurvivor(slot), setPreview(null))} />
                    Keep {contactTitle(contact)}
                  </label>
                  <button type="button" className="link-button" onClick={() => pick(slot, '')}>
                    Change
                  </button>
                </>
              ) : (
                <ContactPicker label={`Find the ${title.toLowerCase()}`} onPick={(c) => pick(slot, c.id)} />
              )}
            </div>
          );
        })}
      </div>
      {a && b && a.id === b.id ? <p className="error" role="alert">Pick two different contacts.</p> : null}
      {ready && from && to ? (
        <>
          <p>
            <strong>{contactTitle(to)}</strong> stays; <strong>{contactTitle(from)}</strong> is merged into it.
          </p>
          <button
            type="button"
            disabled={dryRun.pending}
            onClick={async () => setPreview((await dryRun.run(() => api.merge(from.id, to.id, true))) ?? null)}
          >
            Preview merge
          </button>
          <ErrorNote error={dryRun.error} />
          {preview ? (
            <>
              <Preview from={from} to={to} answer={preview} />
              <button
                type="button"
                className="primary"
                disabled={merge.pending}
                onClick={async () => {
                  const done = await merge.run(() => api.merge(from.id, to.id, false));
                  if (done) navigate(`/contacts/${to.id}`, { state: { notice: `Merged ${contactTitle(from)} into this contact. Undo it from the history below.` } });
                }}
              >
                Confirm merge
              </button>
              <ErrorNote error={merge.error} />
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
