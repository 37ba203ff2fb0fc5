import { useEffect, useState } from 'react';
import { adminApi, type WebhookDelivery, type WebhookEndpoint } from '../adminApi';
import { ConfirmButton } from '../components/ConfirmButton';
import { CopyField } from '../components/CopyField';
import { ErrorNote } from '../components/ErrorNote';
import { formatTime } from '../format';
import { useAction, useLoad } from '../hooks';
import '../admin.css';

// The events an endpoint may subscribe to, in the operator's words (docs/events.md has them all).
const EVENTS: Array<{ type: string; label: string }> = [
  { type: 'contact.created', label: 'contact created' },
  { type: 'contact.updated', label: 'contact changed' },
  { type: 'contact.merged', label: 'contacts merged' },
  { type: 'contact.unmerged', label: 'identity unmerged' },
  { type: 'contact.erased', label: 'contact erased' },
  { type: 'identity.linked', label: 'identity linked' },
  { type: 'merge.suggested', label: 'merge suggested' },
  { type: 'merge.rejected', label: 'suggestion rejected' },
  { type: 'message.outbound', label: 'message to send' },
  { type: 'message.sent', label: 'message sent' },
  { type: 'message.failed', label: 'message failed' },
];

const FILTERS = [
  { status: '', label: 'All' },
  { status: 'dead', label: 'Failed' },
  { status: 'pending', label: 'Waiting' },
  { status: 'delivered', label: 'Delivered' },
];

function failed(delivery: WebhookDelivery): boolean {
  return delivery.status === 'dead' || delivery.last_error !== null || (delivery.last_status_code !== null && delivery.last_status_code >= 300);
}

function statusWords(delivery: WebhookDelivery): string {
  if (delivery.status === 'delivered') return 'Delivered';
  if (delivery.status === 'dead') return 'Failed: gave up';
  return delivery.attempts === 0 ? 'Waiting' : `Failing, next try ${formatTime(delivery.next_attempt_at)}`;
}

function lastAnswer(delivery: WebhookDelivery): string {
  const code = delivery.last_status_code !== null ? `HTTP ${delivery.last_status_code}` : null;
  if (code) return delivery.last_error && delivery.last_error !== code ? `${code}: ${delivery.last_error.replace(`${code}: `, '')}` : code;
  return delivery.last_error ?? (delivery.attempts === 0 ? 'not tried yet' : '');
}

