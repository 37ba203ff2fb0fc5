import QRCode from 'qrcode';
import { useEffect, useRef, useState } from 'react';
import type { Channel, InviteAnswer } from '../api';
import { channelLabel } from '../channels';
import { formatTime } from '../format';
import { ErrorNote } from './ErrorNote';

/**
 * The invite before it goes out: the message (editable), the link as text, a QR code to scan from a phone.
 * **Send** sends the message as edited into this conversation; **Copy only** copies it and sends nothing.
 */
export function InviteResult({
  channel,
  invite,
  onSend,
  sending,
}: {
  channel: Channel;
  invite: InviteAnswer;
  onSend: (text: string) => Promise<boolean>;
  sending: boolean;
}) {
  const [text, setText] = useState(invite.text);
  const [sent, setSent] = useState<string | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [qrError, setQrError] = useState<unknown>();
  const [copied, setCopied] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    QRCode.toDataURL(invite.url, { margin: 1, width: 192 }).then(setQr, setQrError);
  }, [invite.url]);

  const copy = async (what: string, done: string, from: HTMLInputElement | HTMLTextAreaElement | null) => {
    try {
      await navigator.clipboard.writeText(what);
      setCopied(done);
    } catch {
      // The clipboard API needs a secure context (https or localhost); otherwise copy the selected text.
      from?.select();
      setCopied(document.execCommand('copy') ? done : 'Select the text and copy it by hand.');
    }
  };
  const message = useRef<HTMLTextAreaElement>(null);

  return (
    <section className="invite" aria-label={`${channelLabel(channel)} invite`}>
      <h3>Invite to {channelLabel(channel)}</h3>
      {sent === null ? (
        <>
          <label>
            Message to the client
            <textarea ref={message} rows={4} value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          {!text.includes(invite.url) ? <p className="hint">The message no longer holds the link; the client needs it to move.</p> : null}
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={sending || text.trim() === ''}
              onClick={async () => {
                if (await onSend(text)) setSent(text);
              }}
            >
              Send
            </button>
            <button type="button" onClick={() => copy(text, 'Message copied; nothing was sent.', message.current)}>
              Copy only
            </button>
          </div>
        </>
      ) : null}
      <p className="muted">The link works until {formatTime(invite.expires_at)}.</p>
      <label>
        Link
        <input ref={field} readOnly value={invite.url} onFocus={(e) => e.target.select()} />
      </label>
      <div className="actions">
        <button type="button" onClick={() => copy(invite.url, 'Link copied.', field.current)}>
          Copy link
        </button>
        <a className="button" href={invite.url} target="_blank" rel="noreferrer">
          Open link
        </a>
        {copied ? <span role="status">{copied}</span> : null}
      </div>
      {invite.code ? (
        <p>
          Code the client sends: <code className="code">{invite.code}</code>
        </p>
      ) : null}
      {qr ? <img className="qr" src={qr} alt={`QR code of the ${channelLabel(channel)} link`} width={192} height={192} /> : null}
      <ErrorNote error={qrError} />
      {sent !== null ? <p role="status">Sent into this conversation: “{sent}”</p> : null}
    </section>
  );
}
