import ipaddr from 'ipaddr.js';

// Where webhook deliveries may go (docs/events.md, "Where endpoints may point"). A webhook endpoint is a
// URL a caller chooses and the server then POSTs to: without these checks it is a way into the
// server's own network (loopback services, the cloud metadata service, intranet hosts). Only public
// unicast addresses are allowed, unless the operator opts in with OMNIMERGE_WEBHOOK_ALLOW_PRIVATE=true.

/** Why an address of each special range is refused; any range not listed here but `unicast` is refused as reserved. */
const REFUSED_RANGES: Record<string, string> = {
  unspecified: 'an unspecified address (0.0.0.0/8 or ::)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  loopback: 'a loopback address (127.0.0.0/8 or ::1)',
  private: 'a private address (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)',
  linkLocal: 'a link-local address (169.254.0.0/16 or fe80::/10, where cloud metadata services answer)',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  uniqueLocal: 'a unique-local address (fc00::/7)',
  rfc6052: 'an IPv6 address with an IPv4 address inside (64:ff9b::/96)',
  rfc6145: 'an IPv6 address with an IPv4 address inside (::ffff:0:0:0/96)',
  '6to4': 'a 6to4 address with an IPv4 address inside (2002::/16)',
  teredo: 'a Teredo address with an IPv4 address inside (2001::/32)',
};

/** Host names that are never public: the metadata services of the clouds, and names for this machine. */
const REFUSED_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);
const REFUSED_SUFFIXES = ['.localhost', '.internal', '.local'];

/** Why this IP address (v4 or v6 text) may not receive webhooks, or null when it is a public unicast address. */
export function refusedAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let ip = ipaddr.parse(address);
  // ::ffff:127.0.0.1 is 127.0.0.1
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const range = ip.range();
  if (range === 'unicast') return null;
  return `${ip.toString()} is ${REFUSED_RANGES[range] ?? `a reserved address (${range})`}`;
}

/** The host of a URL as an IP address when it is one (WHATWG URLs already turn 2130706433 and 0x7f.1 into 127.0.0.1). */
export function hostAddress(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return ipaddr.isValid(host) && (host.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(host)) ? host : null;
}

/**
 * Why a webhook URL's host is refused before any lookup (an address literal out of the public range, a
 * name of this machine or of a metadata service), or null. A name is checked again after it resolves,
 * at delivery time: what it resolves to can change.
 */
export function refusedHostReason(url: URL): string | null {
  const address = hostAddress(url);
  if (address !== null) return refusedAddressReason(address);
  const name = url.hostname.toLowerCase().replace(/\.$/, '');
  if (REFUSED_NAMES.has(name) || REFUSED_SUFFIXES.some((suffix) => name.endsWith(suffix))) return `${name} names this machine or an internal service`;
  return null;
}
