import { useRef, useState } from 'react';

/** A value to paste elsewhere (a webhook URL, a secret): shown whole, selected on focus, with a copy button. */
export function CopyField({ label, value, hint }: { label: string; value: string; hint?: string }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('Copied.');
    } catch {
      // The clipboard API needs a secure context (https or localhost); otherwise copy the selected text.
      field.current?.select();
      setCopied(document.execCommand('copy') ? 'Copied.' : 'Select it and copy it by hand.');
    }
  };
  return (
    <div className="copy-field">
      <label>
        {label}
        <span className="copy-row">
          <input ref={field} readOnly value={value} onFocus={(e) => e.target.select()} />
          <button type="button" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
            Copy
          </button>
        </span>
      </label>
      {hint ? <span className="hint">{hint}</span> : null}
      {copied ? <span role="status" className="hint"> {copied}</span> : null}
    </div>
  );
}
