import type { Contact } from '../api';

function Values({ values }: { values: string[] }) {
  return values.length === 0 ? <span className="muted">none</span> : <>{values.join(', ')}</>;
}

/** A contact's own fields, the alternates merges kept, tags and variables. */
export function ContactFields({ contact }: { contact: Contact }) {
  const variables = Object.entries(contact.variables ?? {});
  return (
    <dl className="fields">
      <dt>Name</dt>
      <dd>{contact.name ?? <span className="muted">none</span>}</dd>
      <dt>Phone</dt>
      <dd>{contact.phone ?? <span className="muted">none</span>}</dd>
      <dt>E-mail</dt>
      <dd>{contact.email ?? <span className="muted">none</span>}</dd>
      <dt>External id</dt>
      <dd>{contact.external_id ?? <span className="muted">none</span>}</dd>
      {contact.alternates ? (
        <>
          <dt>Other phones</dt>
          <dd>
            <Values values={contact.alternates.phones} />
          </dd>
          <dt>Other e-mails</dt>
          <dd>
            <Values values={contact.alternates.emails} />
          </dd>
        </>
      ) : null}
      <dt>Tags</dt>
      <dd className="tags">
        {contact.tags.length === 0 ? <span className="muted">none</span> : contact.tags.map((tag) => <span key={tag} className="tag">{tag}</span>)}
      </dd>
      {variables.map(([name, value]) => (
        <div key={name} className="variable">
          <dt>{name}</dt>
          <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
