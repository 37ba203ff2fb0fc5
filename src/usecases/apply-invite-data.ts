import { DomainError } from '../domain/errors.js';
import { requireEmail, requirePhone } from '../domain/normalize.js';
import { decodeInvitePayload, type DecodedPayload } from '../links/invite-payload.js';
import { LINKS, startParameter } from '../links/link-table.js';
import { isMergeToken } from '../links/secrets.js';
import { writeInviteValues, type InviteValues } from '../store/links.js';
import { selectSettings } from '../store/projects.js';
import type { InboundContext, InboundStep } from './resolve-inbound.js';

// inbound resolution step 4 (docs/concepts.md) and invite links (docs/links.md): the data an invite link carried is written to the contact (the phone
// normalized); a payload that is not such JSON is the client's external id (the seeds' clientExternalId).
// Then the merge rules run (they look at `contactChanged`).

export const applyInviteData: InboundStep = async (ctx) => {
  if (ctx.result.duplicate) return;
  const decoded = invitePayloadOf(ctx);
  if (decoded === null) return;
  const values = decoded.kind === 'external_id' ? { external_id: decoded.value } : await normalizedValues(ctx, decoded.data);
  if (await writeInviteValues(ctx.tx, ctx.projectId, ctx.result.contact_id, values)) ctx.contactChanged = true;
  ctx.result.invite = decoded.kind === 'data' ? { ...decoded.data } : { eId: decoded.value };
};

/**
 * The invite payload of the message: its start / ref / context parameter (or a Telegram `/start <payload>`
 * text), unless that is a merge token; on channels whose links pre-fill the text (WhatsApp, LINE), a text
 * that decodes as invite data — any other text is just a message.
 */
function invitePayloadOf(ctx: InboundContext): DecodedPayload | null {
  const parameter = ctx.input.payload?.trim() || startParameter(ctx.input.text);
  if (parameter) return isMergeToken(parameter) ? null : decodeInvitePayload(parameter);
  if (LINKS[ctx.channel]?.inviteReturnsIn !== 'text' || !ctx.input.text) return null;
  const decoded = decodeInvitePayload(ctx.input.text);
  return decoded.kind === 'data' ? decoded : null;
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
