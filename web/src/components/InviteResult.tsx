import QRCode from 'qrcode';
import { useEffect, useRef, useState } from 'react';
import type { Channel, InviteAnswer } from '../api';
import { channelLabel } from '../channels';
import { ErrorNote } from './ErrorNote';

/** The invite link as text, a QR code to scan from a phone, and a copy button. */
export function InviteResult({ channel, invite }: { channel: Channel; invite: InviteAnswer }) {
  const [qr, setQr] = useState<string | null>(null);
  const [qrError, setQrError] = useState<unknown>();
  const [copied, setCopied] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    QRCode.toDataURL(invite.url, { margin: 1, width: 192 }).then(setQr, setQrError);
  }, [invite.url]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(invite.url);
      setCopied('Link copied.');
    } catch {
      // The clipboard API needs a secure context (https or localhost); otherwise copy the selected text.
      field.current?.select();
      setCopied(document.execCommand('copy') ? 'Link copied.' : 'Select the link and copy it by hand.');
    }
  };

  const sent = typeof invite.message === 'string' ? invite.message : invite.message?.text;
  return (
    <section className="invite" aria-label={`${channelLabel(channel)} invite`}>
      <h3>Invite to {channelLabel(channel)}</h3>
      <label>
        Link
        <input ref={field} readOnly value={invite.url} onFocus={(e) => e.target.select()} />
      </label>
      <div className="actions">
        <button type="button" onClick={copy}>
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
      {sent ? <p className="muted">Sent into this conversation: “{sent}”</p> : null}
    </section>
  );
}
