// Remote images in a stored message's HTML: which they are, and the HTML with them shown. Pure functions over
// sanitiseEmailHtml's output, shared by the thread view (their count), the message's frame and the image proxy.

// The stored HTML is sanitiseEmailHtml's output, which makes a plain tokenizer exact: text carries no `<` (escaped,
// or dropped with the tags of a too-deep message), attribute values carry no `<`, `>` or `"` (escaped), every value
// is double-quoted, and attribute names come from its allow-list. So `<img` always opens a real tag, the tag ends
// at the first `>`, and `data-remote-src="…"` is read from the attribute list itself, never from inside a value.
const IMG_TAG = /<img\b((?:\s+[^\s"'=<>/]+(?:="[^"]*")?)*)\s*\/?>/gi;
const ATTRIBUTE = /\s+([^\s"'=<>/]+)(?:="([^"]*)")?/g;

const unescapeAttribute = (value: string) =>
  value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** The remote image URLs of stored (sanitised) HTML, in document order: image `n` of a message is the n-th. */
export function remoteImageUrls(html: string): string[] {
  const urls: string[] = [];
  for (const tag of html.matchAll(IMG_TAG)) {
    for (const attribute of (tag[1] ?? '').matchAll(ATTRIBUTE)) {
      if (attribute[1]?.toLowerCase() !== 'data-remote-src' || attribute[2] === undefined) continue;
      urls.push(unescapeAttribute(attribute[2]));
      break;
    }
  }
  return urls;
}

/** Stored (sanitised) HTML with each remote image's `data-remote-src` turned into a `src` that `srcOf(n)` names. */
export function showRemoteImages(html: string, srcOf: (n: number) => string): string {
  let n = 0;
  return html.replace(IMG_TAG, (whole, attributes: string) => {
    let found = false;
    const rewritten = attributes.replace(ATTRIBUTE, (attribute, name: string, value?: string) => {
      if (found || name.toLowerCase() !== 'data-remote-src' || value === undefined) return attribute;
      found = true;
      return ` src="${srcOf(n++).replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`;
    });
    return found ? `${whole.slice(0, 4)}${rewritten}${whole.slice(4 + attributes.length)}` : whole;
  });
}

/**
 * The frame's Content-Security-Policy when the reader allowed its images: like EMAIL_HTML_CSP, but images come
 * only from `data:` and the message's own image proxy path (`proxyPath`, an absolute URL ending in `/`), never
 * from anywhere else.
 */
export function emailHtmlCspWithImages(proxyPath: string): string {
  return `default-src 'none'; img-src data: ${proxyPath}; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`;
}
