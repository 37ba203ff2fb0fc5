import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, type Attachment, type Channel, type InviteAnswer, type Message } from '../api';
import { ChannelName, channelLabel } from '../channels';
import { ErrorNote } from '../components/ErrorNote';
import { handleOf } from '../components/RelatedDialogs';
import { InviteResult } from '../components/InviteResult';
import { contactTitle, formatTime, referralText } from '../format';
import { useAction, useLoad } from '../hooks';
import { aboutContact, useLive } from '../live';
import { useSession } from '../session';
import { AssigneeBar } from '../components/AssigneeBar';
import { OneContactNotice } from '../components/OneContactNotice';
import { PendingMergesPanel } from '../components/PendingMergesPanel';

// The channels a merge link can be made for (docs/links.md).
const LINKABLE: Channel[] = ['telegram', 'whatsapp', 'instagram', 'facebook', 'viber', 'vk', 'line', 'max'];
const PAGE = 100;

async function loadConversation(contactId: string, conversationId: string) {
  const [card, conversations, bots, messages] = await Promise.all([
    api.contact(contactId),
    api.conversations(contactId),
    api.bots(),
    api.messages(conversationId, { order: 'desc', limit: PAGE }),
  ]);
  const conversation = conversations.items.find((c) => c.id === conversationId) ?? null;
  const inviteChannels = LINKABLE.filter((channel) => channel !== conversation?.channel && bots.items.some((bot) => bot.channel === channel));
  return { card, conversation, inviteChannels, messages };
}

// Outbound delivery states in words (docs/links.md: without credentials the host delivers the message;
// a queued message is retried through a messenger outage, docs/messengers.md).
const DELIVERY_WORDS: Record<string, string> = {
  queued: 'waiting to be sent',
  sending: 'sending',
  sent: 'sent',
  failed: 'not delivered',
  handed_over: 'handed to your system to deliver',
};

/** `https:` files open in a new tab; file ids (fetched through the messenger's API) are shown as text. */
function AttachmentChip({ attachment }: { attachment: Attachment }) {
  const label = [attachment.type, attachment.name].filter(Boolean).join(' · ');
  const link = attachment.url && /^(https?|geo|tel):/.test(attachment.url) ? attachment.url : null;
  // an image the browser can load is shown inline; other files (and images known only by a messenger's file id) as links or text
  const image = link?.startsWith('https:') && (attachment.mime_type?.startsWith('image/') || ['photo', 'image', 'sticker'].includes(attachment.type));
  return (
    <li className={image ? 'attachment image' : 'attachment'} title={attachment.file_id ?? attachment.url ?? undefined}>
      {image ? (
        <a href={link!} target="_blank" rel="noreferrer">
          <img src={link!} alt={label} loading="lazy" />
        </a>
      ) : null}
      📎 {link ? <a href={link} target="_blank" rel="noreferrer">{label}</a> : label}
      {attachment.mime_type ? <span className="muted"> {attachment.mime_type}</span> : null}
    </li>
  );
}

const pending = (message: Message) => message.direction === 'out' && (message.delivery_state === 'queued' || message.delivery_state === 'sending');

function MessageItem({ message, onRetry, retrying }: { message: Message; onRetry: (message: Message) => void; retrying: boolean }) {
  const failed = message.direction === 'out' && message.delivery_state === 'failed';
  const attachments = message.attachments ?? [];
  return (
    <li className={`message ${message.direction}`} data-state={message.delivery_state ?? undefined}>
      {message.referral ? <p className="referral muted">{referralText(message.referral)}</p> : null}
      {message.text !== null || attachments.length === 0 ? <p>{message.text ?? <span className="muted">(no text)</span>}</p> : null}
      {attachments.length > 0 ? (
        <ul className="attachments" aria-label="Attachments">
          {attachments.map((a) => (
            <AttachmentChip key={a.id} attachment={a} />
          ))}
        </ul>
      ) : null}
      <span className="muted">
        {formatTime(message.created_at)}
        {message.direction === 'out' && message.delivery_state ? ` · ${DELIVERY_WORDS[message.delivery_state] ?? message.delivery_state}` : ''}
        {message.delivery_error ? ` · ${pending(message) ? 'last try: ' : ''}${message.delivery_error}` : ''}
      </span>
      {failed ? (
        <button type="button" disabled={retrying} onClick={() => onRetry(message)}>
          Retry
        </button>
      ) : null}
    </li>
  );
}

