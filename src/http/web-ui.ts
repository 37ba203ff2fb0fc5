import type { FastifyStaticOptions } from '@fastify/static';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

// The operator UI (web/, built by `npm run build` into web/dist) is served at / by the same server. The UI
// routes its own pages (/contacts/…), so a GET of one of its page paths answers its index.html; any other
// unknown path keeps the API's JSON 404.

const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));
// The first segments of the pages web/src/main.tsx routes.
const UI_PAGE = /^\/(sign-in|contacts|mine|merge|suggestions|settings|messengers|webhooks|import)(\/[^.]*)?$/;

export function webUiBuilt(): boolean {
  return existsSync(`${WEB_DIST}index.html`);
}

/** For @fastify/static: the built files, each with its own route (no file-system look-up for unknown paths). */
export const WEB_UI_FILES: FastifyStaticOptions = {
  root: WEB_DIST,
  wildcard: false,
  // our own Cache-Control below, not the plugin's default `public, max-age=0`
  cacheControl: false,
  // Vite names assets by their content hash, so they never change; index.html must be read anew.
  setHeaders: (response, path) => {
    response.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  },
};

/** A GET of a page the UI routes itself, e.g. a reload of /contacts/<id>. */
export function isUiPage(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && UI_PAGE.test(request.url.split('?')[0]);
}

export function sendUiPage(reply: FastifyReply): FastifyReply {
  if (!webUiBuilt()) return sendError(reply, 404, 'ui_not_built', 'the web UI is not built: run `npm run build` (npm install runs it)');
  return reply.header('cache-control', 'no-cache').sendFile('index.html');
}
