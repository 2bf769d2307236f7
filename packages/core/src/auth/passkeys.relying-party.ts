/** Who the passkeys belong to, as the browser checks it: the RP ID (a host name) and the page's origin. */
export interface RelyingParty {
  name: string;
  id: string;
  origin: string;
}

const isLoopback = (hostname: string) => hostname === 'localhost' || hostname.endsWith('.localhost');

/**
 * The relying party for a request. Normally RABITA_PUBLIC_URL decides both: its host name is the RP ID and its
 * origin the only origin accepted, whatever the request's headers say, so a proxy or a forged Host header cannot
 * move passkeys to another name. Only when the public address is a loopback name (the default
 * `http://localhost:<port>`, a developer's machine) does the request's `Origin` decide, and only when it is a
 * loopback name too: the web app's dev server runs on another port than the API.
 */
export function relyingParty(publicUrl: string, requestOrigin: string | undefined): RelyingParty {
  const configured = new URL(publicUrl);
  if (isLoopback(configured.hostname) && requestOrigin) {
    try {
      const origin = new URL(requestOrigin);
      if (isLoopback(origin.hostname) && (origin.protocol === 'http:' || origin.protocol === 'https:')) {
        return { name: 'Rabita', id: origin.hostname, origin: origin.origin };
      }
    } catch {
      // Not a URL: the configured address decides.
    }
  }
  return { name: 'Rabita', id: configured.hostname, origin: configured.origin };
}
