import { Link } from 'react-router';
import { api, type ContactCard } from '../api';
import { contactTitle } from '../format';
import { useLoad } from '../hooks';
import { ErrorNote } from './ErrorNote';
import { LikelyEvidenceList, ScoreBar } from './Evidence';

/**
 * "Maybe the same person" on the contact card (docs/likely-duplicates.md): contacts scored at or above the
 * project's threshold, with the evidence in words; merging goes through the merge preview, the older
 * contact chosen as the one that stays.
 */
export function LikelyDuplicatesPanel({ contact }: { contact: ContactCard }) {
  const found = useLoad(() => api.likelyDuplicates(contact.id), [contact.id, contact.updated_at]);
  if (found.data && found.data.items.length === 0) return null;
  return (
    <section aria-labelledby="likely-title">
      <h2 id="likely-title">Maybe the same person</h2>
      <ErrorNote error={found.error} />
      <ul className="list likely">
        {found.data?.items.map(({ contact: other, score, evidence }) => {
          const [older, newer] = other.created_at < contact.created_at ? [other.id, contact.id] : [contact.id, other.id];
          return (
            <li key={other.id} aria-label={`Maybe the same person: ${contactTitle(other)}`}>
              <p>
                <Link to={`/contacts/${other.id}`}>{contactTitle(other)}</Link>
              </p>
              <ScoreBar score={score} />
              <LikelyEvidenceList items={evidence} />
              <div className="actions">
                <Link className="button" to={`/merge?a=${older}&b=${newer}`} aria-label={`Review a merge with ${contactTitle(other)}`}>
                  Review merge
                </Link>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
