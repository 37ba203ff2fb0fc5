import { useState } from 'react';
import { api, type Contact } from '../api';
import { contactTitle } from '../format';
import { useAction } from '../hooks';
import { ContactSearchForm, toSearch } from './ContactSearch';
import { ErrorNote } from './ErrorNote';

/** Search for a contact and choose one of the results. */
export function ContactPicker({ label, onPick }: { label: string; onPick: (contact: Contact) => void }) {
  const search = useAction();
  const [found, setFound] = useState<Contact[] | null>(null);
  return (
    <div className="picker">
      <ContactSearchForm
        field="q"
        value=""
        label={label}
        onSearch={async (field, value) => {
          const page = await search.run(() => api.contacts({ ...toSearch(field, value), limit: 20 }));
          if (page) setFound(page.items);
        }}
      />
      <ErrorNote error={search.error} />
      {found && found.length === 0 ? <p className="muted">No active contact matches.</p> : null}
      <ul className="list">
        {found?.map((contact) => (
          <li key={contact.id}>
            <span>
              <strong>{contactTitle(contact)}</strong> <span className="muted">{[contact.phone, contact.email].filter(Boolean).join(' · ')}</span>
            </span>
            <button type="button" onClick={() => onPick(contact)} aria-label={`Choose ${contactTitle(contact)}`}>
              Choose
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
