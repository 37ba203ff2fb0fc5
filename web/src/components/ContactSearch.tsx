import { useState } from 'react';
import type { ContactSearch as Search } from '../api';

export const SEARCH_FIELDS = [
  { field: 'q', label: 'Name or username' },
  { field: 'phone', label: 'Phone' },
  { field: 'email', label: 'E-mail' },
  { field: 'external_id', label: 'External id' },
] as const;

export type SearchField = (typeof SEARCH_FIELDS)[number]['field'];

export function toSearch(field: SearchField, value: string): Search {
  return value.trim() === '' ? {} : { [field]: value.trim() };
}

/** One box to find contacts by name, phone, e-mail or external id (GET /v1/contacts). */
export function ContactSearchForm(props: { field: SearchField; value: string; onSearch: (field: SearchField, value: string) => void; label?: string }) {
  const [field, setField] = useState<SearchField>(props.field);
  const [value, setValue] = useState(props.value);
  const label = props.label ?? 'Find contacts';
  return (
    <form
      className="search"
      role="search"
      aria-label={label}
      onSubmit={(event) => {
        event.preventDefault();
        props.onSearch(field, value);
      }}
    >
      <label>
        <span className="visually-hidden">Search by</span>
        <select value={field} onChange={(e) => setField(e.target.value as SearchField)} aria-label="Search by">
          {SEARCH_FIELDS.map((f) => (
            <option key={f.field} value={f.field}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      <input type="search" aria-label="Search text" placeholder="Search" value={value} onChange={(e) => setValue(e.target.value)} />
      <button type="submit">Search</button>
    </form>
  );
}
