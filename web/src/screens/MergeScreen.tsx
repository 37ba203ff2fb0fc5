import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, type ContactCard, type MergeAnswer } from '../api';
import { ContactPicker } from '../components/ContactPicker';
import { ErrorNote } from '../components/ErrorNote';
import { MergePreview, type FieldChoice } from '../components/MergePreview';
import { ChannelIcon, channelLabel } from '../channels';
import { contactTitle, formatPhone } from '../format';
import { useAction, useLoad, useAddressParams } from '../hooks';

type Slot = 'a' | 'b';

/** A suggestion names contacts as they were; one merged since is followed to where it lives now. */
async function current(id: string, follow: boolean): Promise<ContactCard> {
  const contact = await api.contact(id);
  return follow && contact.state === 'merged' && contact.merged_into ? api.contact(contact.merged_into) : contact;
}

/**
 * Merge two contacts: pick both, choose the survivor, look at the dry run, choose per field which value
 * stays, confirm (docs/merging.md). With `suggestion`, the same preview approves a suggested merge (b into a).
 */
export function MergeScreen() {
  const [params, setParams] = useAddressParams();
  const ids = { a: params.get('a') ?? '', b: params.get('b') ?? '' };
  const suggestion = params.get('suggestion');
  const [survivor, setSurvivor] = useState<Slot>('a');
  const [preview, setPreview] = useState<MergeAnswer | null>(null);
  const [choice, setChoice] = useState<FieldChoice>({});
  const picked = useLoad(
    async () => ({ a: ids.a ? await current(ids.a, !!suggestion) : null, b: ids.b ? await current(ids.b, !!suggestion) : null }),
    [ids.a, ids.b, suggestion],
  );
  const dryRun = useAction();
  const merge = useAction();
  const navigate = useNavigate();

  const pick = (slot: Slot, id: string) => {
    const next = new URLSearchParams(params);
    if (id) next.set(slot, id);
    else next.delete(slot);
    setParams(next);
    setPreview(null);
    setChoice({});
  };

  const a = picked.data?.a ?? null;
  const b = picked.data?.b ?? null;
  const to = survivor === 'a' ? a : b;
  const from = survivor === 'a' ? b : a;
  const ready = a && b && a.id !== b.id && a.state === 'active' && b.state === 'active';
  const runPreview = async (fields: FieldChoice) => {
    if (from && to) setPreview((await dryRun.run(() => api.merge(from.id, to.id, true, fields))) ?? null);
  };
  // A suggestion opens on its preview; a changed choice shows its result at once.
  useEffect(() => {
    if (suggestion && ready && !preview) void runPreview(choice);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [suggestion, ready]);
  const choose = (field: string, side: 'from' | 'to') => {
    const next = { ...choice, [field]: side };
    setChoice(next);
    void runPreview(next);
  };
  const confirm = async () => {
    if (!from || !to) return;
    const done = suggestion
      ? await merge.run(() => api.approveSuggestion(suggestion, choice))
      : await merge.run(() => api.merge(from.id, to.id, false, choice));
    if (done) navigate(`/contacts/${to.id}`, { state: { notice: `Merged ${contactTitle(from)} into this contact. Undo it from the history below.` } });
  };

  return (
    <section>
      <h1>{suggestion ? 'Approve a suggested merge' : 'Merge two contacts'}</h1>
      <ErrorNote error={picked.error} />
      <div className="merge-slots">
        {(['a', 'b'] as const).map((slot) => {
          const contact = slot === 'a' ? a : b;
          const title = slot === 'a' ? 'First contact' : 'Second contact';
          return (
            <div key={slot} className="slot" role="group" aria-label={title}>
              <h2>{title}</h2>
              {contact ? (
                <>
                  <p>
                    <Link to={`/contacts/${contact.id}`}>{contactTitle(contact)}</Link>{' '}
                    {[...new Set(contact.identities.map((i) => i.channel))].map((c) => (
                      <span key={c} title={channelLabel(c)}>
                        <ChannelIcon channel={c} />
                        <span className="visually-hidden">{channelLabel(c)}</span>
                      </span>
                    ))}{' '}
                    <span className="muted">{[contact.phone && formatPhone(contact.phone), contact.email].filter(Boolean).join(' · ')}</span>
                    {contact.state === 'merged' ? <span className="error"> already merged: pick another</span> : null}
                  </p>
                  {suggestion ? null : (
                    <>
                      <label className="radio">
                        <input type="radio" name="survivor" checked={survivor === slot} onChange={() => (setSurvivor(slot), setPreview(null), setChoice({}))} />
                        Keep {contactTitle(contact)}
                      </label>
                      <button type="button" className="link-button" onClick={() => pick(slot, '')}>
                        Change
                      </button>
                    </>
                  )}
                </>
              ) : (
                <ContactPicker label={`Find the ${title.toLowerCase()}`} onPick={(c) => pick(slot, c.id)} />
              )}
            </div>
          );
        })}
      </div>
      {a && b && a.id === b.id ? <p className="error" role="alert">Pick two different contacts.</p> : null}
      {ready && from && to ? (
        <>
          <p>
            <strong>{contactTitle(to)}</strong> stays; <strong>{contactTitle(from)}</strong> is merged into it.
          </p>
          {suggestion ? null : (
            <button type="button" disabled={dryRun.pending} onClick={() => runPreview(choice)}>
              Preview merge
            </button>
          )}
          <ErrorNote error={dryRun.error} />
          {preview ? (
            <>
              <MergePreview from={from} to={to} answer={preview} choice={choice} onChoose={choose} />
              <button type="button" className="primary" disabled={merge.pending || dryRun.pending} onClick={confirm}>
                {suggestion ? 'Approve and merge' : 'Confirm merge'}
              </button>
              <ErrorNote error={merge.error} />
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
