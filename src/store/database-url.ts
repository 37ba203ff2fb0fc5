// DATABASE_URL may list several hosts the way libpq does:
//   postgres://user@h1:5432,h2:5433/db?target_session_attrs=read-write
// node-postgres reads one host, so the list is split here into one URL per host; the pool
// (src/store/pool.ts) tries them in order and, for read-write, keeps to the one that is not a standby.

export type SessionAttrs = 'any' | 'read-write';

export interface DatabaseTargets {
  /** one connection string per host, in the order given */
  urls: string[];
  /** "host:port" of each, for logs and errors */
  hosts: string[];
  sessionAttrs: SessionAttrs;
}

const SESSION_ATTRS: Record<string, SessionAttrs> = { any: 'any', 'read-write': 'read-write', primary: 'read-write' };

export function parseDatabaseUrl(databaseUrl: string): DatabaseTargets {
  const match = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)([^?#]*)(?:\?([^#]*))?$/.exec(databaseUrl);
  if (!match) throw new Error('DATABASE_URL must look like postgres://user:password@host:port/database');
  const [, scheme, userinfo, hostList, path, query] = match;
  const params = new URLSearchParams(query ?? '');
  const attrs = params.get('target_session_attrs') ?? 'any';
  const sessionAttrs = SESSION_ATTRS[attrs];
  if (!sessionAttrs) throw new Error(`DATABASE_URL: target_session_attrs must be one of ${Object.keys(SESSION_ATTRS).join(', ')}, not "${attrs}"`);
  params.delete('target_session_attrs');
  const rest = `${path}${params.size > 0 ? `?${params}` : ''}`;
  const user = userinfo === undefined ? '' : `${userinfo}@`;
  // one host (or none: libpq's default) is passed on as written
  if (!hostList.includes(',')) return { urls: [`${scheme}${user}${hostList}${rest}`], hosts: [hostList || 'localhost'], sessionAttrs };
  const hosts = hostList.split(',').map((spec) => {
    const hostPort = /^(\[[^\]]+\]|[^:]*)(?::(\d*))?$/.exec(spec);
    if (!hostPort || hostPort[1] === '') throw new Error(`DATABASE_URL: "${spec}" is not a host[:port]`);
    return `${hostPort[1]}:${hostPort[2] || '5432'}`;
  });
  return { urls: hosts.map((host) => `${scheme}${user}${host}${rest}`), hosts, sessionAttrs };
}
