import { Link } from 'react-router';
import { api, type Conversation } from '../api';
import { ChannelName } from '../channels';
import { ErrorNote } from '../components/ErrorNote';
import { contactTitle, formatTime } from '../format';
import { useLoad } from '../hooks';
import { useLive } from '../live';
import { useSession } from '../session';

/** The signed-in operator's conversations with their contacts' names, newest first. */
async function loadMine(): Promise<Array<{ conversation: Conversation; contact: string }>> {
  const { items } = await api.myConversations();
  const ids = [...new Set(items.map((c) => c.contact_id))];
  const cards = await Promise.all(ids.map((id) => api.contact(id)));
  const names = new Map(cards.map((card) => [card.id, contactTitle(card)]));
  return items.map((conversation) => ({ conversation, contact: names.get(conversation.contact_id) ?? 'a contact' }));
}

/** "Mine": the dialogs assigned to me (Assign to myself on a dialog puts it here). */
export function MineScreen() {
  const { me } = useSession();
  const list = useLoad(() => (me?.operator_id ? loadMine() : Promise.resolve([])), [me?.operator_id]);
  const shown = new Set((list.data ?? []).map((d) => d.conversation.id));
  useLive((event) => {
    if (event.type === 'message.created' && shown.has(String(event.data.conversation_id))) list.reload();
  });
  return (
    <section>
      <h1>Mine</h1>
      {!me?.operator_id ? <p className="muted">Dialogs are assigned to operators: sign in with your e-mail and password to have some of your own.</p> : null}
      <ErrorNote error={list.error} />
      {list.data && list.data.length === 0 && me?.operator_id ? <p className="muted">No dialog is assigned to you. Open one and press “Assign to myself”.</p> : null}
      {!list.data && !list.error ? <p className="muted">Loading…</p> : null}
      <ul className="list mine">
        {(list.data ?? []).map(({ conversation, contact }) => (
          <li key={conversation.id}>
            <Link to={`/contacts/${conversation.contact_id}/conversations/${conversation.id}`}>
              <strong>{contact}</strong> · <ChannelName channel={conversation.channel} />
            </Link>
            <div className="muted">
              {conversation.last_message ? `${conversation.last_message.direction === 'in' ? 'Client' : 'You'}: ${conversation.last_message.text ?? '(attachment)'} · ${formatTime(conversation.last_message.created_at)}` : 'No messages'}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
