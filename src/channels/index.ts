import type { Channel } from '../domain/channels.js';
import type { Connectors } from '../usecases/send-message.js';
import { apiCallScope, DEFAULT_API_TIMEOUT_MS, type MessengerAdapter } from './kit.js';
import { line } from './line.js';
import { max } from './max.js';
import { meta } from './meta.js';
import { telegram } from './telegram.js';
import { viber } from './viber.js';
import { vk } from './vk.js';
import { whatsapp } from './whatsapp.js';

// Which adapter speaks each messenger's webhook and API (STYLE.md: a table, not a switch).
// Channels without one (webchat, e-mail, SMS, Odnoklassniki) come in through POST /v1/inbound and
// go out as `message.outbound` events.
export const ADAPTERS: Partial<Record<Channel, MessengerAdapter>> = {
  telegram,
  facebook: meta,
  instagram: meta,
  whatsapp,
  viber,
  vk,
  line,
  max,
};

export type MessengerApiUrls = Partial<Record<Channel, string>>;

/**
 * The connectors that send through the messengers' APIs, at their public URLs unless configured; one
 * API call may take `timeoutMs` at most.
 */
export function createConnectors(apiUrls: MessengerApiUrls = {}, timeoutMs = DEFAULT_API_TIMEOUT_MS): Connectors {
  const connectors: Connectors = {};
  for (const [channel, adapter] of Object.entries(ADAPTERS) as Array<[Channel, MessengerAdapter]>) {
    const api = (apiUrls[channel] ?? adapter.defaultApiUrl).replace(/\/+$/, '');
    connectors[channel] = {
      send: (bot, to, text, messageId) => apiCallScope.run({ timeoutMs }, () => adapter.send(api, bot, to, text, messageId)),
      idempotent: adapter.idempotent,
    };
  }
  return connectors;
}
