import { useState } from 'react';
import { adminApi, type BotInput, type ConnectedBot, type DisconnectedBot } from '../adminApi';
import type { Bot, Channel } from '../api';
import { ChannelName, channelLabel } from '../channels';
import { ConfirmButton } from '../components/ConfirmButton';
import { CopyField } from '../components/CopyField';
import { ErrorNote } from '../components/ErrorNote';
import { timeAgo } from '../admin-format';
import { formatTime } from '../format';
import { useAction, useLoad } from '../hooks';
import '../admin.css';

type Field = 'handle' | 'token' | 'secret' | 'account_id' | 'confirmation_code';

/** What each messenger asks for to connect (docs/messengers.md); a table, not a switch. */
const CONNECT: Record<Channel, { fields: Partial<Record<Field, string>>; optional?: Field[]; how: string }> = {
  telegram: {
    fields: { token: 'Bot token (from @BotFather)', handle: 'Bot username' },
    optional: ['handle'],
    how: 'Paste the token @BotFather gave you: the bot’s username is read from Telegram, and the webhook is set up when the server knows its public address.',
  },
  viber: { fields: { handle: 'Chat URI', token: 'Authentication token' }, how: 'The token is in the Viber Admin Panel; the webhook is set up with it.' },
  facebook: {
    fields: { handle: 'Page name', token: 'Page access token', secret: 'Meta app secret' },
    how: 'Then paste the webhook URL and verify token shown here into the Meta app’s Messenger webhook settings.',
  },
  instagram: {
    fields: { handle: 'Instagram username', token: 'Access token', secret: 'Meta app secret' },
    how: 'Then paste the webhook URL and verify token shown here into the Meta app’s Instagram webhook settings.',
  },
  whatsapp: {
    fields: { handle: 'WhatsApp number', account_id: 'Phone-number ID', token: 'Access token', secret: 'Meta app secret' },
    how: 'Then paste the webhook URL and verify token shown here into WhatsApp > Configuration in the Meta app.',
  },
  vk: {
    fields: { handle: 'Community', token: 'Community access token', secret: 'Callback API secret key', confirmation_code: 'Confirmation string' },
    how: 'Then paste the webhook URL into the community’s Callback API settings.',
  },
  max: {
    fields: { token: 'Bot token (from MAX for business)', handle: 'Bot name' },
    optional: ['handle'],
    how: 'Paste the bot’s token: its name is read from MAX, and the webhook is subscribed when the server knows its public address.',
  },
  line: { fields: { handle: 'LINE id', token: 'Channel access token', secret: 'Channel secret' }, how: 'Then paste the webhook URL into the LINE Developers console.' },
  odnoklassniki: { fields: { handle: 'Group' }, how: 'Messages come in through the API (POST /v1/inbound) with this account’s id.' },
  webchat: { fields: { handle: 'Site or widget name' }, how: 'Messages come in through the API (POST /v1/inbound) with this account’s id.' },
  email: { fields: { handle: 'Address' }, how: 'Messages come in through the API (POST /v1/inbound) with this account’s id.' },
  sms: { fields: { handle: 'Sender number' }, how: 'Messages come in through the API (POST /v1/inbound) with this account’s id.' },
};

const SECRET_FIELDS: Field[] = ['token', 'secret'];

/** The webhook URL to paste: the server's public one, else this server as the browser reaches it. */
function webhookUrl(bot: Pick<Bot, 'webhook_url' | 'webhook_path'>): { url: string; hint?: string } | null {
  if (bot.webhook_url) return { url: bot.webhook_url };
  if (!bot.webhook_path) return null;
  return {
    url: `${window.location.origin}${bot.webhook_path}`,
    hint: 'This is the server as your browser reaches it; the messenger needs its public https address (the server’s OMNIMERGE_PUBLIC_URL).',
  };
}

function botTitle(bot: Pick<Bot, 'channel' | 'handle' | 'name'>): string {
  return `${channelLabel(bot.channel)} ${bot.handle.startsWith('+') ? bot.handle : `@${bot.handle}`}`;
}

function ConnectForm({ onConnected }: { onConnected: (bot: ConnectedBot) => void }) {
  const [channel, setChannel] = useState<Channel>('telegram');
  const [values, setValues] = useState<Partial<Record<Field | 'name', string>>>({});
  const connect = useAction();
  const spec = CONNECT[channel];
  return (
    <form
      className="connect"
      onSubmit={async (event) => {
        event.preventDefault();
        const input: BotInput = { channel, ...values };
        const bot = await connect.run(() => adminApi.connectBot(input));
        if (bot) {
          setValues({});
          onConnected(bot);
        }
      }}
    >
      <h2>Connect a messenger account</h2>
      <label>
        Messenger
        <select value={channel} onChange={(e) => (setChannel(e.target.value as Channel), setValues({}), connect.clearError())}>
          {(Object.keys(CONNECT) as Channel[]).map((c) => (
            <option key={c} value={c}>
              {channelLabel(c)}
            </option>
          ))}
        </select>
      </label>
      <p className="hint">{spec.how}</p>
      {(Object.entries(spec.fields) as Array<[Field, string]>).map(([field, label]) => (
        <label key={field}>
          <span>
            {label}
            {spec.optional?.includes(field) ? <span className="hint"> (optional)</span> : null}
          </span>
          <input
            type={SECRET_FIELDS.includes(field) ? 'password' : 'text'}
            autoComplete="off"
            value={values[field] ?? ''}
            onChange={(e) => setValues({ ...values, [field]: e.target.value })}
            required={!spec.optional?.includes(field)}
          />
        </label>
      ))}
      <label>
        <span>
          Name shown to operators <span className="hint">(optional)</span>
        </span>
        <input value={values.name ?? ''} onChange={(e) => setValues({ ...values, name: e.target.value })} />
      </label>
      <button type="submit" className="primary" disabled={connect.pending}>
        {connect.pending ? 'Connecting…' : `Connect ${channelLabel(channel)}`}
      </button>
      <ErrorNote error={connect.error} />
    </form>
  );
}

