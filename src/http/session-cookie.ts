import type { FastifyReply, FastifyRequest } from 'fastify';

// The sign-in cookie (docs/ui.md): HttpOnly so page scripts never read it, SameSite=Strict so other sites'
// pages never send it, Secure when the server is reached over https, and scoped to the API.

export const SESSION_COOKIE = 'omnimerge_session';

export function sessionToken(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === SESSION_COOKIE) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return null;
}

function secure(request: FastifyRequest, publicUrl: string | null): boolean {
  return request.protocol === 'https' || (publicUrl?.startsWith('https:') ?? false);
}

export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, token: string, expiresAt: Date, publicUrl: string | null): void {
  const attributes = [`${SESSION_COOKIE}=${encodeURIComponent(token)}`, 'Path=/v1', 'HttpOnly', 'SameSite=Strict', `Expires=${expiresAt.toUTCString()}`];
  if (secure(request, publicUrl)) attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest, publicUrl: string | null): void {
  const attributes = [`${SESSION_COOKIE}=`, 'Path=/v1', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0'];
  if (secure(request, publicUrl)) attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

/** The header every write made with the cookie must carry: a cross-site form cannot send it. */
export const UI_HEADER = 'x-omnimerge-ui';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a cookie-authenticated request looks forged, or null. Writes must carry `X-Omnimerge-UI: 1` (a page on
 * another site cannot add it without the server's CORS consent, which it never gives), and a browser's
 * Origin, when sent, must be this server.
 */
export function forgeryReason(request: FastifyRequest, publicUrl: string | null = null): string | null {
  const origin = request.headers.origin;
  if (origin && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return `the Origin "${origin}" is not an address`;
    }
    // behind a reverse proxy the Host may be rewritten: the forwarded host and OMNIMERGE_PUBLIC_URL count too
    const ours = [request.headers.host, request.headers['x-forwarded-host'], publicUrl ? new URL(publicUrl).host : undefined];
    if (!ours.includes(host)) return `the request comes from the page of another site (${origin}); sign-in cookies work only for this server's own UI`;
  }
  if (!SAFE.has(request.method) && request.headers[UI_HEADER] !== '1') {
    return `a change made with the sign-in cookie must carry the header "X-Omnimerge-UI: 1" (programs send their API key as "Authorization: Bearer <key>" instead)`;
  }
  return null;
}
