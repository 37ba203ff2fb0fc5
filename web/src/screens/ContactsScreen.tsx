import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, type Channel, type ContactListItem, type ContactSearch } from '../api';
import { CHANNEL_LOOK, ChannelIcon, channelLabel } from '../channels';
import { ContactSearchForm, SEARCH_FIELDS, toSearch, type SearchField } from '../components/ContactSearch';
import { ErrorNote } from '../components/ErrorNote';
import { attachmentSummary, contactTitle, formatPhone, formatTime } from '../format';
import { useAction, useLoad, useAddressParams } from '../hooks';
import { useLive } from '../live';

/** A contact known only through a messenger is called what the messenger calls it. */
const titleOf = (c: ContactListItem) => c.name ?? (c.phone ? formatPhone(c.phone) : null) ?? c.email ?? c.external_id ?? c.messenger_name ?? contactTitle(c);

function excerpt(c: ContactListItem): string | null {
  const m = c.last_message;
  if (!m) return null;
  const text = m.text ?? (attachmentSummary(m.attachments) || '(no text)');
  const short = text.length > 90 ? `${text.slice(0, 89)}…` : text;
  return `${m.direction === 'out' ? 'You: ' : ''}${short}`;
}

function Row({ contact, picked, onToggle }: { contact: ContactListItem; picked: boolean; onToggle: () => void }) {
  const title = titleOf(contact);
  const details = [contact.phone && formatPhone(contact.phone), contact.email, contact.external_id].filter((v): v is string => !!v && v !== title);
  const last = excerpt(contact);
  return (
    <li aria-label={title}>
      <input type="checkbox" aria-label={`Pick ${title}`} checked={picked} onChange={onToggle} />
      <Link to={`/contacts/${contact.id}`} className="contact-link">
        <span className="contact-head">
          <strong>{title}</strong>
          {contact.channels.length > 0 ? (
            <span className="channels" aria-label={`On ${contact.channels.map(channelLabel).join(', ')}`}>
              {contact.channels.map((c) => (
                <ChannelIcon key={c} channel={c} />
              ))}
            </span>
          ) : null}
        </span>
        {details.length > 0 ? <span className="muted">{details.join(' · ')}</span> : null}
        {last ? (
          <span className="last-message">
            {last} <span className="muted">· {formatTime(contact.last_message!.at)}</span>
          </span>
        ) : (
          <span className="muted">No messages yet</span>
        )}
      </Link>
      <span className="row-side">
        {contact.recommended_channel ? <span className="badge">Answer in {channelLabel(contact.recommended_channel)}</span> : null}
        {contact.tags.map((tag) => (
          <span key={tag} className="tag">
            {tag}
          </span>
        ))}
      </span>
    </li>
  );
}

/** Find contacts, filter and sort them; tick two to merge them. Search and filters are kept in the address so Back returns to them. */
export function ContactsScreen() {
  const [params, setParams] = useAddressParams();
  const field = (SEARCH_FIELDS.some((f) => f.field === params.get('by')) ? params.get('by') : 'q') as SearchField;
  const value = params.get('for') ?? '';
  const channel = params.get('channel') ?? '';
  const tag = params.get('tag') ?? '';
  const openOnly = params.get('window') === 'open';
  const byActivity = params.get('sort') !== 'newest';
  const search: ContactSearch = {
    ...toSearch(field, value),
    ...(channel ? { channel } : {}),
    ...(tag ? { tag } : {}),
    ...(openOnly ? { window: 'open' as const } : {}),
    ...(byActivity ? { sort: 'last_activity' as const } : {}),
  };
  const [more, setMore] = useState<{ items: ContactListItem[]; cursor: string | null } | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [tagText, setTagText] = useState(tag);
  const navigate = useNavigate();
  const page = useLoad(() => {
    setMore(null);
    return api.contacts({ ...search, limit: 50 });
  }, [field, value, channel, tag, openOnly, byActivity]);
  const loadMore = useAction();
  // a new client or a new message shows without reload (the tab's one live stream)
  useLive((event) => {
    if (event.type === 'contact.created' || (event.type === 'message.created' && event.data.direction === 'in')) page.reload();
  });

  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next);
  };

  const items = [...(page.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : (page.data?.next_cursor ?? null);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));
  const filtered = value !== '' || channel !== '' || tag !== '' || openOnly;

  return (
    <section>
      <h1>Contacts</h1>
      <ContactSearchForm key={`${field}:${value}`} field={field} value={value} onSearch={(by, text) => set({ by: text.trim() ? by : null, for: text.trim() || null })} />
      <div className="filters" role="group" aria-label="Filter and sort">
        <label>
          Messenger
          <select value={channel} onChange={(e) => set({ channel: e.target.value || null })}>
            <option value="">All messengers</option>
            {(Object.keys(CHANNEL_LOOK) as Channel[]).map((c) => (
              <option key={c} value={c}>
                {channelLabel(c)}
              </option>
            ))}
          </select>
        </label>
        <form
          className="tag-filter"
          onSubmit={(e) => {
            e.preventDefault();
            set({ tag: tagText.trim() || null });
          }}
        >
          <label>
            With tag
            <input value={tagText} onChange={(e) => setTagText(e.target.value)} onBlur={() => set({ tag: tagText.trim() || null })} />
          </label>
        </form>
        <label className="radio">
          <input
            type="checkbox"
            checked={openOnly}
            onChange={(e) => set({ window: e.target.checked ? 'open' : null })}
          />
          Can be written to now
        </label>
        <label>
          Sort
          <select value={byActivity ? 'last_activity' : 'newest'} onChange={(e) => set({ sort: e.target.value === 'newest' ? 'newest' : null })}>
            <option value="last_activity">Last activity</option>
            <option value="newest">Newest contacts</option>
          </select>
        </label>
      </div>
      <div className="toolbar">
        <span>{picked.length === 2 ? 'Two contacts picked.' : 'Tick two contacts to merge them.'}</span>
        <button type="button" disabled={picked.length !== 2} onClick={() => navigate(`/merge?a=${picked[0]}&b=${picked[1]}`)}>
          Merge selected
        </button>
      </div>
      <ErrorNote error={page.error} />
      {page.loading ? (
        <p role="status" className="muted">
          Loading contacts…
        </p>
      ) : null}
      {page.data && !page.loading && items.length === 0 ? (
        <p>{filtered ? 'No active contact matches this search and these filters.' : 'No contacts yet: they appear with the first inbound message.'}</p>
      ) : null}
      <ul className="list contacts" aria-label="Contacts" aria-busy={page.loading}>
        {items.map((contact) => (
          <Row key={contact.id} contact={contact} picked={picked.includes(contact.id)} onToggle={() => toggle(contact.id)} />
        ))}
      </ul>
      {cursor ? (
        <button
          type="button"
          disabled={loadMore.pending}
          onClick={async () => {
            const next = await loadMore.run(() => api.contacts({ ...search, limit: 50, cursor }));
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