/** What is left to do after connecting: shown once, as the verify token is never shown again. */
function Connected({ bot }: { bot: ConnectedBot }) {
  const hook = webhookUrl({ webhook_url: bot.setup.callback_url ?? bot.webhook_url, webhook_path: bot.webhook_path });
  return (
    <section className="notice connected" aria-label="Connected">
      <p role="status">
        <strong>{botTitle(bot)}</strong> is connected{bot.setup.reconnected ? ' again, with its earlier contacts and history' : ''}.
        {bot.setup.webhook_registered ? ` ${channelLabel(bot.channel)} now sends its messages here; nothing more to do.` : ''}
      </p>
      {!bot.setup.webhook_registered && hook ? <CopyField label="Webhook URL" value={hook.url} hint={hook.hint} /> : null}
      {bot.setup.verify_token ? <CopyField label="Verify token" value={bot.setup.verify_token} hint="Shown only now: paste it beside the webhook URL before leaving this page." /> : null}
      {!bot.setup.webhook_registered ? <p className="hint">Next: {bot.setup.next_step}.</p> : null}
    </section>
  );
}

function BotRow({ bot, onDisconnected }: { bot: Bot; onDisconnected: (answer: DisconnectedBot) => void }) {
  const disconnect = useAction();
  const hook = webhookUrl(bot);
  const heard = bot.last_webhook_at;
  return (
    <li aria-label={botTitle(bot)}>
      <div className="bot-head">
        <ChannelName channel={bot.channel} />
        <strong>{bot.handle.startsWith('+') ? bot.handle : `@${bot.handle}`}</strong>
        {bot.name ? <span className="muted">{bot.name}</span> : null}
      </div>
      <p className={`bot-status ${heard ? 'ok' : 'waiting'}`}>
        {heard ? (
          <>Last message received {timeAgo(heard)} <span className="muted">({formatTime(heard)})</span></>
        ) : hook ? (
          'No message received yet: write to the account once to check that its webhook reaches this server.'
        ) : (
          'No message received yet.'
        )}
      </p>
      {hook ? <CopyField label="Webhook URL" value={hook.url} hint={hook.hint} /> : <p className="hint">Messages come in through POST /v1/inbound.</p>}
      <p className="hint">
        {bot.has_token ? 'Can send replies.' : 'No token: replies cannot be sent through this account.'}{' '}
        {hook && !bot.has_secret ? 'No secret: its webhooks are refused until it is connected again with one.' : ''} Connected {formatTime(bot.created_at)}.
      </p>
      <ConfirmButton
        label="Disconnect"
        ariaLabel={`Disconnect ${botTitle(bot)}`}
        confirmLabel={`Yes, disconnect ${botTitle(bot)}`}
        disabled={disconnect.pending}
        onConfirm={async () => {
          const answer = await disconnect.run(() => adminApi.disconnectBot(bot.id));
          if (answer) onDisconnected(answer);
        }}
      />
      <ErrorNote error={disconnect.error} />
    </li>
  );
}

/** The project's messenger accounts: connect one, check that its webhook is heard from, disconnect it. */
export function MessengersScreen() {
  const bots = useLoad(() => adminApi.bots(), []);
  const [connected, setConnected] = useState<ConnectedBot | null>(null);
  const [gone, setGone] = useState<DisconnectedBot | null>(null);
  return (
    <section>
      <h1>Messengers</h1>
      {gone ? (
        <p role="status" className="notice">
          {botTitle(gone)} is disconnected: {gone.webhook.message}. Its contacts and dialogs stay.
        </p>
      ) : null}
      {connected ? <Connected bot={connected} /> : null}
      <ErrorNote error={bots.error} />
      {bots.loading && !bots.data ? <p>Loading…</p> : null}
      {bots.data && bots.data.items.length === 0 ? <p>No messenger account is connected yet: connect one below.</p> : null}
      <ul className="list bots" aria-label="Messenger accounts">
        {bots.data?.items.map((bot) => (
          <BotRow
            key={bot.id}
            bot={bot}
            onDisconnected={(answer) => {
              setConnected(null);
              setGone(answer);
              bots.reload();
            }}
          />
        ))}
      </ul>
      <ConnectForm
        onConnected={(bot) => {
          setGone(null);
          setConnected(bot);
          bots.reload();
        }}
      />
    </section>
  );
}
