import type { Suggestion } from '../api';
import { channelLabel } from '../channels';
import type { Channel } from '../api';
import { describeRule, fieldWords } from './rules';

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Why a merge was suggested: the rule and the values that matched, in the rule's field order (docs/rules.md),
 * or the merge link the client used (docs/links.md).
 */
export function Evidence({ suggestion }: { suggestion: Suggestion }) {
  const { fields, values, channel, tag } = suggestion.evidence as { fields?: unknown; values?: unknown; channel?: unknown; tag?: unknown };
  if (suggestion.kind === 'link') {
    return (
      <dl className="fields evidence">
        <dt>Why</dt>
        <dd>The client used a merge link{typeof channel === 'string' ? ` to ${channelLabel(channel as Channel)}` : ''}</dd>
        {typeof tag === 'string' && tag !== '' ? (
          <>
            <dt>Tag</dt>
            <dd>{tag}</dd>
          </>
        ) : null}
      </dl>
    );
  }
  const ruleFields = Array.isArray(fields) ? (fields as string[]) : [];
  const matched = Array.isArray(values) ? values : [];
  return (
    <dl className="fields evidence">
      <dt>Why</dt>
      <dd>{ruleFields.length > 0 ? `A merge rule matched: ${describeRule(ruleFields)}` : `A merge rule matched (${suggestion.reason})`}</dd>
      {ruleFields.map((field, i) => (
        <div key={field} className="variable">
          <dt>Same {fieldWords(field)}</dt>
          <dd>{text(matched[i])}</dd>
        </div>
      ))}
    </dl>
  );
}