function Deliveries({ endpoint }: { endpoint: WebhookEndpoint }) {
  const [status, setStatus] = useState('');
  const [more, setMore] = useState<{ items: WebhookDelivery[]; cursor: string | null } | null>(null);
  const list = useLoad(() => {
    setMore(null);
    return adminApi.deliveries(endpoint.id, status || undefined);
  }, [endpoint.id, status]);
  const loadMore = useAction();
  const items = [...(list.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : (list.data?.next_cursor ?? null);
  const retry = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  // a retried delivery is sent by the delivery worker within moments: look again until it is settled
  const [watching, setWatching] = useState<{ id: string; attempts: number; looks: number } | null>(null);
  useEffect(() => {
    if (!watching || list.loading) return;
    const delivery = list.data?.items.find((d) => d.id === watching.id);
    if (delivery && delivery.attempts > watching.attempts && delivery.status !== 'pending') {
      setNotice(delivery.status === 'delivered' ? `Sent again: delivered (${delivery.event_type}).` : `Sent again, and failed again: ${lastAnswer(delivery)}.`);
      setWatching(null);
      return;
    }
    if (watching.looks >= 15) {
      setWatching(null);
      setNotice(delivery ? `Sent again: ${statusWords(delivery).toLowerCase()}.` : 'Queued to be sent again.');
      return;
    }
    const timer = setTimeout(() => (setWatching({ ...watching, looks: watching.looks + 1 }), list.reload()), 700);
    return () => clearTimeout(timer);
  }, [watching, list.data, list.loading]);
  return (
    <section className="deliveries" aria-label={`Deliveries to ${endpoint.url}`}>
      <div className="toolbar">
        <h3>Deliveries</h3>
        <div className="tabs" role="group" aria-label="Show deliveries">
          {FILTERS.map((f) => (
            <button key={f.status} type="button" aria-pressed={status === f.status} onClick={() => (setNotice(null), setStatus(f.status))}>
              {f.label}
            </button>
          ))}
          <button type="button" onClick={() => (setNotice(null), list.reload())}>
            Refresh
          </button>
        </div>
      </div>
      {notice ? <p role="status" className="notice">{notice}</p> : null}
      <ErrorNote error={list.error} />
      <ErrorNote error={retry.error} />
      {list.data && items.length === 0 ? <p className="muted">No deliveries {status ? 'with this status' : 'yet: they appear with the next event'}.</p> : null}
      {list.data && items.length > 0 ? (
        <table className="stack-table">
          <thead>
            <tr>
              <th>Event</th>
              <th>Status</th>
              <th>Tries</th>
              <th>Last answer</th>
              <th>Created</th>
              <th>
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((delivery) => (
              <tr key={delivery.id} className={failed(delivery) ? 'failed' : undefined}>
                <td data-label="Event">{delivery.event_type}</td>
                <td data-label="Status">{statusWords(delivery)}</td>
                <td data-label="Tries">{delivery.attempts}</td>
                <td data-label="Last answer">{lastAnswer(delivery)}</td>
                <td data-label="Created">{formatTime(delivery.created_at)}</td>
                <td data-label="">
                  {delivery.status !== 'delivered' ? (
                    <button
                      type="button"
                      aria-label={`Retry ${delivery.event_type} of ${formatTime(delivery.created_at)}`}
                      disabled={retry.pending}
                      onClick={async () => {
                        const again = await retry.run(() => adminApi.retryDelivery(endpoint.id, delivery.id));
                        if (again) {
                          setNotice('Sending again…');
                          setWatching({ id: again.id, attempts: again.attempts, looks: 0 });
                          list.reload();
                        }
                      }}
                    >
                      Retry
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {cursor ? (
        <button
          type="button"
          disabled={loadMore.pending}
          onClick={async () => {
            const next = await loadMore.run(() => adminApi.deliveries(endpoint.id, status || undefined, cursor));
            if (next) setMore({ items: [...(more?.items ?? []), ...next.items], cursor: next.next_cursor });
          }}
        >
          More deliveries
        </button>
      ) : null}
      <ErrorNote error={loadMore.error} />
    </section>
  );
}

function CreateEndpoint({ onCreated }: { onCreated: (endpoint: WebhookEndpoint) => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const create = useAction();
  return (
    <form
      className="connect"
      onSubmit={async (event) => {
        event.preventDefault();
        const endpoint = await create.run(() => adminApi.createEndpoint(url.trim(), events));
        if (endpoint) {
          setUrl('');
          setEvents([]);
          onCreated(endpoint);
        }
      }}
    >
      <h2>Add an endpoint</h2>
      <label>
        URL that receives the events
        <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://crm.example.com/omnimerge" required />
      </label>
      <fieldset>
        <legend>Events (none ticked: all of them)</legend>
        <div className="event-choices">
          {EVENTS.map((e) => (
            <label key={e.type} className="radio">
              <input type="checkbox" checked={events.includes(e.type)} onChange={() => setEvents(events.includes(e.type) ? events.filter((t) => t !== e.type) : [...events, e.type])} />
              {e.label}
            </label>
          ))}
        </div>
      </fieldset>
      <button type="submit" className="primary" disabled={create.pending || url.trim() === ''}>
        Add endpoint
      </button>
      <ErrorNote error={create.error} />
    </form>
  );
}

/** Webhook endpoints (docs/events.md): add one (its secret shown once), see its deliveries, retry a failed one. */
export function WebhooksScreen() {
  const endpoints = useLoad(() => adminApi.endpoints(), []);
  const [created, setCreated] = useState<WebhookEndpoint | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const remove = useAction();
  return (
    <section>
      <h1>Webhooks</h1>
      <p className="muted">Your systems hear about contacts, merges and messages through signed POSTs to these URLs, retried for a day when they fail.</p>
      {created?.secret ? (
        <section className="notice" aria-label="New endpoint">
          <p role="status">Endpoint added: {created.url}</p>
          <CopyField label="Signing secret" value={created.secret} hint="Shown only now: keep it in your system to check each delivery's signature." />
        </section>
      ) : null}
      <ErrorNote error={endpoints.error} />
      <ErrorNote error={remove.error} />
      {endpoints.data && endpoints.data.items.length === 0 ? <p>No endpoint yet: add one below.</p> : null}
      <ul className="list endpoints" aria-label="Webhook endpoints">
        {endpoints.data?.items.map((endpoint) => (
          <li key={endpoint.id} aria-label={`Endpoint ${endpoint.url}`}>
            <div className="endpoint-head">
              <strong className="url">{endpoint.url}</strong>
              <span className="muted">
                {endpoint.events.includes('*') ? 'all events' : endpoint.events.join(', ')} · added {formatTime(endpoint.created_at)}
              </span>
            </div>
            <div className="actions">
              <button type="button" aria-expanded={open === endpoint.id} onClick={() => setOpen(open === endpoint.id ? null : endpoint.id)}>
                {open === endpoint.id ? 'Hide deliveries' : 'Deliveries'}
              </button>
              <ConfirmButton
                label="Delete"
                ariaLabel={`Delete endpoint ${endpoint.url}`}
                confirmLabel="Yes, stop delivering"
                disabled={remove.pending}
                onConfirm={async () => {
                  if ((await remove.run(() => adminApi.deleteEndpoint(endpoint.id))) !== undefined) endpoints.reload();
                }}
              />
            </div>
            {open === endpoint.id ? <Deliveries endpoint={endpoint} /> : null}
          </li>
        ))}
      </ul>
      <CreateEndpoint
        onCreated={(endpoint) => {
          setCreated(endpoint);
          setOpen(endpoint.id);
          endpoints.reload();
        }}
      />
    </section>
  );
}