/** One dialog: its messages, a reply box, and invites to the client's other messengers (docs/links.md). */
export function ConversationScreen() {
  const { contactId = '', conversationId = '' } = useParams();
  const view = useLoad(() => loadConversation(contactId, conversationId), [contactId, conversationId]);
  const [older, setOlder] = useState<{ items: Message[]; cursor: string | null } | null>(null);
  const [reply, setReply] = useState('');
  const [invite, setInvite] = useState<{ channel: Channel; answer: InviteAnswer } | null>(null);
  const loadOlder = useAction();
  const send = useAction();
  const inviting = useAction();
  const retrying = useAction();
  const anyPending = [...(view.data?.messages.items ?? []), ...(older?.items ?? [])].some(pending);

  // a new message in this dialog, or a change to its contact, shows without reload (one stream per tab)
  useLive((event) => {
    const inner = event.data.data ?? {};
    if (event.data.conversation_id === conversationId || inner.conversation_id === conversationId || (event.type.startsWith('contact.') && aboutContact(event, contactId))) view.reload();
  });
  const { me } = useSession();

  // a queued message goes out in the background: look again until none is on its way
  useEffect(() => {
    if (!anyPending) return;
    const timer = setTimeout(() => view.reload(), 1500);
    return () => clearTimeout(timer);
  }, [anyPending, view.data, view.reload]);

  if (view.error) return <ErrorNote error={view.error} />;
  if (!view.data) return <p>Loading…</p>;
  const { card, conversation, inviteChannels, messages } = view.data;
  const cursor = older ? older.cursor : messages.next_cursor;
  const shown = [...messages.items, ...(older?.items ?? [])].reverse();

  // the invite is made without sending: the operator reads and edits it first (InviteResult)
  const makeInvite = async (channel: Channel) => {
    const answer = await inviting.run(() => api.invite(conversationId, channel));
    if (answer) setInvite({ channel, answer });
  };
  const sendInvite = async (text: string) => {
    const sent = await inviting.run(() => api.sendMessage(conversationId, text));
    if (!sent) return false;
    setOlder(null);
    view.reload();
    return true;
  };

  return (
    <section className="conversation">
      <p>
        <Link to={`/contacts/${card.id}`}>← {contactTitle(card)}</Link>
      </p>
      <h1>{conversation ? <ChannelName channel={conversation.channel} /> : 'Conversation'}</h1>
      <p className="muted">
        {card.identities
          .filter((identity) => identity.bot_id === conversation?.bot_id)
          .map((identity) => `${handleOf(identity)} · ${identity.reachable === false ? `cannot be written to: ${identity.unreachable_reason ?? 'the messenger refused'}` : identity.window_open ? 'window open' : 'window closed'}`)
          .join('; ')}
      </p>
      <OneContactNotice card={card} />
      <PendingMergesPanel contactId={card.id} />
      {conversation?.referral ? <p className="referral">{referralText(conversation.referral)}</p> : null}
      {conversation ? <AssigneeBar conversationId={conversation.id} assignee={conversation.assignee} me={me} onChanged={view.reload} /> : null}

      <div className="invites" role="group" aria-label="Invite to another messenger">
        {inviteChannels.map((channel) => (
          <button key={channel} type="button" disabled={inviting.pending} onClick={() => makeInvite(channel)}>
            Invite to {channelLabel(channel)}
          </button>
        ))}
        {inviteChannels.length === 0 ? <p className="muted">Connect a bot of another messenger to invite the client there.</p> : null}
      </div>
      <ErrorNote error={inviting.error} />
      {invite ? (
        <InviteResult key={invite.answer.url} channel={invite.channel} invite={invite.answer} onSend={sendInvite} sending={inviting.pending} />
      ) : null}

      {cursor ? (
        <button
          type="button"
          disabled={loadOlder.pending}
          onClick={async () => {
            const page = await loadOlder.run(() => api.messages(conversationId, { order: 'desc', limit: PAGE, cursor }));
            if (page) setOlder({ items: [...(older?.items ?? []), ...page.items], cursor: page.next_cursor });
          }}
        >
          Older messages
        </button>
      ) : null}
      <ErrorNote error={loadOlder.error} />
      <ol className="messages" aria-label="Messages">
        {shown.map((message) => (
          <MessageItem
            key={message.id}
            message={message}
            retrying={retrying.pending}
            onRetry={async (failed) => {
              if (await retrying.run(() => api.retryMessage(failed.id))) {
                setOlder(null);
                view.reload();
              }
            }}
          />
        ))}
      </ol>
      {shown.length === 0 ? <p className="muted">No messages yet.</p> : null}
      <ErrorNote error={retrying.error} />

      <form
        className="reply"
        onSubmit={async (event) => {
          event.preventDefault();
          if (await send.run(() => api.sendMessage(conversationId, reply))) {
            setReply('');
            setOlder(null);
            view.reload();
          }
        }}
      >
        <label>
          Reply
          <textarea value={reply} onChange={(e) => setReply(e.target.value)} rows={2} />
        </label>
        <button type="submit" disabled={send.pending || reply.trim() === ''}>
          Send
        </button>
      </form>
      <ErrorNote error={send.error} />
    </section>
  );
}
