import QRCode from 'qrcode';
import type { LandingButton } from '../links/landing-buttons.js';

// docs/links.md "One link for every messenger": the HTML of /l/<token>. One small document per answer, no
// script, no external file: it loads at once on a weak phone connection and works with JavaScript off. The
// QR code of the page's own address shows on wide screens only, for a client reading it on a computer. Links
// between its pages are relative, so the page works behind a proxy that serves it under a path prefix.

/** Each messenger's color; a channel added to the link table without one gets the neutral color. */
const COLORS: Record<string, string> = {
  telegram: '#1c88c7',
  facebook: '#0866ff',
  instagram: '#c13584',
  viber: '#7360f2',
  vk: '#0060cc',
  whatsapp: '#128c4b',
  line: '#06893b',
  max: '#5b3ff4',
};
const NEUTRAL = '#3d4a5c';

const STYLE = `*{box-sizing:border-box}body{margin:0;font:17px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#f3f5f8}
main{max-width:460px;margin:0 auto;padding:28px 18px 40px}h1{font-size:1.45em;line-height:1.2;margin:0 0 6px}p{margin:0 0 18px;color:#4a5464}
.project{font-size:.95em;font-weight:600;color:#5b6576;margin:0 0 14px;text-transform:none}
ul{list-style:none;margin:0;padding:0}li{margin:0 0 12px}
a.button{display:block;padding:15px 18px;border-radius:12px;color:#fff;text-decoration:none;font-weight:600;font-size:1.05em;text-align:center}
a.button:focus-visible{outline:3px solid #1d2430;outline-offset:2px}
.code{display:block;font:600 1.35em/1.3 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.04em;background:#fff;border:2px dashed #9aa5b5;border-radius:12px;padding:14px;text-align:center;margin:0 0 18px;user-select:all;word-break:break-all}
.small{font-size:.88em;color:#6a7383}a.back{color:#1c5fb8}
.qr{display:none}
@media (min-width:760px){main{max-width:820px;display:grid;grid-template-columns:1fr 240px;gap:48px;padding-top:72px}
.qr{display:block;margin:0;text-align:center;font-size:.88em;color:#6a7383}.qr svg{width:220px;height:220px;background:#fff;border-radius:12px;padding:8px}}`;

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function document(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escape(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

const projectLine = (project: string) => (project ? `<p class="project">${escape(project)}</p>` : '');

/** The page with a button per messenger and, on wide screens, the QR code of `pageUrl`. */
export async function landingHtml(input: { project: string; token: string; pageUrl: string; buttons: LandingButton[]; expiresAt: Date }): Promise<string> {
  const qr = await QRCode.toString(input.pageUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  const buttons = input.buttons
    .map(({ channel, format }) => `<li><a class="button" style="background:${COLORS[channel] ?? NEUTRAL}" href="${input.token}/${channel}">${escape(format.title)}</a></li>`)
    .join('');
  const list = input.buttons.length > 0
    ? `<ul aria-label="Messengers">${buttons}</ul>`
    : '<p>No messenger is available right now. Please try again later.</p>';
  return document(
    `${input.project ? `${input.project}: ` : ''}choose your messenger`,
    `<section>${projectLine(input.project)}<h1>Choose your messenger</h1><p>Tap the messenger you use, and we will continue the conversation there.</p>${list}` +
      `<p class="small">This link works until ${escape(formatDate(input.expiresAt))}.</p></section>` +
      `<figure class="qr" aria-label="QR code of this page">${qr.replace(/^<\?xml[^>]*>/, '')}<figcaption>On your phone? Scan this code to open the page there.</figcaption></figure>`,
  );
}

/** A code channel: the code to send, and the messenger's link (pre-filled where it can be). */
export function codeHtml(input: { project: string; token: string; button: LandingButton; url: string; code: string; prefilled: boolean }): string {
  const { title } = input.button.format;
  const how = input.prefilled
    ? `Open ${escape(title)}: the message is filled in, just press send. If it is not, send this message:`
    : `Open ${escape(title)} and send us this message:`;
  return document(
    `${title}: send this message`,
    `<section>${projectLine(input.project)}<h1>Continue in ${escape(title)}</h1><p>${how}</p>` +
      `<code class="code" aria-label="Message to send">${escape(input.code)}</code>` +
      `<ul><li><a class="button" style="background:${COLORS[input.button.channel] ?? NEUTRAL}" href="${escape(input.url)}">Open ${escape(title)}</a></li></ul>` +
      `<p class="small"><a class="back" href="../${input.token}">Choose another messenger</a></p></section>`,
  );
}

/** Plain words for a link that does not work (any more). */
export function noticeHtml(heading: string, text: string, back?: string): string {
  const link = back ? `<p class="small"><a class="back" href="${escape(back)}">Choose another messenger</a></p>` : '';
  return document(heading, `<section><h1>${escape(heading)}</h1><p>${escape(text)}</p>${link}</section>`);
}

function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
