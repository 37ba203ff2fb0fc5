import { Link } from 'react-router';
import { api, type ContactCard, type Conversation, type Identity, type Message } from '../api';
import { ChannelName, channelLabel } from '../channels';
import { formatTime, messagePreview, referralText } from '../format';
import { useAction, useLoad } from '../hooks';
import { ConfirmButton } from './ConfirmButton';
import { ErrorNote } from './ErrorNote';

interface Dialog {
  conversation: Conversation;
  last: Message | null;
}

/** Each conversation of the contact with its newest message (one small request per dialog). */
async function loadDialogs(contactId: string): Promise<Dialog[]> {
  const conversations = (await api.conversations(contactId)).items;
  const last = await Promise.all(conversations.map((c) => api.messages(c.id, { order: 'desc', limit: 1 }).then((page) => page.items[0] ?? null)));
  return conversations.map((conversation, i) => ({ conversation, last: last[i] }));
}

export function handleOf(identity: Identity): string {
  return identity.username ? `@${identity.username}` : identity.external_user_id;
}

function windowText(identity: Identity): string {
  if (identity.reachable === false) return `Cannot be written to: ${identity.unreachable_reason ?? 'the messenger refused'} (until the client writes again)`;
  if (identity.window_open && identity.window_closes_at === null) return 'No window: write any time';
  if (identity.window_open) return `Window open until ${formatTime(identity.window_closes_at)}`;
  return identity.window_closes_at ? `Window closed ${formatTime(identity.window_closes_at)}` : 'Window closed';
}

/** The identity to mark: the most recently active one on the recommended channel (docs/messengers.md). */
function recommendedIdentity(card: ContactCard): string | null {
  const candidates = card.identities.filter((i) => i.channel === card.recommended_channel);
  candidates.sort((a, b) => (b.last_inbound_at ?? '').localeCompare(a.last_inbound_at ?? ''));
  return candidates[0]?.id ?? null;
}

/** The seeds' "related dialogs": every identity of the contact, its channel, handle, last message and window. */
export function RelatedDialogs({ card, onChanged }: { card: ContactCard; onChanged: (newContactId?: string) => void }) {
  const dialogs = useLoad(() => loadDialogs(card.id), [card.id, card.updated_at, card.identities.length]);
  const unmerge = useAction();
  const recommended = recommendedIdentity(card);

  return (
    <section aria-labelledby="dialogs-title">
      <h2 id="dialogs-title">Related dialogs</h2>
      {card.recommended_channel ? (
        <p className="muted">
          Answer in <strong>{channelLabel(card.recommended_channel)}</strong>: its window is open or it has none.
        </p>
      ) : (
        <p className="muted">Every messaging window is closed: the client has to write first.</p>
      )}
      <ErrorNote error={dialogs.error} />
      <ErrorNote error={unmerge.error} />
      {card.identities.length === 0 ? <p>No messenger identity yet.</p> : null}
      <ul className="list dialogs">
        {card.identities.map((identity) => {
          const dialog = dialogs.data?.find((d) => d.conversation.bot_id === identity.bot_id);
          const name = `${channelLabel(identity.channel)} ${handleOf(identity)}`;
          return (
            <li key={identity.id} className={identity.id === recommended ? 'recommended' : undefined} aria-label={`${name} dialog`}>
              <div className="dialog-head">
                <ChannelName channel={identity.channel} />
                <span className="handle">{handleOf(identity)}</span>
                <span className="muted">via {identity.bot_handle}</span>
                {identity.id === recommended ? <span className="badge">Recommended</span> : null}
              </div>
              <div className={identity.window_open ? 'window open' : 'window closed'}>{windowText(identity)}</div>
              {dialog?.conversation.assignee ? <div className="assigned muted">Assigned to {dialog.conversation.assignee.name}</div> : null}
              {dialog?.conversation.referral ? <div className="referral muted">{referralText(dialog.conversation.referral)}</div> : null}
              <div className="last-message">
                {dialog?.last ? (
                  <>
                    <span className="muted">{dialog.last.direction === 'in' ? 'Client' : 'You'}:</span> {messagePreview(dialog.last)}{' '}
                    <span className="muted">· {formatTime(dialog.last.created_at)}</span>
                  </>
                ) : (
                  <span className="muted">{dialogs.loading ? 'Loading…' : 'No messages'}</span>
                )}
              </div>
              <div className="actions">
                {dialog ? (
                  <Link className="button" to={`/contacts/${card.id}/conversations/${dialog.conversation.id}`} aria-label={`Open ${name} dialog`}>
                    Open
                  </Link>
                ) : null}
                {card.identities.length > 1 ? (
                  <ConfirmButton
                    label={`Unmerge ${name}`}
                    confirmLabel={`Yes, make ${name} a contact of its own`}
                    disabled={unmerge.pending}
                    onConfirm={async () => {
                      const answer = await unmerge.run(() => api.unmerge(card.id, identity.id));
                      if (answer) onChanged(answer.contact_id);
                    }}
                  />
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
