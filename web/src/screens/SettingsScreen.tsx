import { useState } from 'react';
import { api, type Settings } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { RulesEditor } from '../components/RulesEditor';
import { formatDuration } from '../format';
import { useAction, useLoad } from '../hooks';

function SettingsForm({ settings }: { settings: Settings }) {
  const [form, setForm] = useState({
    merge_mode: settings.merge_mode,
    default_region: settings.default_region ?? '',
    link_ttl_s: String(settings.link_ttl_s),
    max_shared: String(settings.max_shared),
    likely_threshold: String(settings.likely_threshold),
    blocked_values: settings.blocked_values.join('\n'),
  });
  const save = useAction();
  const [saved, setSaved] = useState(false);
  const set = (field: keyof typeof form) => (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    setSaved(false);
    setForm({ ...form, [field]: event.target.value });
  };
  const ttl = Number(form.link_ttl_s);

  return (
    <form
      className="settings"
      onSubmit={async (event) => {
        event.preventDefault();
        // Numbers go as typed: the API says in words what is wrong with one that is not.
        const change = {
          merge_mode: form.merge_mode,
          default_region: form.default_region.trim() === '' ? null : form.default_region.trim().toUpperCase(),
          link_ttl_s: form.link_ttl_s.trim() === '' ? NaN : Number(form.link_ttl_s),
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
      <label>
        Default region
        <input value={form.default_region} onChange={set('default_region')} placeholder="e.g. DE" maxLength={2} />
        <span className="hint">Country whose numbers may be written without a country code.</span>
      </label>
      <label>
        Link lifetime in seconds
        <input inputMode="numeric" value={form.link_ttl_s} onChange={set('link_ttl_s')} />
        <span className="hint">{Number.isFinite(ttl) && ttl > 0 ? `Merge links and codes stay valid ${formatDuration(ttl)}.` : 'A number of seconds, at least 60.'}</span>
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
      {saved ? <span role="status"> Settings saved.</span> : null}
      <ErrorNote error={save.error} />
    </form>
  );
}

export function SettingsScreen() {
  const settings = useLoad(() => api.settings(), []);
  return (
    <section>
      <h1>Settings</h1>
      <ErrorNote error={settings.error} />
      {settings.data ? <SettingsForm settings={settings.data} /> : settings.error ? null : <p>Loading…</p>}
      <RulesEditor />
    </section>
  );
}
