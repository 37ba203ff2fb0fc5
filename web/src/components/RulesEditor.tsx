import { useState } from 'react';
import { api } from '../api';
import { useAction, useLoad } from '../hooks';
import { ConfirmButton } from './ConfirmButton';
import { ErrorNote } from './ErrorNote';
import { describeRule } from './rules';

const PLAIN_FIELDS = [
  { field: 'phone', label: 'Phone' },
  { field: 'email', label: 'E-mail' },
  { field: 'external_id', label: 'External id' },
];

/** Merge rules (docs/rules.md): a rule's fields must all match (AND); any one rule is enough (OR). */
export function RulesEditor({ onRulesChanged }: { onRulesChanged?: (change: 'added' | 'deleted') => void } = {}) {
  const rules = useLoad(() => api.rules(), []);
  const change = useAction();
  const [fields, setFields] = useState<string[]>([]);
  const [variables, setVariables] = useState('');
  const variableFields = variables
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)
    .map((name) => `variables.${name}`);
  const newRule = [...fields, ...variableFields];

  return (
    <section aria-labelledby="rules-title">
      <h2 id="rules-title">Merge rules</h2>
      <p>
        Two contacts are the same person when <strong>all</strong> the fields of one rule are present and equal on both. A contact needs to match{' '}
        <strong>any one</strong> rule. So one rule with phone and e-mail needs both to match; to merge on phone <em>or</em> e-mail, make two rules.
        Phones are compared in international form and e-mails without case.
      </p>
      <ErrorNote error={rules.error} />
      <ErrorNote error={change.error} />
      {rules.data && rules.data.items.length === 0 ? <p className="muted">No rules: contacts are merged only by links and by hand.</p> : null}
      <ol className="list rules">
        {rules.data?.items.map((rule, index) => (
          <li key={rule.id}>
            <span>
              {index > 0 ? <em>or </em> : null}
              {describeRule(rule.fields)}
            </span>
            <ConfirmButton
              label="Delete"
              ariaLabel={`Delete rule: ${describeRule(rule.fields)}`}
              confirmLabel="Yes, delete it"
              disabled={change.pending}
              onConfirm={async () => {
                if ((await change.run(() => api.deleteRule(rule.id))) !== undefined) {
                  rules.reload();
                  onRulesChanged?.('deleted');
                }
              }}
            />
          </li>
        ))}
      </ol>
      <form
        className="new-rule"
        onSubmit={async (event) => {
          event.preventDefault();
          if (await change.run(() => api.addRule(newRule))) {
            setFields([]);
            setVariables('');
            rules.reload();
            onRulesChanged?.('added');
          }
        }}
      >
        <fieldset>
          <legend>New rule: contacts are the same person when all of these are equal</legend>
          {PLAIN_FIELDS.map(({ field, label }) => (
            <label key={field} className="radio">
              <input
                type="checkbox"
                checked={fields.includes(field)}
                onChange={() => setFields(fields.includes(field) ? fields.filter((f) => f !== field) : [...fields, field])}
              />
              {label}
            </label>
          ))}
          <label>
            Variables (names, comma-separated)
            <input value={variables} onChange={(e) => setVariables(e.target.value)} placeholder="e.g. account_number" />
          </label>
        </fieldset>
        <p className="muted">{newRule.length > 0 ? `This rule: ${describeRule(newRule)}.` : 'Tick at least one field.'}</p>
        <button type="submit" disabled={change.pending || newRule.length === 0}>
          Add rule
        </button>
      </form>
    </section>
  );
}
