import type { Suggestion } from '../api';
import { describeRule } from './rules';

const KIND_WORDS: Record<Suggestion['kind'], string> = {
  rule: 'A merge rule matched',
  link: 'The client used a merge link',
};

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Why a merge was suggested (SPEC §5: which rule and which values matched; §3: or which link). */
export function Evidence({ suggestion }: { suggestion: Suggestion }) {
  const { fields, values, ...rest } = suggestion.evidence;
  const matched = values && typeof values === 'object' ? Object.entries(values as Record<string, unknown>) : [];
  return (
    <dl className="fields evidence">
      <dt>Why</dt>
      <dd>{KIND_WORDS[suggestion.kind] ?? suggestion.reason}</dd>
      {Array.isArray(fields) ? (
        <>
          <dt>Rule</dt>
          <dd>{describeRule(fields as string[])}</dd>
        </>
      ) : null}
      {matched.map(([field, value]) => (
        <div key={field} className="variable">
          <dt>Same {field}</dt>
          <dd>{text(value)}</dd>
        </div>
      ))}
      {Object.entries(rest).map(([key, value]) => (
        <div key={key} className="variable">
          <dt>{key.replace(/_/g, ' ')}</dt>
          <dd>{text(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
