import { api, type Channel } from '../api';
import { ChannelName } from '../channels';
import { formatTime } from '../format';
import { useAction, useLoad } from '../hooks';
import { ConfirmButton } from './ConfirmButton';
import { ErrorNote } from './ErrorNote';

/** The merge links and codes of the contact a client may still bring back, each revocable (docs/links.md). */
export function PendingLinksPanel({ contactId, version, onChanged }: { contactId: string; version: string; onChanged: () => void }) {
  const links = useLoad(() => api.pendingLinks(contactId), [contactId, version]);
  const revoke = useAction();
  const items = links.data?.items ?? [];
  if (!links.error && items.length === 0) return null;
  return (
    <section aria-labelledby="links-title">
      <h2 id="links-title">Pending merge links</h2>
      <ErrorNote error={links.error} />
      <ErrorNote error={revoke.error} />
      <ul className="list" aria-label="Pending merge links">
        {items.map((link) => {
          const what = link.has_code ? 'code' : 'link';
          return (
            <li key={link.id}>
              <span>
                <ChannelName channel={link.channel as Channel} /> {what} via {link.bot_handle}{' '}
                <span className="muted">· works until {formatTime(link.expires_at)}</span>
              </span>
              <ConfirmButton
                label={`Revoke ${what}`}
                confirmLabel={`Yes, revoke this ${what}`}
                disabled={revoke.pending}
                onConfirm={async () => {
                  if ((await revoke.run(async () => (await api.revokeLink(contactId, link.id), true))) === true) {
                    links.reload();
                    onChanged();
                  }
                }}
              />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
