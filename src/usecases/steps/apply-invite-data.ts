import { randomBytes } from 'node:crypto';
import { DomainError } from '../../domain/errors.js';
import { requireEmail, requirePhone } from '../../domain/normalize.js';
import { decodeInvitePayload, verifySignedPayload, type DecodedPayload } from '../../links/invite-payload.js';
import { LINKS, startParameter } from '../../links/link-table.js';
import { isMergeToken } from '../../links/secrets.js';
import { writeInviteValues, type InviteValues } from '../../store/links.js';
import { selectInviteSecret, selectSettings } from '../../store/projects.js';
import type { InboundContext, InboundStep } from '../resolve-inbound.js';

// inbound resolution step 4 (docs/concepts.md), invite links and the bot settings start_param, trust_start_data (docs/links.md): the data an invite link carried is
// written to the contact (the phone normalized); a payload that is not such JSON is the client's
// external id (the seeds' clientExternalId) unless the bot ignores plain start parameters. Then the
// merge rules run (they look at `contactChanged`).
//
// Whoever types `/start <payload>` writes it, so only a payload signed by this project (a link made by
// POST /v1/bots/{id}/invite-link) — or any payload, on a bot set to trust its start data — is trusted:
// untrusted values only fill the contact's empty fields and never merge it by themselves (the rules
// make a suggestion instead; see `untrusted` on the context).

/** Where untrusted fields came from, for the suggestion's evidence. */
export type UntrustedSource = 'invite_data' | 'start_param';

interface Arrival {
  decoded: DecodedPayload;
  signed: boolean;
}

export const applyInviteData: InboundStep = async (ctx) => {
  if (ctx.result.duplicate) return;
  const arrival = await invitePayloadOf(ctx);
  if (arrival === null) return;
  const { decoded, signed } = arrival;
  if (decoded.kind === 'external_id' && !signed && ctx.bot.start_param === 'ignore') return;
  const trusted = signed || ctx.bot.trust_start_data;
  const values = decoded.kind === 'external_id' ? { external_id: decoded.value } : await normalizedValues(ctx, decoded.data);
  if (await writeInviteValues(ctx.tx, ctx.projectId, ctx.result.contact_id, values, trusted)) ctx.contactChanged = true;
  if (!trusted) ctx.untrusted = { source: decoded.kind === 'data' ? 'invite_data' : 'start_param', fields: fieldsOf(values) };
  ctx.result.invite = { ...(decoded.kind === 'data' ? decoded.data : { eId: decoded.value }), signed, trusted };
};

/**
 * The invite payload of the message: its start / ref / context parameter (or a Telegram `/start <payload>`
 * text), unless that is a merge token; on channels whose links pre-fill the text (WhatsApp, LINE), a text
 * that is a signed payload or decodes as invite data — any other text is just a message.
 */
async function invitePayloadOf(ctx: InboundContext): Promise<Arrival | null> {
  const parameter = ctx.input.payload?.trim() || startParameter(ctx.input.text);
  if (parameter) {
    const inner = await signedPayload(ctx, parameter);
    if (inner !== null) return { decoded: decodeInvitePayload(inner), signed: true };
    return isMergeToken(parameter) ? null : { decoded: decodeInvitePayload(parameter), signed: false };
  }
  const text = ctx.input.text?.trim();
  if (LINKS[ctx.channel]?.inviteReturnsIn !== 'text' || !text || /\s/.test(text)) return null;
  const inner = await signedPayload(ctx, text);
  if (inner !== null) return { decoded: decodeInvitePayload(inner), signed: true };
  const decoded = decodeInvitePayload(text);
  return decoded.kind === 'data' ? { decoded, signed: false } : null;
}

async function signedPayload(ctx: InboundContext, payload: string): Promise<string | null> {
  const secret = await selectInviteSecret(ctx.tx, ctx.projectId, () => randomBytes(32).toString('base64url'));
  return verifySignedPayload(payload, secret, ctx.bot.id);
}

/** The merge-rule fields the values fill: what a rule must not merge on by itself when untrusted. */
function fieldsOf(values: InviteValues): string[] {
  const fields = (['phone', 'email', 'external_id'] as const).filter((f) => values[f] !== undefined);
  return [...fields, ...Object.keys(values.variables ?? {}).map((k) => `variables.${k}`)];
}

/** Invalid values are reported in the answer's errors and left out; the rest is still written. */
async function normalizedValues(ctx: InboundContext, data: { p?: string; e?: string; eId?: string; v?: Record<string, unknown> }): Promise<InviteValues> {
  const values: InviteValues = { external_id: data.eId, variables: data.v };
  const keep = (write: () => void) => {
    try {
      write();
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      ctx.result.errors.push({ code: err.code, message: `invite data: ${err.message}` });
    }
  };
  if (data.p !== undefined) {
    const region = (await selectSettings(ctx.tx, ctx.projectId)).default_region;
    keep(() => (values.phone = requirePhone(data.p!, region)));
  }
  if (data.e !== undefined) keep(() => (values.email = requireEmail(data.e!)));
  return values;
}
