import type { Contact } from '../api';
import { formatPhone, isInternalVariable } from '../format';

/** A contact's own fields, the alternates merges kept, tags and variables; only what it has (no rows of "none"). */
export function ContactFields({ contact }: { contact: Contact }) {
  const variables = Object.entries(contact.variables ?? {}).filter(([name]) => !isInternalVariable(name));
  const rows: Array<[string, React.ReactNode]> = [];
  if (contact.name) rows.push(['Name', contact.name]);
  if (contact.phone) rows.push(['Phone', formatPhone(contact.phone)]);
  if (contact.email) rows.push(['E-mail', contact.email]);
  if (contact.external_id) rows.push(['External id', contact.external_id]);
  if (contact.alternates?.phones.length) rows.push(['Other phones', contact.alternates.phones.map(formatPhone).join(', ')]);
  if (contact.alternates?.emails.length) rows.push(['Other e-mails', contact.alternates.emails.join(', ')]);
  if (contact.tags.length > 0) rows.push(['Tags', contact.tags.map((tag) => <span key={tag} className="tag">{tag}</span>)]);
  if (rows.length === 0 && variables.length === 0) return <p className="muted">Nothing known about this contact yet but its dialogs.</p>;
  return (
    <dl className="fields">
      {rows.map(([label, value]) => (
        <div key={label} className="field">
          <dt>{label}</dt>
          <dd className={label === 'Tags' ? 'tags' : undefined}>{value}</dd>
        </div>
      ))}
      {variables.map(([name, value]) => (
        <div key={name} className="variable">
          <dt>{name}</dt>
          <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
