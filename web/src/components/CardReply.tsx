import { useState } from 'react';
import { api, type Channel, type ContactCard } from '../api';
import { channelLabel } from '../channels';
import { useAction, useLoad } from '../hooks';
import { ErrorNote } from './ErrorNote';

/**
 * Answer the contact from its card on any of its messengers: the recommended channel is preselected; the text
 * goes into that channel's conversation (POST /v1/conversations/{id}/messages).
 */
export function CardReply({ card }: { card: ContactCard }) {
  const conversations = useLoad(() => api.conversations(card.id), [card.id, card.identities.length]);
  const [chosen, setChosen] = useState<Channel | null>(null);
  const [text, setText] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const send = useAction();
  const items = conversations.data?.items ?? [];
  if (items.length === 0) return null;
  const channels = [...new Set(items.map((c) => c.channel))];
  const fallback = card.recommended_channel && channels.includes(card.recommended_channel) ? card.recommended_channel : channels[0];
  const channel = chosen && channels.includes(chosen) ? chosen : fallback;
  // the channel's most recent conversation (a contact may have several bots on one messenger)
  const target = items.filter((c) => c.channel === channel).sort((a, b) => (b.last_message_at ?? '').localeCompare(a.last_message_at ?? ''))[0];

  return (
    <section aria-labelledby="card-reply-title">
      <h2 id="card-reply-title">Answer</h2>
      <form
        className="reply"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!target) return;
          if (await send.run(() => api.sendMessage(target.id, text))) {
            setSent(channelLabel(channel));
            setText('');
          }
        }}
      >
        <label>
          Channel
          <select value={channel} onChange={(e) => (setSent(null), setChosen(e.target.value as Channel))}>
            {channels.map((c) => (
              <option key={c} value={c}>
                {channelLabel(c)}
                {c === card.recommended_channel ? ' (recommended)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Message
          <textarea value={text} onChange={(e) => (setSent(null), setText(e.target.value))} rows={2} />
        </label>
        <button type="submit" disabled={send.pending || text.trim() === '' || !target}>
          Send
        </button>
      </form>
      {sent ? <p role="status" className="notice">Sent on {sent}.</p> : null}
      <ErrorNote error={send.error} />
    </section>
  );
}
