import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js';
import { useId, useMemo, useRef, useState } from 'react';

export interface Country {
  code: CountryCode;
  name: string;
  callingCode: string;
}

/** Every country whose phone numbers omnimerge reads, named in the browser's language (English as a fallback). */
export function countries(): Country[] {
  const names = new Intl.DisplayNames([navigator.language, 'en'], { type: 'region' });
  return getCountries()
    .map((code) => ({ code, name: names.of(code) ?? code, callingCode: getCountryCallingCode(code) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const fold = (text: string) => text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase().trim();

/** The countries a search names: by name (any word's start), by "+49", or by the two-letter code. */
export function searchCountries(all: Country[], query: string): Country[] {
  const q = fold(query);
  if (q === '') return all;
  if (/^\+?\d+$/.test(q)) return all.filter((c) => c.callingCode === q.replace('+', ''));
  const byName = all.filter((c) => fold(c.name).split(/[\s(),-]+/).some((word) => word.startsWith(q)) || fold(c.name).startsWith(q));
  const byCode = all.filter((c) => c.code.toLowerCase() === q && !byName.includes(c));
  return [...byName, ...byCode];
}

/** The one country a finished text names: its exact name (any case and accents), else none. */
export function countryNamed(all: Country[], text: string): Country | undefined {
  return all.find((c) => fold(c.name) === fold(text));
}

const SHOWN = 8;

/**
 * A searchable country picker: the operator types a country's name and picks it from the list, so
 * "Germany" becomes DE (never a guess from two typed letters). `value` is the picked code or null.
 */
export function CountryPicker(props: { label: string; value: string | null; onChange: (code: string | null, typed: string) => void; hint?: string }) {
  const all = useMemo(countries, []);
  const current = all.find((c) => c.code === props.value);
  const [text, setText] = useState(current?.name ?? props.value ?? '');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  // closing after a blur waits for a click on an option; focusing or typing again cancels it
  const closing = useRef<ReturnType<typeof setTimeout>>(undefined);
  const show = () => {
    clearTimeout(closing.current);
    setOpen(true);
  };
  const matches = searchCountries(all, text).slice(0, SHOWN);

  const pick = (country: Country | null) => {
    setText(country?.name ?? '');
    setOpen(false);
    props.onChange(country?.code ?? null, country?.name ?? '');
  };
  const type = (value: string) => {
    setText(value);
    show();
    setActive(0);
    props.onChange(value.trim() === '' ? null : (countryNamed(all, value)?.code ?? null), value);
  };

  return (
    <div className="country-picker">
      <label>
        {props.label}
        <input
          role="combobox"
          aria-expanded={open && matches.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          autoComplete="off"
          value={text}
          placeholder="Type a country's name"
          onChange={(e) => type(e.target.value)}
          onFocus={show}
          onBlur={() => (closing.current = setTimeout(() => setOpen(false), 150))}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') (e.preventDefault(), show(), setActive(Math.min(active + 1, matches.length - 1)));
            else if (e.key === 'ArrowUp') (e.preventDefault(), setActive(Math.max(active - 1, 0)));
            else if (e.key === 'Enter' && open && matches[active]) (e.preventDefault(), pick(matches[active]));
            else if (e.key === 'Escape') setOpen(false);
          }}
        />
      </label>
      {open && matches.length > 0 ? (
        <ul id={listId} role="listbox" className="country-options" aria-label="Countries">
          {matches.map((country, i) => (
            <li
              key={country.code}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => (e.preventDefault(), pick(country))}
            >
              {country.name} <span className="muted">+{country.callingCode}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {props.hint ? <span className="hint">{props.hint}</span> : null}
    </div>
  );
}
