import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, type Contact } from '../api';
import { ContactSearchForm, SEARCH_FIELDS, toSearch, type SearchField } from '../components/ContactSearch';
import { ErrorNote } from '../components/ErrorNote';
import { contactTitle } from '../format';
import { useAction, useLoad } from '../hooks';

/** Find contacts; tick two to merge them. The search is kept in the address so Back returns to it. */
export function ContactsScreen() {
  const [params, setParams] = useSearchParams();
  const field = (SEARCH_FIELDS.some((f) => f.field === params.get('by')) ? params.get('by') : 'q') as SearchField;
  const value = params.get('for') ?? '';
  const [more, setMore] = useState<{ items: Contact[]; cursor: string | null } | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const navigate = useNavigate();
  const page = useLoad(() => {
    setMore(null);
    return api.contacts({ ...toSearch(field, value), limit: 50 });
  }, [field, value]);
  const loadMore = useAction();

  const items = [...(page.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : (page.data?.next_cursor ?? null);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));

  return (
    <section>
      <h1>Contacts</h1>
      <ContactSearchForm key={`${field}:${value}`} field={field} value={value} onSearch={(by, text) => setParams(text.trim() ? { by, for: text.trim() } : {})} />
      <div className="toolbar">
        <span>{picked.length === 2 ? 'Two contacts picked.' : 'Tick two contacts to merge them.'}</span>
        <button type="button" disabled={picked.length !== 2} onClick={() => navigate(`/merge?a=${picked[0]}&b=${picked[1]}`)}>
          Merge selected
        </button>
      </div>
      <ErrorNote error={page.error} />
      {page.loading && !page.data ? <p>Loading…</p> : null}
      {page.data && items.length === 0 ? <p>{value ? 'No active contact matches this search.' : 'No contacts yet: they appear with the first inbound message.'}</p> : null}
      <ul className="list contacts">
        {items.map((contact) => (
          <li key={contact.id}>
            <input type="checkbox" aria-label={`Pick ${contactTitle(contact)}`} checked={picked.includes(contact.id)} onChange={() => toggle(contact.id)} />
            <Link to={`/contacts/${contact.id}`} className="contact-link">
              <strong>{contactTitle(contact)}</strong>
              <span className="muted">{[contact.phone, contact.email, contact.external_id].filter(Boolean).join(' · ')}</span>
            </Link>
            <span className="tags">
              {contact.tags.map((tag) => (
                <span key={tag} className="tag">
                  {tag}
                </span>
              ))}
            </span>
          </li>
        ))}
      </ul>
      {cursor ? (
        <button
          type="button"
          disabled={loadMore.pending}
          onClick={async () => {
            const next = await loadMore.run(() => api.contacts({ ...toSearch(field, value), limit: 50, cursor }));
            if (next) setMore({ items: [...(more?.items ?? []), ...next.items], cursor: next.next_cursor });
          }}
        >
          More contacts
        </button>
      ) : null}
      <ErrorNote error={loadMore.error} />
    </section>
  );
}
