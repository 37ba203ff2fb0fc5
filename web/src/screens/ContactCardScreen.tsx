import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { api } from '../api';
import { ContactFields } from '../components/ContactFields';
import { ErrorNote } from '../components/ErrorNote';
import { HistoryPanel } from '../components/HistoryPanel';
import { LikelyDuplicatesPanel } from '../components/LikelyDuplicatesPanel';
import { NotesPanel } from '../components/NotesPanel';
import { RelatedDialogs } from '../components/RelatedDialogs';
import { contactTitle } from '../format';
import { useLoad } from '../hooks';

/** The contact card: fields, related dialogs, notes and history with undo and unmerge. */
export function ContactCardScreen() {
  const { id = '' } = useParams();
  const card = useLoad(() => api.contact(id), [id]);
  // A merge that just finished says so here (the merge screen passes it along).
  const mergedNotice = (useLocation().state as { notice?: string } | null)?.notice;
  const [unmerged, setUnmerged] = useState<string | null>(null);

  if (card.error) return <ErrorNote error={card.error} />;
  if (!card.data) return <p>Loading…</p>;
  const contact = card.data;

  if (contact.state === 'merged') {
    return (
      <section>
        <h1>{contactTitle(contact)}</h1>
        <p role="status">
          This contact was merged into <Link to={`/contacts/${contact.merged_into}`}>another contact</Link>; everything it had is there now.
        </p>
      </section>
    );
  }

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
        {unmerged ? (
          <p role="status" className="notice">
            Unmerged: the identity is now <Link to={`/contacts/${unmerged}`}>a contact of its own</Link>.
          </p>
        ) : null}
        <ContactFields contact={contact} />
      </section>
      <RelatedDialogs
        card={contact}
        onChanged={(newContactId) => {
          setUnmerged(newContactId ?? null);
          card.reload();
        }}
      />
      <LikelyDuplicatesPanel contact={contact} />
      <NotesPanel contactId={contact.id} />
      <HistoryPanel contactId={contact.id} version={contact.updated_at} onChanged={card.reload} />
    </div>
  );
}
