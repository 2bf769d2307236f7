import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import ipaddr from 'ipaddr.js';

// A webhook may reach only globally routable unicast addresses that are not this machine's own, unless the
// instance allows private targets. ipaddr.js names the IANA special-purpose ranges (IPv4 and IPv6 registries:
// private, loopback, link-local, carrier-grade NAT, documentation, benchmarking, AS112, AMT, 6to4 relays, NAT64,
// Teredo, ORCHID, discard, IPv4-mapped and -translated, …); any address in one of them is refused. IPv6 beyond
// those is allowed only inside 2000::/3, the global unicast space, which also refuses the deprecated
// IPv4-compatible ::/96 (`[::127.0.0.1]`) and anything IANA has not allocated.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/** Every address this machine's interfaces hold, normalised (read each time: interfaces come and go). */
export function ownAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .flatMap((a) => (a ? [normalised(a.address)] : []))
    .filter((a): a is string => a !== undefined);
}

function normalised(address: string): string | undefined {
  const bare = address.split('%')[0]!;
  return net.isIP(bare) ? ipaddr.parse(bare).toNormalizedString() : undefined;
}

/**
 * True when the IP address is one a webhook may not call by default: in an IANA special-purpose range, outside
 * IPv6 global unicast, or one of this machine's own addresses (a public address of the host is routed over
 * loopback and reaches every service bound to 0.0.0.0). Anything that is not an IP address is refused too.
 */
export function isBlockedAddress(
  address: string,
  options: { ownAddresses?: readonly string[] } = {},
): boolean {
  const key = normalised(address);
  if (key === undefined) return true;
  const parsed = ipaddr.parse(address.split('%')[0]!);
  if (parsed.range() !== 'unicast') return true;
  if (parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_V6)) return true;
  const own = options.ownAddresses?.map(normalised) ?? ownAddresses();
  return own.includes(key);
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
 * Resolves the URL's host and refuses it when any address it resolves to is blocked (`isBlockedAddress`, unless
 * `allowPrivate`). Used when a subscription is saved; delivery checks again on connect.
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
  const blocked = addresses.find((a) => isBlockedAddress(a));
  if (blocked !== undefined || addresses.length === 0) {
    throw new UnsafeUrlError(
      `The host "${host}" resolves to ${blocked ?? 'no address'}, an address webhooks may not call (private, loopback, link-local, special-purpose or this server's own); webhooks call only public addresses.`,
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
        `Refused: ${hostname} resolves to ${blocked?.address ?? 'no address'}, an address webhooks may not call.`,
      );
      refusal.code = 'ERR_WEBHOOK_ADDRESS_REFUSED';
      return callback(refusal, []);
    }
    if (options.all) return callback(null, list);
    const first = list[0]!;
    callback(null, first.address, first.family);
  });
}
