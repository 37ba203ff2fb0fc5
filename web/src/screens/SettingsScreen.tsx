import { useState } from 'react';
import { api, type Settings } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { CountryPicker } from '../components/CountryPicker';
import { DedupePanel } from '../components/DedupePanel';
import { RulesEditor } from '../components/RulesEditor';
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js';
import { formatDuration } from '../format';
import { useAction, useLoad } from '../hooks';

const countryCallingCode = (code: string) => getCountryCallingCode(code as CountryCode);
const regionName = (code: string) => new Intl.DisplayNames([navigator.language, 'en'], { type: 'region' }).of(code) ?? code;

function SettingsForm({ settings }: { settings: Settings }) {
  const [form, setForm] = useState({
    merge_mode: settings.merge_mode,
    link_ttl_days: String(Number((settings.link_ttl_s / 86400).toFixed(3))),
    max_shared: String(settings.max_shared),
    likely_threshold: String(settings.likely_threshold),
    blocked_values: settings.blocked_values.join('\n'),
  });
  const [region, setRegion] = useState<{ code: string | null; typed: string }>({ code: settings.default_region, typed: '' });
  const save = useAction();
  const [saved, setSaved] = useState(false);
  const set = (field: keyof typeof form) => (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    setSaved(false);
    setForm({ ...form, [field]: event.target.value });
  };
  const days = Number(form.link_ttl_days.replace(',', '.'));
  const ttl = Math.round(days * 86400);

  return (
    <form
      className="settings"
      onSubmit={async (event) => {
        event.preventDefault();
        // A country is picked from the list, never guessed from typed letters ("Germany" is not GE).
        if (region.code === null && region.typed.trim() !== '') {
          save.run(() => Promise.reject(new Error(`No country is called “${region.typed.trim()}”: type its name and pick it from the list, or empty the field for none.`)));
          return;
        }
        if (!Number.isFinite(days) || days <= 0) {
          save.run(() => Promise.reject(new Error('Link lifetime: write a number of days, e.g. 7 (or 0.5 for twelve hours).')));
          return;
        }
        // Other numbers go as typed: the API says in words what is wrong with one that is not.
        const change = {
          merge_mode: form.merge_mode,
          default_region: region.code,
          link_ttl_s: ttl,
          max_shared: form.max_shared.trim() === '' ? NaN : Number(form.max_shared),
          likely_threshold: form.likely_threshold.trim() === '' ? NaN : Number(form.likely_threshold),
          blocked_values: form.blocked_values.split('\n').map((v) => v.trim()).filter(Boolean),
        };
        const answer = await save.run(() => api.changeSettings(change));
        if (answer) setSaved(true);
      }}
    >
      <fieldset>
        <legend>Merge mode</legend>
        <label className="radio">
          <input type="radio" name="merge_mode" value="auto" checked={form.merge_mode === 'auto'} onChange={() => setForm({ ...form, merge_mode: 'auto' })} />
          Automatic: links and rule matches merge at once
        </label>
        <label className="radio">
          <input type="radio" name="merge_mode" value="manual" checked={form.merge_mode === 'manual'} onChange={() => setForm({ ...form, merge_mode: 'manual' })} />
          Manual: each becomes a suggestion an operator approves
        </label>
      </fieldset>
      <CountryPicker
        label="Default region"
        value={settings.default_region}
        onChange={(code, typed) => (setSaved(false), setRegion({ code, typed }))}
        hint={
          region.code
            ? `${regionName(region.code)} (${region.code}): numbers written without a country code are read as +${countryCallingCode(region.code)}.`
            : region.typed.trim() !== ''
              ? 'Pick the country from the list.'
              : 'None: every phone number needs its country code.'
        }
      />
      <label>
        Link lifetime in days
        <input inputMode="decimal" value={form.link_ttl_days} onChange={set('link_ttl_days')} />
        <span className="hint">{Number.isFinite(days) && days > 0 ? `Merge links and codes stay valid ${formatDuration(ttl)}.` : 'A number of days, e.g. 7.'}</span>
      </label>
      <label>
        Most contacts that may share a value
        <input inputMode="numeric" value={form.max_shared} onChange={set('max_shared')} />
        <span className="hint">A value shared by more active contacts than this is reported, not used for automatic merges.</span>
      </label>
      <label>
        Likely-duplicate threshold
        <input inputMode="decimal" value={form.likely_threshold} onChange={set('likely_threshold')} />
        <span className="hint">From 0 to 1: contacts that look alike at least this much show as “Maybe the same person”. Higher shows fewer, surer pairs.</span>
      </label>
      <label>
        Blocked values, one a line
        <textarea value={form.blocked_values} onChange={set('blocked_values')} rows={4} placeholder={'test@test.com\n0000000'} />
        <span className="hint">These never make two contacts the same person.</span>
      </label>
      <button type="submit" className="primary" disabled={save.pending}>
        Save settings
      </button>
      {saved ? <span role="status"> Settings saved.{region.code ? ` Default region: ${regionName(region.code)} (${region.code}).` : ''}</span> : null}
      <ErrorNote error={save.error} />
    </form>
  );
}

export function SettingsScreen() {
  const settings = useLoad(() => api.settings(), []);
  const [rulesChanged, setRulesChanged] = useState<'added' | 'deleted' | null>(null);
  return (
    <section>
      <h1>Settings</h1>
      <ErrorNote error={settings.error} />
      {settings.data ? <SettingsForm settings={settings.data} /> : settings.error ? null : <p>Loading…</p>}
      <RulesEditor onRulesChanged={setRulesChanged} />
      {rulesChanged ? (
        <div className="rules-note" role="note">
          <p className="notice">
            {rulesChanged === 'added'
              ? 'The new rule applies to contacts from now on: contacts already there are not merged by it yet.'
              : 'Contacts merged by the removed rule stay merged; undo a merge from the contact’s history.'}
          </p>
          {rulesChanged === 'added' ? <DedupePanel intro="See which existing contacts the rules would make one (a dry run: nothing changes), then merge them." /> : null}
        </div>
      ) : null}
    </section>
  );
}
