import type { Contact, MergeAnswer } from '../api';
import { contactTitle, isInternalVariable } from '../format';

// The merge preview (docs/merging.md): the dry run's result field by field, with a choice per field of
// which side's value the survivor keeps. At phone width the table stacks (styles.css `table.stack`).

export type FieldChoice = Record<string, 'from' | 'to'>;

interface Row {
  /** the API's field name when the operator may choose it */
  field?: string;
  label: string;
  value: (c: Contact) => string;
}

const show = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));


function rowsFor(from: Contact, to: Contact): Row[] {
  const keys = [...new Set([...Object.keys(from.variables ?? {}), ...Object.keys(to.variables ?? {})])].filter((k) => !isInternalVariable(k)).sort();
  return [
    { field: 'name', label: 'Name', value: (c) => c.name ?? '' },
    { field: 'phone', label: 'Phone', value: (c) => c.phone ?? '' },
    { field: 'email', label: 'E-mail', value: (c) => c.email ?? '' },
    { field: 'external_id', label: 'External id', value: (c) => c.external_id ?? '' },
    ...keys.map((k) => ({ field: `variables.${k}`, label: `Variable “${k}”`, value: (c: Contact) => show((c.variables ?? {})[k]) })),
    { label: 'Other phones', value: (c) => c.alternates?.phones.join(', ') ?? '' },
    { label: 'Other e-mails', value: (c) => c.alternates?.emails.join(', ') ?? '' },
    { label: 'Tags', value: (c) => c.tags.join(', ') },
  ];
}

const COUNT_WORDS: Record<string, string> = {
  identities: 'Identities',
  conversations: 'Conversations taken over',
  conversations_joined: 'Conversations joined into the survivor’s',
  messages: 'Messages',
  attachments: 'Attachments',
  contact_events: 'Contact events',
  conversation_events: 'Conversation events',
  notes: 'Notes',
  references: 'References',
  scheduled_messages_deleted: 'Scheduled messages deleted',
  tags_added: 'Tags added',
  alternates_added: 'Phones and e-mails kept as alternates',
  contacts_redirected: 'Earlier merged contacts redirected',
};

function Choice({ row, side, contact, checked, onChoose }: { row: Row; side: 'from' | 'to'; contact: Contact; checked: boolean; onChoose: () => void }) {
  const value = row.value(contact);
  return (
    <label className="radio choice">
      <input
        type="radio"
        name={`keep-${row.field}`}
        checked={checked}
        onChange={onChoose}
        aria-label={`${row.label}: keep ${value === '' ? 'nothing' : value} of ${contactTitle(contact)}`}
      />
      {value === '' ? <span className="muted">empty</span> : value}
    </label>
  );
}

export function MergePreview({
  from,
  to,
  answer,
  choice,
  onChoose,
}: {
  from: Contact;
  to: Contact;
  answer: MergeAnswer;
  choice: FieldChoice;
  onChoose: (field: string, side: 'from' | 'to') => void;
}) {
  const moves = Object.entries(answer.moved).filter(([, count]) => count > 0);
  const rows = rowsFor(from, to).filter(({ value }) => value(from) !== '' || value(to) !== '' || value(answer.contact) !== '');
  return (
    <section aria-labelledby="preview-title" className="preview">
      <h2 id="preview-title">Preview</h2>
      <p>
        Everything of <strong>{contactTitle(from)}</strong> moves into <strong>{contactTitle(to)}</strong>; {contactTitle(from)} is kept as merged and
        the merge can be undone from the history. Where the two differ, choose which value stays.
      </p>
      <table className="stack">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Merged away</th>
            <th scope="col">Survivor now</th>
            <th scope="col">After the merge</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const result = row.value(answer.contact);
            const changed = result !== row.value(to);
            const choosable = row.field !== undefined && row.value(from) !== row.value(to);
            const kept: 'from' | 'to' = (row.field && choice[row.field]) || (result === row.value(from) && result !== row.value(to) ? 'from' : 'to');
            return (
              <tr key={row.label} className={changed ? 'changed' : undefined}>
                <th scope="row">{row.label}</th>
                <td data-label="Merged away">
                  {choosable ? <Choice row={row} side="from" contact={from} checked={kept === 'from'} onChoose={() => onChoose(row.field!, 'from')} /> : row.value(from)}
                </td>
                <td data-label="Survivor now">
                  {choosable ? <Choice row={row} side="to" contact={to} checked={kept === 'to'} onChoose={() => onChoose(row.field!, 'to')} /> : row.value(to)}
                </td>
                <td data-label="After the merge">
                  {result}
                  {changed ? <span className="badge">changes</span> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h3>What moves</h3>
      {moves.length === 0 ? (
        <p className="muted">Nothing but the contact's fields.</p>
      ) : (
        <ul aria-label="What moves">
          {moves.map(([name, count]) => (
            <li key={name}>
              {COUNT_WORDS[name] ?? name.replace(/_/g, ' ')}: {count}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
