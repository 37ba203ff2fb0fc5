import { Link } from 'react-router';
import { api } from '../api';
import { useLoad } from '../hooks';
import { aboutContact, useLive } from '../live';
import { ErrorNote } from './ErrorNote';

/**
 * Manual merge mode: the merges waiting for an operator that involve this contact (e.g. the client arrived on
 * another messenger with an invite's code), each with Review and approve → the merge preview. Live.
 */
export function PendingMergesPanel({ contactId }: { contactId: string }) {
  const pending = useLoad(() => api.contactSuggestions(contactId), [contactId]);
  useLive((event) => {
    // merge.suggested / merge.rejected name both contacts; a merge or unmerge may settle a suggestion
    if ((event.type.startsWith('merge.') || event.type.startsWith('contact.')) && aboutContact(event, contactId)) pending.reload();
  });
  const items = pending.data?.items ?? [];
  if (pending.error) return <ErrorNote error={pending.error} />;
  if (items.length === 0) return null;
  return (
    <section className="pending-merges" aria-label="Merge waiting for approval">
      {items.map((suggestion) => (
        <p key={suggestion.id} role="status" className="notice">
          The client may be the same person on another messenger: confirm the merge to make them one contact.{' '}
          <Link
            className="button primary"
            to={`/merge?${new URLSearchParams({ a: suggestion.to_contact_id, b: suggestion.from_contact_id, suggestion: suggestion.id })}`}
          >
            Review and approve
          </Link>
        </p>
      ))}
    </section>
  );
}
