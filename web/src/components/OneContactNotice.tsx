import { useState } from 'react';
import type { ContactCard } from '../api';
import { channelLabel } from '../channels';
import { aboutContact, useLive } from '../live';

/**
 * "Instagram and WhatsApp are now one contact": said on the open card or dialog when a merge or a completed
 * link joins another messenger to this contact while the operator looks at it (live, without reload).
 */
export function OneContactNotice({ card }: { card: ContactCard }) {
  const [joined, setJoined] = useState(false);
  useLive((event) => {
    if ((event.type === 'contact.merged' || event.type === 'identity.linked') && aboutContact(event, card.id)) setJoined(true);
  });
  const channels = [...new Set(card.identities.map((identity) => identity.channel))].map(channelLabel);
  if (!joined || channels.length < 2) return null;
  const names = channels.length === 2 ? channels.join(' and ') : `${channels.slice(0, -1).join(', ')} and ${channels[channels.length - 1]}`;
  return (
    <p role="status" className="notice">
      {names} are now one contact.
    </p>
  );
}
