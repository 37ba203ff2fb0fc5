import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import type { Store } from '../../store/database.js';
import { createLandingLink } from '../../usecases/create-landing-link.js';
import { openLandingChannel } from '../../usecases/open-landing-channel.js';
import { showLandingPage, type LandingState } from '../../usecases/show-landing-page.js';
import { codeHtml, landingHtml, noticeHtml } from '../landing-page.js';
import { ChannelInput, errorResponses, Id, Timestamp } from '../schemas.js';

// docs/links.md "One link for every messenger": the API call that makes the link, and the page it opens —
// HTML for people, no API key, every answer a page (also 404 and 410).

const LandingLink = Type.Object(
  {
    url: Type.String({ description: 'the page to give the client: <OMNIMERGE_PUBLIC_URL>/l/<token>' }),
    expires_at: Timestamp,
    channels: Type.Array(Type.String(), { description: 'the messengers the page offers now, in its order' }),
  },
  { title: 'LandingLink', description: 'one link to a page with a button per messenger; each button makes that messenger\'s merge link when clicked' },
);

export const landingLinkRoutes: FastifyPluginAsyncTypebox<{ store: Store; publicUrl: string | null }> = async (app, { store, publicUrl }) => {
  app.post(
    '/contacts/:id/landing-link',
    {
      schema: {
        operationId: 'createLandingLink',
        tags: ['links'],
        summary: 'One link for every messenger: a page where the client picks one',
        description:
          'The page /l/<token> shows a button per connected messenger (or those in channels); the first click on one makes its merge link, ' +
          "which completes like POST /v1/contacts/{id}/merge-link. Expires after the project's link_ttl_s. Needs OMNIMERGE_PUBLIC_URL.",
        params: Type.Object({ id: Id }),
        body: Type.Object(
          {
            tag: Type.Optional(Type.String({ maxLength: 1000, description: 'a message for the client after the move; returned as a send_message action and in switch_to_<channel>' })),
            channels: Type.Optional(Type.Array(ChannelInput, { minItems: 1, maxItems: 20, description: 'the messengers to offer, in this order; default: every messenger the project has a bot of, in the order they were connected' })),
            group: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "a bot by its id or handle (e.g. 'testbot'): its channel's button links to it" })),
          },
          { additionalProperties: false },
        ),
        response: { 201: LandingLink, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await createLandingLink(store, request.projectId, request.params.id, request.body, publicUrl)),
  );
};

const Token = Type.Object({ token: Type.String({ maxLength: 100 }) });

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    .send(html);
}

function sendClosed(reply: FastifyReply, page: Exclude<LandingState, { state: 'open' }>): FastifyReply {
  const who = 'project' in page && page.project ? page.project : 'us';
  if (page.state === 'expired') {
    return sendPage(reply, 410, noticeHtml('This link has expired', `It worked until ${page.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. Ask ${who} for a new one.`));
  }
  if (page.state === 'used') {
    return sendPage(reply, 410, noticeHtml('This link was already used', `Someone already continued in a messenger with it. If that was not you, ask ${who} for a new link.`));
  }
  return sendPage(reply, 404, noticeHtml('This link does not exist', 'Check that you opened the whole link, or ask for a new one.'));
}

export const landingPageRoutes: FastifyPluginAsyncTypebox<{ store: Store; publicUrl: string | null }> = async (app, { store, publicUrl }) => {
  app.get('/l/:token', { schema: { hide: true, params: Token } }, async (request, reply) => {
    const { token } = request.params;
    const page = await showLandingPage(store, token);
    if (page.state !== 'open') return sendClosed(reply, page);
    const base = publicUrl ?? `${request.protocol}://${request.host}`;
    const pageUrl = `${base.replace(/\/+$/, '')}/l/${token}`;
    return sendPage(reply, 200, await landingHtml({ project: page.project, token, pageUrl, buttons: page.buttons, expiresAt: page.landing.expires_at }));
  });

  app.get('/l/:token/:channel', { schema: { hide: true, params: Type.Object({ token: Type.String({ maxLength: 100 }), channel: Type.String({ maxLength: 50 }) }) } }, async (request, reply) => {
    const { token, channel } = request.params;
    if (channel === '') return reply.redirect(`../${token}`, 308);
    // a link checker's HEAD must not issue a code: only a real click (GET) makes the merge link
    if (request.method === 'HEAD') {
      const page = await showLandingPage(store, token);
      return page.state === 'open' ? sendPage(reply, 200, '') : sendClosed(reply, page);
    }
    let choice;
    try {
      choice = await openLandingChannel(store, token, channel);
    } catch (error) {
      if (error instanceof DomainError && error.status === 404) return sendClosed(reply, { state: 'unknown' });
      throw error;
    }
    if (choice.state === 'redirect') return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(choice.url, 303);
    if (choice.state === 'code') return sendPage(reply, 200, codeHtml({ ...choice, token }));
    if (choice.state === 'not_offered') {
      return sendPage(reply, 404, noticeHtml('This messenger is not offered here', `${choice.project || 'This page'} does not offer ${channel} on this page.`, `../${token}`));
    }
    return sendClosed(reply, choice);
  });

  // any other path under /l/ is a link cut short or mistyped: a page for a person, not the API's JSON
  app.get('/l/*', { schema: { hide: true } }, async (request, reply) => {
    // a trailing slash (/l/<token>/telegram/): the same page without it, relative to keep a path prefix
    const slashed = /^\/l\/[^/?]+\/([^/?]+)\/(?:\?.*)?$/.exec(request.url);
    if (slashed) return reply.redirect(`../${slashed[1]}`, 308);
    return sendClosed(reply, { state: 'unknown' });
  });
};
