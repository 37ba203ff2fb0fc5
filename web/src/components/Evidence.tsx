import type { LikelyEvidence, Suggestion } from '../api';
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
  if (suggestion.kind === 'likely') {
    const { score, items } = suggestion.evidence as { score?: unknown; items?: unknown };
    return (
      <div className="evidence">
        <p>Maybe the same person: no rule matched, but the fields below look alike.</p>
        {typeof score === 'number' ? <ScoreBar score={score} /> : null}
        <LikelyEvidenceList items={Array.isArray(items) ? (items as LikelyEvidence[]) : []} />
      </div>
    );
  }
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

/** How alike two contacts are, 0–1, as a bar and a percentage (docs/likely-duplicates.md). */
export function ScoreBar({ score }: { score: number }) {
  const percent = Math.round(score * 100);
  return (
    <div className="score">
      <meter min={0} max={1} low={0.5} high={0.8} optimum={1} value={score} aria-label={`Likelihood ${percent}%`} />
      <span>{percent}% likely the same person</span>
    </div>
  );
}

const FIELD_WORDS: Record<string, string> = { name: 'Name', phone: 'Phone', email: 'E-mail' };

/** One compared field in words: "Phone +7900…67 and +7900…76: two adjacent digits swapped". */
function comparisonWords(item: LikelyEvidence): string {
  switch (item.comparison) {
    case 'same':
      return 'the same';
    case 'transliterated':
      return 'the same name in another script';
    case 'similar':
      return `similar (${Math.round((item.similarity ?? 0) * 100)}% alike)`;
    case 'same variable':
      return 'the same';
    case 'same after removing dots/+tags':
      return 'the same mailbox (the provider ignores dots and +tags)';
    default:
      return item.comparison;
  }
}

/** The evidence of a likely duplicate, field by field, agreeing first. */
export function LikelyEvidenceList({ items }: { items: LikelyEvidence[] }) {
  const sorted = [...items].sort((x, y) => y.weight - x.weight);
  return (
    <dl className="fields evidence">
      {sorted.map((item) => (
        <div key={item.field} className="variable">
          <dt>{FIELD_WORDS[item.field] ?? (item.field.startsWith('variables.') ? item.field.slice(10) : item.field)}</dt>
          <dd className={item.weight < 0 ? 'against' : undefined}>
            {item.a === item.b ? item.a : `${item.a} and ${item.b}`}: {comparisonWords(item)}
            {item.weight < 0 ? ' (counts against)' : ''}
          </dd>
        </div>
      ))}
    </dl>
  );
}
