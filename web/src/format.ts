import { parsePhoneNumberFromString } from 'libphonenumber-js';

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** What an operator calls a contact: its name, else phone, e-mail, external id, what its messengers call it — never its id. */
export function contactTitle(contact: {
  name: string | null;
  phone: string | null;
  email: string | null;
  external_id?: string | null;
  id: string;
  identities?: Array<{ name: string | null; username: string | null }>;
}): string {
  const named = contact.identities?.find((i) => i.name) ?? contact.identities?.find((i) => i.username);
  const messengerName = named ? (named.name ?? `@${named.username}`) : null;
  return contact.name ?? contact.phone ?? contact.email ?? contact.external_id ?? messengerName ?? 'Unnamed contact';
}

/** `604800` → `7 days`: the link lifetime said the way an operator thinks of it. */
export function formatDuration(seconds: number): string {
  const units: Array<[number, string]> = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(seconds));
  for (const [size, name] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count} ${name}${count === 1 ? '' : 's'}`);
    rest -= count * size;
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest} second${rest === 1 ? '' : 's'}`);
  return parts.join(' ');
}

/** `["photo"]` → `📎 photo`, `["photo","photo"]` → `📎 2 photos`: what a message without text carried. */
export function attachmentSummary(types: string[]): string {
  if (types.length === 0) return '';
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return `📎 ${[...counts].map(([type, n]) => (n === 1 ? type : `${n} ${type}s`)).join(', ')}`;
}

/** A message's line in a list: its text (a caption counts), else what it carried. */
export function messagePreview(message: { text: string | null; attachments?: Array<{ type: string }> }): string {
  return message.text ?? (attachmentSummary((message.attachments ?? []).map((a) => a.type)) || '(no text)');
}

/** `{source: "ADS", headline: "Spring sale", ad_id: "238…"}` → `Came from an ad: Spring sale (ad 238…)`. */
export function referralText(referral: Record<string, string>): string {
  const what = referral.headline ?? referral.ref ?? referral.source_url ?? null;
  const where = referral.source === 'ADS' ? 'an ad' : (referral.source?.toLowerCase() ?? 'a referral');
  const id = referral.ad_id ? ` (ad ${referral.ad_id})` : '';
  return `Came from ${where}${what ? `: ${what}` : ''}${id}`;
}

/** `+491609999999` → `+49 160 9999999`: a stored E.164 phone in the international format people read. */
export function formatPhone(phone: string): string {
  return parsePhoneNumberFromString(phone)?.formatInternational() ?? phone;
}

/** Internal variables the service keeps for itself (a merge code in flight): never shown to operators. */
export const isInternalVariable = (key: string) => key === 'text_to_merge_contact';
