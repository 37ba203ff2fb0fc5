import { useState } from 'react';
import { api, type ContactCard } from '../api';
import { isInternalVariable } from '../format';
import { useAction } from '../hooks';
import { ErrorNote } from './ErrorNote';

// The contact card's edit form: PATCH /v1/contacts/{id} with what changed; the API's refusal shown in its
// words where the operator pressed Save. Internal variables are neither shown nor lost (variables are
// replaced whole, so they go back as they were).

interface VariableRow {
  key: string;
  value: string;
  /** the value was not text (a number, a list…): what the operator types is read as JSON when it can be */
  json: boolean;
}

const emptyToNull = (v: string) => (v.trim() === '' ? null : v.trim());

export function ContactEditor({ contact, onSaved, onCancel }: { contact: ContactCard; onSaved: () => void; onCancel: () => void }) {
  const [name, setName] = useState(contact.name ?? '');
  const [phone, setPhone] = useState(contact.phone ?? '');
  const [email, setEmail] = useState(contact.email ?? '');
  const [externalId, setExternalId] = useState(contact.external_id ?? '');
  const [tags, setTags] = useState(contact.tags.join(', '));
  const own = Object.entries(contact.variables ?? {}).filter(([k]) => !isInternalVariable(k));
  const [variables, setVariables] = useState<VariableRow[]>(
    own.map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value), json: typeof value !== 'string' })),
  );
  const save = useAction();

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const kept = Object.fromEntries(Object.entries(contact.variables ?? {}).filter(([k]) => isInternalVariable(k)));
    const edited = Object.fromEntries(
      variables
        .filter((row) => row.key.trim() !== '')
        .map((row) => {
          if (!row.json) return [row.key.trim(), row.value];
          try {
            return [row.key.trim(), JSON.parse(row.value)];
          } catch {
            return [row.key.trim(), row.value];
          }
        }),
    );
    const change = {
      name: emptyToNull(name),
      phone: emptyToNull(phone),
      email: emptyToNull(email),
      external_id: emptyToNull(externalId),
      tags: [...new Set(tags.split(',').map((t) => t.trim()).filter(Boolean))],
      variables: { ...edited, ...kept },
    };
    if (await save.run(() => api.updateContact(contact.id, change))) onSaved();
  };

  const setRow = (i: number, patch: Partial<VariableRow>) => setVariables((rows) => rows.map((row, j) => (j === i ? { ...row, ...patch } : row)));

  return (
    <form className="contact-editor" aria-label="Edit contact" onSubmit={submit}>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Phone
        <input value={phone} onChange={(e) => setPhone(e.target.value)} inputMode="tel" />
        <span className="hint">Any writing; a number without its country code is read in the project's default region.</span>
      </label>
      <label>
        E-mail
        <input value={email} onChange={(e) => setEmail(e.target.value)} inputMode="email" />
      </label>
      <label>
        External id
        <input value={externalId} onChange={(e) => setExternalId(e.target.value)} />
      </label>
      <label>
        Tags
        <input value={tags} onChange={(e) => setTags(e.target.value)} />
        <span className="hint">Separated by commas.</span>
      </label>
      <fieldset>
        <legend>Variables</legend>
        {variables.map((row, i) => (
          <div className="variable-row" key={i}>
            <label>
              Variable name
              <input value={row.key} onChange={(e) => setRow(i, { key: e.target.value })} />
            </label>
            <label>
              Value of {row.key || 'the new variable'}
              <input value={row.value} onChange={(e) => setRow(i, { value: e.target.value })} />
            </label>
            <button type="button" className="link-button" onClick={() => setVariables((rows) => rows.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setVariables((rows) => [...rows, { key: '', value: '', json: false }])}>
          Add variable
        </button>
      </fieldset>
      <ErrorNote error={save.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.pending}>
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
