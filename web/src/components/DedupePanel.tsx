import { useState } from 'react';
import { Link } from 'react-router';
import { adminApi, type DedupeResult } from '../adminApi';
import { api, type ContactCard, type MergeRule } from '../api';
import { contactTitle } from '../format';
import { useAction } from '../hooks';
import { ConfirmButton } from './ConfirmButton';
import { ErrorNote } from './ErrorNote';
import { describeRule } from './rules';

/** Clusters shown with their contacts' names; the dry run counts them all. */
const SHOWN = 20;

interface DryRun {
  result: DedupeResult;
  names: Map<string, string>;
  rules: Map<string, MergeRule>;
}

async function dryRun(): Promise<DryRun> {
  const [result, rules] = await Promise.all([adminApi.dedupe(true), api.rules()]);
  const ids = [...new Set(result.clusters.slice(0, SHOWN).flatMap((c) => [c.survivor, ...c.members.map((m) => m.contact_id)]))];
  const cards = await Promise.all(ids.map((id) => api.contact(id).catch(() => null)));
  const names = new Map(cards.filter((c): c is ContactCard => c !== null).map((c) => [c.id, contactTitle(c)]));
  return { result, names, rules: new Map(rules.items.map((r) => [r.id, r])) };
}

/**
 * The merge rules over the contacts already there (POST /v1/dedupe): first a dry run that shows which
 * contacts would become one, then, when the operator agrees, the merge itself.
 */
export function DedupePanel({ intro }: { intro: string }) {
  const look = useAction();
  const merge = useAction();
  const [preview, setPreview] = useState<DryRun | null>(null);
  const [done, setDone] = useState<DedupeResult | null>(null);
  const name = (id: string) => preview?.names.get(id) ?? 'a contact';

  return (
    <section className="dedupe" aria-labelledby="dedupe-title">
      <h2 id="dedupe-title">Find duplicates</h2>
      <p>{intro}</p>
      <button
        type="button"
        disabled={look.pending || merge.pending}
        onClick={async () => {
          setDone(null);
          const found = await look.run(dryRun);
          if (found) setPreview(found);
        }}
      >
        {look.pending ? 'Looking…' : 'Find duplicates (dry run)'}
      </button>
      <ErrorNote error={look.error} />
      {preview && !done ? (
        <div className="dedupe-preview">
          {preview.result.clusters_found === 0 ? (
            <p role="status">No duplicates: no two contacts match a merge rule. Nothing would change.</p>
          ) : (
            <>
              <p role="status">
                Dry run, nothing changed yet: {preview.result.contacts_merged} contact{preview.result.contacts_merged === 1 ? '' : 's'} would be merged in{' '}
                {preview.result.clusters_found} group{preview.result.clusters_found === 1 ? '' : 's'}, each into its oldest contact.
              </p>
              <ul className="list clusters" aria-label="Duplicates found">
                {preview.result.clusters.slice(0, SHOWN).map((cluster) => (
                  <li key={cluster.survivor}>
                    <span>
                      Keep <Link to={`/contacts/${cluster.survivor}`}>{name(cluster.survivor)}</Link> and merge into it:
                    </span>
                    <ul>
                      {cluster.members.map((member) => {
                        const rule = preview.rules.get(member.rule_id);
                        return (
                          <li key={member.contact_id}>
                            <Link to={`/contacts/${member.contact_id}`}>{name(member.contact_id)}</Link>{' '}
                            <span className="muted">
                              — {rule ? describeRule(rule.fields) : 'a rule'}: {member.values.join(' + ')}
                            </span>
                          </li>
                        );
                      })}
                    </ul>
                  </li>
                ))}
              </ul>
              {preview.result.clusters_found > SHOWN ? <p className="muted">and {preview.result.clusters_found - SHOWN} more groups.</p> : null}
              {preview.result.shared_values.length > 0 ? (
                <p className="muted">
                  Not merged: {preview.result.shared_values.length} value{preview.result.shared_values.length === 1 ? ' is' : 's are'} shared by more contacts than the
                  settings allow (e.g. {preview.result.shared_values[0].values.join(' + ')}, {preview.result.shared_values[0].contacts} contacts).
                </p>
              ) : null}
              <ConfirmButton
                label={`Merge ${preview.result.contacts_merged} contact${preview.result.contacts_merged === 1 ? '' : 's'}`}
                confirmLabel="Yes, merge them"
                className="primary"
                disabled={merge.pending}
                onConfirm={async () => {
                  const result = await merge.run(() => adminApi.dedupe(false));
                  if (result) setDone(result);
                }}
              />
            </>
          )}
        </div>
      ) : null}
      {merge.pending ? <p role="status">Merging…</p> : null}
      <ErrorNote error={merge.error} />
      {done ? (
        <p role="status" className="notice">
          {done.suggestions_created > 0 ? (
            <>
              Manual merge mode: {done.suggestions_created} merge suggestion{done.suggestions_created === 1 ? '' : 's'} made. Approve them on{' '}
              <Link to="/suggestions">Suggestions</Link>.
            </>
          ) : (
            `Merged ${done.contacts_merged} contact${done.contacts_merged === 1 ? '' : 's'} in ${done.clusters_found} group${done.clusters_found === 1 ? '' : 's'}. Each merge can be undone from the contact's history.`
          )}
          {done.failed.length > 0 ? ` ${done.failed.length} group${done.failed.length === 1 ? '' : 's'} could not be merged: ${done.failed[0].reason}` : ''}
        </p>
      ) : null}
    </section>
  );
}
