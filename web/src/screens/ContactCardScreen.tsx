import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { api, type ContactCard } from '../api';
import { ContactEditor } from '../components/ContactEditor';
import { ContactFields } from '../components/ContactFields';
import { ErrorNote } from '../components/ErrorNote';
import { HistoryPanel } from '../components/HistoryPanel';
import { LikelyDuplicatesPanel } from '../components/LikelyDuplicatesPanel';
import { NotesPanel } from '../components/NotesPanel';
import { PendingLinksPanel } from '../components/PendingLinksPanel';
import { CardReply } from '../components/CardReply';
import { OneContactNotice } from '../components/OneContactNotice';
import { PendingMergesPanel } from '../components/PendingMergesPanel';
import { RelatedDialogs } from '../components/RelatedDialogs';
import { contactTitle } from '../format';
import { useLoad } from '../hooks';
import { aboutContact, useLive } from '../live';

/** A merged-away contact's page: where everything it had went, by name, with a link. */
function MergedAway({ contact }: { contact: ContactCard }) {
  const survivor = useLoad(() => (contact.merged_into ? api.contact(contact.merged_into) : Promise.resolve(null)), [contact.merged_into]);
  return (
    <section>
      <h1>{contactTitle(contact)}</h1>
      <p role="status">
        This contact was merged into{' '}
        {contact.merged_into ? <Link to={`/contacts/${contact.merged_into}`}>{survivor.data ? `«${contactTitle(survivor.data)}»` : 'the contact it became part of'}</Link> : 'another contact'};
        everything it had is there now.
      </p>
    </section>
  );
}

/** The contact card: fields, related dialogs, notes and history with undo and unmerge. */
export function ContactCardScreen() {
  const { id = '' } = useParams();
  const card = useLoad(() => api.contact(id), [id]);
  // merges, changes and new messages of this contact show without reload
  useLive((event) => {
    if (aboutContact(event, id)) card.reload();
  });
  // A merge that just finished says so here (the merge screen passes it along).
  const mergedNotice = (useLocation().state as { notice?: string } | null)?.notice;
  const [unmerged, setUnmerged] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);

  if (card.error) return <ErrorNote error={card.error} />;
  if (!card.data) return <p>Loading…</p>;
  const contact = card.data;

  if (contact.state === 'merged') return <MergedAway contact={contact} />;

  return (
    <div className="card">
      <section aria-labelledby="contact-title">
        <div className="title-row">
          <h1 id="contact-title">{contactTitle(contact)}</h1>
          <Link className="button" to={`/merge?a=${contact.id}`}>
            Merge with another contact
          </Link>
        </div>
        {mergedNotice ? <p role="status" className="notice">{mergedNotice}</p> : null}
        <OneContactNotice card={contact} />
        <PendingMergesPanel contactId={contact.id} />
        {unmerged ? (
          <p role="status" className="notice">
            Unmerged: the identity is now <Link to={`/contacts/${unmerged}`}>a contact of its own</Link>.
          </p>
        ) : null}
        {saved && !editing ? <p role="status" className="notice">Saved.</p> : null}
        {editing ? (
          <ContactEditor
            contact={contact}
            onCancel={() => setEditing(false)}
            onSaved={() => {
              setEditing(false);
              setSaved(true);
              card.reload();
            }}
          />
        ) : (
          <>
            <ContactFields contact={contact} />
            <button type="button" onClick={() => (setSaved(false), setEditing(true))}>
              Edit contact
            </button>
          </>
        )}
      </section>
      <RelatedDialogs
        card={contact}
        onChanged={(newContactId) => {
          setUnmerged(newContactId ?? null);
          card.reload();
        }}
      />
      <CardReply card={contact} />
      <PendingLinksPanel contactId={contact.id} version={contact.updated_at} onChanged={card.reload} />
      <LikelyDuplicatesPanel contact={contact} />
      <NotesPanel contactId={contact.id} />
      <HistoryPanel contactId={contact.id} version={contact.updated_at} onChanged={card.reload} />
    </div>
  );
}
