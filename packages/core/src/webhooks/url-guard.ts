import dns from 'node:dns';
import net from 'node:net';

/**
 * Addresses a webhook may not reach unless the instance allows private targets: this network and unspecified,
 * private, carrier-grade NAT, loopback, link-local, multicast and reserved ranges. IPv4-mapped IPv6 addresses
 * (::ffff:127.0.0.1) match their IPv4 rules.
 */
const BLOCKED = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 included
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4], // reserved, 255.255.255.255 included
] as const) {
  BLOCKED.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // old site-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64: reaches whatever IPv4 address it embeds
  ['2002::', 16], // 6to4: likewise
] as const) {
  BLOCKED.addSubnet(prefix, bits, 'ipv6');
}

/** True when the IP address is one a webhook may not call by default. Anything not an IP is refused too. */
export function isBlockedAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) return BLOCKED.check(address, 'ipv6');
  return true;
}

export class UnsafeUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

/** The URL parsed, or an UnsafeUrlError saying why it cannot be a webhook target. */
export function parseWebhookUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UnsafeUrlError('Must be an absolute http or https URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UnsafeUrlError('Must be an http or https URL.');
  if (!url.hostname) throw new UnsafeUrlError('Must name a host.');
  return url;
}

/** The URL's host as dns and net want it: IPv6 literals lose their brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves the URL's host and refuses it when any address it resolves to is private, loopback, link-local or
 * unspecified (unless `allowPrivate`). Used when a subscription is saved; delivery checks again on connect.
 */
export async function assertPublicUrl(value: string, options: { allowPrivate: boolean }): Promise<URL> {
  const url = parseWebhookUrl(value);
  if (options.allowPrivate) return url;
  const host = hostOf(url);
  let addresses: string[];
  if (net.isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new UnsafeUrlError(`The host "${host}" could not be resolved.`);
    }
  }
  const blocked = addresses.find(isBlockedAddress);
  if (blocked !== undefined || addresses.length === 0) {
    throw new UnsafeUrlError(
      `The host "${host}" resolves to ${blocked ?? 'no address'}, a private, loopback or link-local address; webhooks call only public addresses.`,
    );
  }
  return url;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request that refuses blocked addresses: the check runs on the very address the socket
 * connects to, so a host that resolved to a public address when the webhook was saved and to a private one now
 * (DNS rebinding) is refused.
 */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as dns.LookupAddress[];
    const blocked = list.find((a) => isBlockedAddress(a.address));
    if (blocked || list.length === 0) {
      const refusal: NodeJS.ErrnoException = new UnsafeUrlError(
        `Refused: ${hostname} resolves to ${blocked?.address ?? 'no address'}, a private, loopback or link-local address.`,
      );
      refusal.code = 'ERR_WEBHOOK_ADDRESS_REFUSED';
      return callback(refusal, []);
    }
    if (options.all) return callback(null, list);
    const first = list[0]!;
    callback(null, first.address, first.family);
  });
}
