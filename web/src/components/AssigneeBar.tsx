import { api, type Conversation, type SignedIn } from '../api';
import { useAction } from '../hooks';
import { ErrorNote } from './ErrorNote';

/** Who works on the dialog, and "Assign to myself" for a signed-in operator. */
export function AssigneeBar({ conversationId, assignee, me, onChanged }: { conversationId: string; assignee: Conversation['assignee']; me: SignedIn | null; onChanged: () => void }) {
  const assigning = useAction();
  const mine = assignee !== null && assignee.id === me?.operator_id;
  const assign = async (operatorId: string | null) => {
    if (await assigning.run(() => api.assign(conversationId, operatorId))) onChanged();
  };
  return (
    <div className="assignee" role="group" aria-label="Assignment">
      <span>
        {assignee ? (
          <>
            Assigned to <strong>{mine ? `you (${assignee.name})` : assignee.name}</strong>
          </>
        ) : (
          <span className="muted">Not assigned</span>
        )}
      </span>
      {me?.operator_id && !mine ? (
        <button type="button" disabled={assigning.pending} onClick={() => assign('me')}>
          Assign to myself
        </button>
      ) : null}
      {assignee ? (
        <button type="button" className="link-button" disabled={assigning.pending} onClick={() => assign(null)}>
          Unassign
        </button>
      ) : null}
      {!me?.operator_id ? <span className="muted">Sign in with your e-mail to take dialogs.</span> : null}
      <ErrorNote error={assigning.error} />
    </div>
  );
}
