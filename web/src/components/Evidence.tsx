import type { Suggestion } from '../api';
import { describeRule } from './rules';

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Why a merge was suggested (SPEC §5: every rule merge says which rule and which values matched; §3: or which link). */
export function Evidence({ suggestion }: { suggestion: Suggestion }) {
  const evidence = { ...(asRecord(suggestion.evidence) ?? {}) };
  const rule = asRecord(evidence.rule);
  const fields = Array.isArray(rule?.fields) ? (rule.fields as string[]) : Array.isArray(evidence.fields) ? (evidence.fields as string[]) : null;
  const values = asRecord(suggestion.values) ?? asRecord(evidence.values);
  const link = asRecord(suggestion.link) ?? asRecord(evidence.link);
  const reason = suggestion.reason ?? (typeof evidence.reason === 'string' ? evidence.reason : null);
  for (const known of ['rule', 'fields', 'values', 'link', 'reason']) delete evidence[known];

  return (
    <dl className="fields evidence">
      {reason ? (
        <>
          <dt>Why</dt>
          <dd>{reason}</dd>
        </>
      ) : null}
      {fields ? (
        <>
          <dt>Rule</dt>
          <dd>{describeRule(fields)}</dd>
        </>
      ) : suggestion.rule_id ? (
        <>
          <dt>Rule</dt>
          <dd>rule …{suggestion.rule_id.slice(-6)}</dd>
        </>
      ) : null}
      {values
        ? Object.entries(values).map(([field, value]) => (
            <div key={field} className="variable">
              <dt>Same {field}</dt>
              <dd>{text(value)}</dd>
            </div>
          ))
        : null}
      {link ? (
        <>
          <dt>Link</dt>
          <dd>{Object.entries(link).map(([k, v]) => `${k}: ${text(v)}`).join(' · ')}</dd>
        </>
      ) : null}
      {Object.entries(evidence).map(([key, value]) => (
        <div key={key} className="variable">
          <dt>{key.replace(/_/g, ' ')}</dt>
          <dd>{text(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
