import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type * as HtmlToText from 'html-to-text';
import type * as MailParserModule from 'mailparser';
import type {
  AddressObject,
  Attachment,
  EmailAddress,
  HeaderLines,
  ParsedMail,
  SimpleParserOptions,
} from 'mailparser';
import type SanitizeHtml from 'sanitize-html';
import { lazyPackage } from '../lazy-package.ts';

const htmlToText = lazyPackage<typeof HtmlToText>('html-to-text');
const mailparser = lazyPackage<typeof MailParserModule>('mailparser');
const sanitizeHtml = lazyPackage<typeof SanitizeHtml>('sanitize-html');

// The email module's pure part: raw RFC 5322 bytes in, a message the store can keep out. No database, no network.
// Every string that leaves this file has passed `cleanText`, because PostgreSQL refuses NUL in text and a lone
// surrogate cannot be encoded as UTF-8; and nothing here throws on what a mail server hands us.

/** A Message-ID longer than RFC 5322's line limit is not an identifier anyone generated on purpose. */
const MAX_MESSAGE_ID_LENGTH = 998;
/** References kept per message: enough for any real thread, small enough to index. */
const MAX_REFERENCES = 100;
const SNIPPET_LENGTH = 200;
/** How much of the text goes into a synthesised Message-ID. */
const SYNTHESIS_TEXT_BYTES = 4096;
/** The header block read when a message is too large or cannot be parsed: far beyond any real header block. */
const MAX_HEADER_BLOCK_BYTES = 512 * 1024;
/** RFC 5321's limit on a whole address. */
const MAX_ADDRESS_LENGTH = 254;
/** Deeper than any real message's markup: deeper elements are dropped (their text kept) for display and conversion. */
const MAX_HTML_DEPTH = 256;
/** Markup nesting deeper than this is not parsed at all (see nestsDeeperThan); its text is kept. */
const MAX_PARSE_DEPTH = 2000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0 controls, DEL and C1 controls: never meaningful inside a one-line value (a subject, a name, a file name).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
// Direction marks, isolates, overrides and zero-width characters mail clients add around prefixes (an Arabic
// Outlook writes RLM before "رد:"). The zero-width non-joiner stays: Persian spelling needs it.
const INVISIBLE_MARKS = /[\u200b\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** A mailbox from an address header, the address normalised (lower case, punycode domain). */
export interface ParsedAddress {
  address: string;
  name: string;
}

/** An attachment's metadata and, within the size limit, its bytes (`content` is empty above it). */
export interface ParsedAttachment {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  contentId?: string;
  inline: boolean;
  content: Buffer;
}

/** What a delivery status notification says about the message it returns. */
export interface ParsedBounce {
  /** The RFC 3463 status code, `5.1.1`. */
  status: string;
  recipient: string | undefined;
  /** A 5.x.x status: the address will not work; 4.x.x is transient. */
  hard: boolean;
  originalMessageId: string | undefined;
}

/** A message as the email module stores it. */
export interface ParsedMessage {
  /** Normalised; synthesised from the content when the message has none. */
  messageId: string;
  messageIdSynthesised: boolean;
  inReplyTo: string | undefined;
  /** The References ids, oldest first, with In-Reply-To added last when it is missing. */
  references: string[];
  subject: string;
  from: ParsedAddress | undefined;
  replyTo: ParsedAddress[];
  to: ParsedAddress[];
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  date: Date | undefined;
  text: string;
  /** Sanitised HTML; `cid:` images are left for the reader to map to attachment URLs (`sanitiseEmailHtml`). */
  html: string | undefined;
  /** The first ~200 characters of the text, whitespace collapsed. */
  snippet: string;
  attachments: ParsedAttachment[];
  autoReply: boolean;
  bounce: ParsedBounce | undefined;
  /** The source was over `maxBytes`: only its headers were read (text empty, no attachments). */
  tooLarge: boolean;
  size: number;
}

/** Removes NUL and replaces lone surrogates with U+FFFD: PostgreSQL refuses the first, UTF-8 cannot hold the second. */
function cleanText(value: string): string {
  return value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\ufffd');
}

/** `cleanText` for a one-line value: control characters become spaces, whitespace collapses. */
function cleanLine(value: string): string {
  return cleanText(value).replace(LINE_CONTROLS, ' ').replace(/\s+/g, ' ').trim();
}

/** Drops RFC 5322 comments, nested ones included (`(a (b) c)`), which carry nothing an identifier needs. */
function stripComments(value: string): string {
  let result = value;
  for (let round = 0; round < 32 && result.includes('('); round++) {
    const next = result.replace(/\([^()]*\)/g, ' ');
    if (next === result) break;
    result = next;
  }
  return result;
}

/**
 * A Message-ID as one canonical string, so that References and In-Reply-To from any client find it: angle brackets,
 * whitespace (folding) and comments go, the domain part is lower-cased (the local part is case-sensitive by RFC 5322
 * and stays). Undefined for an empty or unusable value, or one longer than 998 characters.
 */
export function normaliseMessageId(raw: string | undefined | null): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const value = stripComments(cleanText(raw).replace(LINE_CONTROLS, ' '));
  const bracketed = /<([^<>]*)>/.exec(value);
  let id: string;
  if (bracketed) {
    // Inside brackets, whitespace is folding of a long id, not a separator.
    id = (bracketed[1] ?? '').replace(/\s+/g, '');
  } else {
    // Without brackets, one token or nothing: "see my last message" is not an id.
    id = value.trim();
    if (/\s/.test(id)) return undefined;
  }
  id = id.replace(/[<>]/g, '');
  if (id.length === 0 || id.length > MAX_MESSAGE_ID_LENGTH || !/[\p{L}\p{N}]/u.test(id)) return undefined;
  const at = id.lastIndexOf('@');
  return at < 0 ? id : id.slice(0, at + 1) + id.slice(at + 1).toLowerCase();
}

/** Keeps the first id (the thread's root) and the last 99 (the nearest ancestors), as RFC 5322 §3.6.4 suggests. */
function capReferences(ids: string[]): string[] {
  if (ids.length <= MAX_REFERENCES) return ids;
  return [ids[0] as string, ...ids.slice(ids.length - (MAX_REFERENCES - 1))];
}

/**
 * Every `<id>` of a References or In-Reply-To value, normalised, deduplicated, in order, at most 100. A value
 * without angle brackets (some old clients) is read as whitespace-separated ids that contain an `@`.
 */
export function parseReferences(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.filter((v) => typeof v === 'string').join(' ') : value;
  if (typeof joined !== 'string') return [];
  const text = stripComments(cleanText(joined));
  const bracketed = [...text.matchAll(/<([^<>]*)>/g)].map((match) => match[1] ?? '');
  const tokens =
    bracketed.length > 0 ? bracketed : text.split(/[\s,]+/).filter((token) => token.includes('@'));
  const seen = new Set<string>();
  const ids: string[] = [];
  for (const token of tokens) {
    const id = normaliseMessageId(`<${token}>`);
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
  }
  return capReferences(ids);
}

const DOT_ATOM_LOCAL = /^[^\s@<>()[\]\\,;:"]+$/u;
const QUOTED_LOCAL = /^"(?:[^"\\\r\n]|\\.)*"$/u;
const ASCII_DOMAIN = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
const DOMAIN_LITERAL = /^\[[a-z0-9:.]+\]$/;

/**
 * An address as one comparable string: trimmed, lower case, an internationalised domain in punycode
 * (`مثال.إختبار` → `xn--mgbh0fb.xn--kgbechtv`), so that every spelling of one mailbox matches one person.
 * Undefined when the value is not an address.
 */
export function normaliseAddress(address: string): string | undefined {
  if (typeof address !== 'string') return undefined;
  let value = cleanText(address).trim().normalize('NFC');
  if (value.startsWith('<') && value.endsWith('>')) value = value.slice(1, -1).trim();
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return undefined;
  const local = value.slice(0, at).toLowerCase();
  if (!DOT_ATOM_LOCAL.test(local) && !QUOTED_LOCAL.test(local)) return undefined;
  const rawDomain = value.slice(at + 1).replace(/\.$/, '');
  const domain = rawDomain.startsWith('[') ? rawDomain.toLowerCase() : domainToASCII(rawDomain);
  if (!ASCII_DOMAIN.test(domain) && !DOMAIN_LITERAL.test(domain)) return undefined;
  const result = `${local}@${domain}`;
  return result.length <= MAX_ADDRESS_LENGTH ? result : undefined;
}

// Reply and forward prefixes in the languages Rabita's users write: English, German (AW, WG), Scandinavian (Sv),
// Dutch (Antw), Arabic (رد, ج) and Persian (پاسخ, ت), with an optional counter (RE[2], Re(3)).
const PREFIX_WORDS = ['re', 'fwd', 'fw', 'aw', 'wg', 'sv', 'antw', 'رد', 'پاسخ', 'ج', 'ت'];
// What may stand for the colon after NFKC (which already folds the full-width and small colons into ":"): the
// Arabic semicolon and two look-alikes NFKC leaves alone, the ratio sign and the modifier-letter colon.
const COLON_LIKE = '[:\u061b\u2236\ua789]';
const LEADING_PREFIX = new RegExp(
  `^(?:(?:${PREFIX_WORDS.join('|')})\\s*(?:\\[\\d{1,4}\\]|\\(\\d{1,4}\\))?\\s*${COLON_LIKE}|\\[[^\\[\\]]{1,64}\\])\\s*`,
  'u',
);

/**
 * The subject as a last-resort threading key: NFKC, invisible direction marks dropped, whitespace collapsed, lower
 * case, and the leading run of reply/forward prefixes ("Re: Fwd: RE[2]:", "رد:", "پاسخ:") and bracketed list tags
 * removed. Tags go only from that leading run, wherever they sit in it ("[sales] Re: x" and "Re: [sales] x"), so
 * a list's original and its replies share a key; a bracket later in the subject is kept.
 */
export function threadSubjectKey(subject: string | undefined): string {
  if (typeof subject !== 'string') return '';
  let key = cleanLine(subject.normalize('NFKC').replace(INVISIBLE_MARKS, '')).toLowerCase();
  for (let round = 0; round < 64; round++) {
    const next = key.replace(LEADING_PREFIX, '');
    if (next === key) break;
    key = next;
  }
  return key.trim();
}

/** The string values of a header, whatever shape the caller's header object holds them in. */
function headerValues(headers: Map<string, unknown> | Record<string, unknown>, name: string): string[] {
  if (headers === null || typeof headers !== 'object') return [];
  const entries: Iterable<[string, unknown]> =
    headers instanceof Map ? headers.entries() : Object.entries(headers);
  const values: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) for (const item of value) collect(item);
    else if (
      value !== null &&
      typeof value === 'object' &&
      'value' in value &&
      typeof value.value === 'string'
    )
      values.push(value.value);
  };
  for (const [key, value] of entries) if (key.toLowerCase() === name) collect(value);
  return values;
}

/** The first token of a header value, lower case (`auto-replied; owner-email=x` → `auto-replied`). */
function headerToken(value: string): string {
  return (value.trim().split(/[;(\s]/)[0] ?? '').toLowerCase();
}

const AUTO_REPLY_SUBJECTS = ['automatic reply', 'auto:', 'out of office', 'رد تلقائي', 'پاسخ خودکار'];

/**
 * Whether a message was sent by a machine on someone's behalf (an out-of-office, a vacation responder), so it
 * neither counts as the person replying nor triggers a reply of ours: RFC 3834's Auto-Submitted, the common
 * X-Autoreply / X-Autorespond, Exchange's X-Auto-Response-Suppress with OOF or All, Precedence: auto_reply, and
 * the subjects Outlook and Gmail write in English, Arabic and Persian.
 */
export function isAutoReply(
  headers: Map<string, unknown> | Record<string, unknown>,
  subject?: string,
): boolean {
  const values = (name: string) => headerValues(headers, name);
  if (values('auto-submitted').some((v) => !['', 'no'].includes(headerToken(v)))) return true;
  for (const name of ['x-autoreply', 'x-autorespond'])
    if (values(name).some((v) => !['no', 'false', '0'].includes(headerToken(v)))) return true;
  const suppress = values('x-auto-response-suppress').flatMap((v) => v.toLowerCase().split(/[\s,;]+/));
  if (suppress.includes('oof') || suppress.includes('all')) return true;
  if (values('precedence').some((v) => headerToken(v) === 'auto_reply')) return true;
  if (typeof subject !== 'string') return false;
  const start = cleanLine(subject.normalize('NFKC').replace(INVISIBLE_MARKS, '')).toLowerCase();
  return AUTO_REPLY_SUBJECTS.some((prefix) => start.startsWith(prefix));
}

// Inline style properties a message may set: layout, text and colour. Left out: anything that can load a URL
// (background, background-image, list-style, border-image, content, cursor) and positioning (position, z-index),
// which could lay a message's content over the reader's own.
const SAFE_STYLE_PROPERTIES = [
  'color',
  'background-color',
  'font',
  'font-family',
  'font-size',
  'font-style',
  'font-variant',
  'font-weight',
  'text-align',
  'text-decoration',
  'text-indent',
  'text-transform',
  'line-height',
  'letter-spacing',
  'word-spacing',
  'white-space',
  'word-break',
  'word-wrap',
  'overflow-wrap',
  'vertical-align',
  'direction',
  'unicode-bidi',
  'margin',
  'margin-top',
  'margin-right',
  'margin-bottom',
  'margin-left',
  'padding',
  'padding-top',
  'padding-right',
  'padding-bottom',
  'padding-left',
  'border',
  'border-top',
  'border-right',
  'border-bottom',
  'border-left',
  'border-color',
  'border-style',
  'border-width',
  'border-radius',
  'border-collapse',
  'border-spacing',
  'width',
  'height',
  'min-width',
  'max-width',
  'min-height',
  'max-height',
  'display',
  'float',
  'clear',
  'table-layout',
  'list-style-type',
  'text-shadow',
  'box-sizing',
];
// A value made of words, numbers, colours and simple functions (rgb(), calc()); never a function that fetches or
// evaluates (url(), image-set(), expression()) and never a backslash, so CSS escapes cannot spell one.
const SAFE_STYLE_VALUE =
  /^(?![\s\S]*(?:url|image|image-set|cross-fade|element|paint|expression|var|env|attr)\s*\()[-\p{L}\p{N}_\s#%.,'"!/()+*]*$/iu;

// Tags for message content as mail clients write it: text, lists, tables (most email layouts are tables), legacy
// presentational tags (font, center). Scripts, styles, frames, objects, forms, inputs, media, SVG, base and meta
// are absent: each can run code, load something, submit something or change how the page resolves URLs.
const EMAIL_TAGS = [
  'a',
  'abbr',
  'address',
  'article',
  'b',
  'bdi',
  'bdo',
  'big',
  'blockquote',
  'br',
  'caption',
  'center',
  'cite',
  'code',
  'col',
  'colgroup',
  'dd',
  'del',
  'dfn',
  'div',
  'dl',
  'dt',
  'em',
  'figcaption',
  'figure',
  'font',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'i',
  'img',
  'ins',
  'kbd',
  'li',
  'main',
  'mark',
  'ol',
  'p',
  'pre',
  'q',
  's',
  'samp',
  'section',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'time',
  'tr',
  'tt',
  'u',
  'ul',
  'wbr',
];

const LINK_REL = 'noopener noreferrer nofollow';

// Elements the HTML parser never keeps open, so they add no depth.
const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'basefont',
  'br',
  'col',
  'command',
  'embed',
  'frame',
  'hr',
  'img',
  'input',
  'isindex',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
// The HTML parser's implied closes: opening the key closes an open element of these names on top (a new <p> closes
// the last <p>, <tr> closes <td>), which is how unclosed <p>, <li> and table cells stay shallow.
const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
const BLOCKS_CLOSING_P = [
  ...'p address article aside blockquote details div dl fieldset figcaption figure'.split(' '),
  ...'footer form header main nav ol pre section table ul'.split(' '),
];
const IMPLIED_CLOSES = new Map<string, string[]>([
  ['tr', ['tr', 'th', 'td']],
  ['th', ['th']],
  ['td', ['thead', 'th', 'td']],
  ['a', ['a']],
  ['li', ['li']],
  ['option', ['option']],
  ['optgroup', ['optgroup', 'option']],
  ['dd', ['dd', 'dt']],
  ['dt', ['dd', 'dt']],
  ['rt', ['rt', 'rp']],
  ['rp', ['rt', 'rp']],
  ['tbody', ['thead', 'tbody']],
  ['tfoot', ['thead', 'tbody']],
  ...HEADINGS.map((tag): [string, string[]] => [tag, [...HEADINGS, 'p']]),
  ...BLOCKS_CLOSING_P.map((tag): [string, string[]] => [tag, ['p']]),
]);

/**
 * Whether markup may nest deeper than `limit` elements. The HTML parser's cost grows with the square of the depth
 * (a megabyte of nested <div>s takes seconds, a message's worth takes hours), so markup that deep is never handed to
 * it. One linear pass with the parser's own rules: a close tag pops to its open element and is ignored when none is
 * open, void elements never open, and the common implied closes apply.
 */
function nestsDeeperThan(html: string, limit: number): boolean {
  const stack: string[] = [];
  const open = new Map<string, number>();
  const pop = (): string | undefined => {
    const top = stack.pop();
    if (top !== undefined) open.set(top, (open.get(top) ?? 1) - 1);
    return top;
  };
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][^\s/>]*)/g)) {
    const name = (match[2] ?? '').toLowerCase();
    if (match[1]) {
      if (!open.get(name)) continue;
      while (pop() !== name);
    } else if (!VOID_ELEMENTS.has(name)) {
      const closes = IMPLIED_CLOSES.get(name);
      while (closes && stack.length > 0 && closes.includes(stack[stack.length - 1] as string)) pop();
      stack.push(name);
      open.set(name, (open.get(name) ?? 0) + 1);
      if (stack.length > limit) return true;
    }
  }
  return false;
}

/** The text of markup without parsing it, no `<` or `>` left: tags become spaces (see nestsDeeperThan). */
function textWithoutTags(html: string): string {
  return html
    .replace(/<[^<>]*>/g, ' ')
    .replace(/[<>]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

/** Decodes numeric and the common named character references (for text read without a parser). */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, name: string) => {
    if (!name.startsWith('#')) return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
    const code = /^#x/i.test(name) ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    return valid ? String.fromCodePoint(code) : '\ufffd';
  });
}

/** A URL as a browser reads it: tabs and line breaks inside removed, leading and trailing controls and spaces trimmed. */
function browserUrl(value: string): string {
  const url = value.replace(/[\t\n\r]/g, '');
  let start = 0;
  let end = url.length;
  while (start < end && url.charCodeAt(start) <= 0x20) start++;
  while (end > start && url.charCodeAt(end - 1) <= 0x20) end--;
  return url.slice(start, end);
}

/** The remote URL an image would load (http, https or protocol-relative), or undefined. */
function remoteImageUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const url = browserUrl(value);
  if (/^https?:\/\//i.test(url)) return url;
  if (url.startsWith('//')) return `https:${url}`;
  return undefined;
}

/** The Content-ID a `cid:` URL names (RFC 2392 allows it %-encoded). */
function cidOf(url: string): string {
  const raw = url.slice('cid:'.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Sanitises a message's HTML for display in a sandboxed iframe (see EMAIL_HTML_CSP). An allowlist, not a blocklist:
 * content tags only, attributes for layout and direction (`dir` is kept: right-to-left mail must stay
 * right-to-left), inline styles limited to properties that cannot load anything; links only to http(s), mailto and
 * tel, opening outside with `rel="noopener noreferrer nofollow"` so the message gets neither the reader's window nor
 * a referrer. Remote images are tracking beacons as often as pictures: their URL moves to `data-remote-src`, `src`
 * goes, and they are counted, until the reader allows them. `cid:` images are mapped with `cidUrl` (left as `cid:`
 * without a mapping); `data:image` stays; any other image source is dropped. Running it again on its own output
 * gives the same HTML, so a stored message can be sanitised once more with a `cidUrl`.
 */
export function sanitiseEmailHtml(
  html: string,
  options: { cidUrl?: (cid: string) => string | undefined },
): { html: string; remoteImages: number } {
  const input = cleanText(html);
  // Too deep to parse safely: the words survive, as text (entities stay entities), the markup does not.
  if (nestsDeeperThan(input, MAX_PARSE_DEPTH))
    return {
      html: `<p>${textWithoutTags(input)}</p>`,
      remoteImages: 0,
    };
  let remoteImages = 0;
  const transformImage = (tagName: string, attribs: SanitizeHtml.Attributes): SanitizeHtml.Tag => {
    const { src, srcset: _srcset, 'data-remote-src': remoteSrc, ...rest } = attribs;
    const out: SanitizeHtml.Attributes = { ...rest };
    const remote = remoteImageUrl(remoteSrc) ?? remoteImageUrl(src);
    const local = src === undefined ? '' : browserUrl(src);
    if (remote !== undefined) {
      out['data-remote-src'] = remote;
      remoteImages++;
    } else if (/^cid:/i.test(local)) {
      out.src = options.cidUrl?.(cidOf(local)) ?? local;
    } else if (/^data:image\//i.test(local)) {
      out.src = local;
    }
    return { tagName, attribs: out };
  };
  const clean = sanitizeHtml()(input, {
    allowedTags: EMAIL_TAGS,
    // Unlisted tags go but their content stays (a <form>'s text is still the message); these also lose their text.
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'xml'],
    allowedAttributes: {
      '*': ['dir', 'lang', 'title', 'align', 'valign', 'style', 'width', 'height', 'bgcolor'],
      a: ['href', 'name', 'target', 'rel'],
      img: ['src', 'alt', 'border', 'hspace', 'vspace', 'data-remote-src'],
      table: ['border', 'cellpadding', 'cellspacing', 'summary', 'frame', 'rules'],
      td: ['colspan', 'rowspan', 'nowrap', 'scope', 'abbr'],
      th: ['colspan', 'rowspan', 'nowrap', 'scope', 'abbr'],
      col: ['span'],
      colgroup: ['span'],
      font: ['color', 'face', 'size'],
      ol: ['start', 'type', 'reversed'],
      ul: ['type'],
      li: ['value', 'type'],
      hr: ['size', 'noshade', 'color'],
      blockquote: ['cite'],
      q: ['cite'],
      del: ['cite', 'datetime'],
      ins: ['cite', 'datetime'],
      time: ['datetime'],
    },
    allowedStyles: {
      '*': Object.fromEntries(SAFE_STYLE_PROPERTIES.map((name) => [name, [SAFE_STYLE_VALUE]])),
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    // Images: the transform below has already decided; http(s) here is only what cidUrl returned.
    allowedSchemesByTag: { img: ['http', 'https', 'data', 'cid'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    // `//host/x` inside the iframe would resolve against Rabita's own scheme; no message needs it.
    allowProtocolRelative: false,
    // Text after </html> is common in forwarded mail and is still the message.
    enforceHtmlBoundary: false,
    // Tags nested deeper are dropped (their text stays): a 100,000-deep tree would hang the reader's browser.
    nestingLimit: MAX_HTML_DEPTH,
    transformTags: {
      // <html dir="rtl"> and <body dir="rtl"> carry a message's direction: keep them as a <div>.
      html: 'div',
      body: 'div',
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: LINK_REL } }),
      img: transformImage,
    },
  });
  return { html: cleanText(clean), remoteImages };
}

let plainTextConverter: ((html: string) => string) | undefined;
/** html-to-text's converter with Rabita's options, compiled on first use. */
const toPlainText = (html: string) => {
  plainTextConverter ??= htmlToText().compile(PLAIN_TEXT_OPTIONS);
  return plainTextConverter(html);
};

const PLAIN_TEXT_OPTIONS: HtmlToText.HtmlToTextOptions = {
  // A line per paragraph, never a wrapped line: the reader's screen wraps, and wrapping right-to-left text at a
  // column count breaks it mid-phrase.
  wordwrap: false,
  limits: { maxDepth: MAX_HTML_DEPTH },
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { linkBrackets: ['(', ')'], hideLinkHrefIfSameAsText: true } },
    // Upper-casing headings means nothing in Arabic or Persian and mangles other scripts.
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
    // Email tables are layout: cells become blocks in source order. Laying them out as a grid would pad and
    // reorder right-to-left cells.
    { selector: 'table', format: 'block' },
    { selector: 'tr', format: 'block' },
    { selector: 'th', format: 'block' },
    { selector: 'td', format: 'block' },
  ],
};

/**
 * A message's HTML as plain text for search, snippets and the text part of a reply: links as "text (url)", images
 * dropped, no line wrapping, text in source order (nothing reordered, so right-to-left text reads as written).
 */
export function htmlToPlainText(html: string): string {
  const input = cleanText(html);
  if (nestsDeeperThan(input, MAX_PARSE_DEPTH)) return decodeEntities(textWithoutTags(input));
  return cleanText(toPlainText(input)).trim();
}

/**
 * The Content-Security-Policy of the sandboxed iframe that shows a message's sanitised HTML. Nothing loads by
 * default: no script, frame, form target, font or connection. Images come from `data:` (inlined in the message),
 * `blob:` (handed in by Rabita's page) and Rabita itself ('self'): `cid:` attachments served by Rabita. Remote
 * images load only in the view where the reader showed them, under `emailHtmlCspWithImages` (`remote-images.ts`),
 * from Rabita's own image proxy path, so the sender never sees the reader's address or cookies. Inline styles are
 * allowed because the sanitiser keeps only safe properties; fonts only from `data:`. `base-uri` and `form-action` are not covered by `default-src`, so they are closed too;
 * only Rabita's own pages may frame it.
 */
export const EMAIL_HTML_CSP =
  "default-src 'none'; img-src data: blob: 'self'; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

// Parser options: keepCidLinks leaves `cid:` images as references (instead of megabytes of data: URLs in stored
// HTML); keepDeliveryStatus hands a DSN's status part over as a part we read instead of text mixed into the body;
// attachments are hashed with SHA-256 for deduplication; HTML is converted to text here, with links kept. The
// parser's HTML made from a plain-text body (`textAsHtml`) is never read, and building it (escaping every character
// outside ASCII, so all of an Arabic or Persian text) was a fifth of the parser's time in a sync: skipped.
const PARSER_OPTIONS: SimpleParserOptions = {
  keepCidLinks: true,
  keepDeliveryStatus: true,
  checksumAlgo: 'sha256',
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
};

const DELIVERY_STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const RETURNED_MESSAGE_TYPES = new Set([
  'message/rfc822',
  'text/rfc822-headers',
  'message/global',
  'message/global-headers',
]);

/** Header lines are kept as the bytes that came (one char per byte); mail headers are UTF-8 when not ASCII. */
function headerLineText(line: string): string {
  return Buffer.from(line, 'latin1').toString('utf8');
}

/** The raw values of one header (unfolded, after the colon), in the order they appear. */
function rawHeaders(lines: HeaderLines | undefined, key: string): string[] {
  if (!Array.isArray(lines)) return [];
  return lines
    .filter((line) => line.key === key && typeof line.line === 'string')
    .map((line) => {
      const value = line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n(?=[ \t])/g, '');
      return cleanText(headerLineText(value)).trim();
    });
}

/**
 * The Date header as a date, or undefined when it cannot be read. (The parser's own date is "now" for a bad
 * header, which would make a synthesised Message-ID change on every read.)
 */
function parseDate(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const text = stripComments(raw).replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  let date = new Date(text);
  // "Thu 1 Feb 2024" and other day-name variants JavaScript does not read: the day name adds nothing.
  if (Number.isNaN(date.getTime())) date = new Date(text.replace(/^[a-z]+,?\s*/i, ''));
  if (Number.isNaN(date.getTime())) return undefined;
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999 ? date : undefined;
}

/** The mailboxes of address headers, groups flattened, normalised, deduplicated; unreadable entries dropped. */
function addressList(value: AddressObject | AddressObject[] | undefined): ParsedAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const seen = new Set<string>();
  const result: ParsedAddress[] = [];
  const visit = (entries: EmailAddress[] | undefined): void => {
    if (!Array.isArray(entries)) return;
    for (const entry of entries) {
      if (Array.isArray(entry.group)) visit(entry.group);
      const address = typeof entry.address === 'string' ? normaliseAddress(entry.address) : undefined;
      if (address === undefined || seen.has(address)) continue;
      seen.add(address);
      result.push({ address, name: cleanLine(typeof entry.name === 'string' ? entry.name : '') });
    }
  };
  for (const object of objects) visit(object?.value);
  return result;
}

/** The header fields of a DSN block, keys lower case, continuation lines joined, first occurrence kept. */
function statusFields(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of block.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(key)) fields.set(key, line.slice(colon + 1).trim());
  }
  return fields;
}

/** The Message-ID in the header block of a returned message (or of its headers alone). */
function returnedMessageId(content: Buffer): string | undefined {
  const text = content.subarray(0, MAX_HEADER_BLOCK_BYTES).toString('utf8').replace(/\r\n?/g, '\n');
  const head = text.split(/\n\n/, 1)[0] ?? '';
  return normaliseMessageId(statusFields(head).get('message-id'));
}

/**
 * What a delivery status notification (RFC 3464, a multipart/report with a message/delivery-status part) says:
 * the first failed recipient's status (a 5.x.x before a 4.x.x), that recipient, and the returned message's id.
 * Undefined when the message is no DSN or reports only successes (2.x.x).
 */
function readBounce(attachments: Attachment[]): ParsedBounce | undefined {
  const report = attachments.find((a) => DELIVERY_STATUS_TYPES.has(a.contentType.toLowerCase()));
  if (!report || !Buffer.isBuffer(report.content)) return undefined;
  const blocks = cleanText(report.content.toString('utf8'))
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map(statusFields);
  const failures = blocks.flatMap((fields) => {
    const status = /\b([45])\.(\d{1,3})\.(\d{1,3})\b/.exec(fields.get('status') ?? '');
    return status ? [{ fields, status: `${status[1]}.${status[2]}.${status[3]}` }] : [];
  });
  const failure = failures.find((f) => f.status.startsWith('5')) ?? failures[0];
  if (!failure) return undefined;
  const recipientField =
    failure.fields.get('final-recipient') ?? failure.fields.get('original-recipient') ?? '';
  const recipient = normaliseAddress(recipientField.slice(recipientField.indexOf(';') + 1));
  const returned = attachments.find(
    (a) => RETURNED_MESSAGE_TYPES.has(a.contentType.toLowerCase()) && Buffer.isBuffer(a.content),
  );
  return {
    status: failure.status,
    recipient,
    hard: failure.status.startsWith('5'),
    originalMessageId: returned ? returnedMessageId(returned.content) : undefined,
  };
}

/** A safe display name for an attachment: one line, no path, at most 255 characters. */
function attachmentName(attachment: Attachment): string {
  const given = cleanLine(typeof attachment.filename === 'string' ? attachment.filename : '');
  const base = given.split(/[/\\]/).pop()?.trim() ?? '';
  if (base) return Array.from(base).slice(0, 255).join('');
  return attachment.contentType?.toLowerCase() === 'message/rfc822' ? 'message.eml' : 'attachment';
}

/** The message's attachments; the DSN status part is left out (it is read into `bounce`). */
function attachmentList(attachments: Attachment[], maxAttachmentBytes: number): ParsedAttachment[] {
  return attachments
    .filter((a) => !DELIVERY_STATUS_TYPES.has(String(a.contentType).toLowerCase()))
    .map((a) => {
      const content = Buffer.isBuffer(a.content) ? a.content : Buffer.alloc(0);
      const size = typeof a.size === 'number' ? a.size : content.length;
      const contentId = typeof a.cid === 'string' && a.cid ? cleanLine(a.cid) : undefined;
      const parsed: ParsedAttachment = {
        filename: attachmentName(a),
        contentType: cleanLine(String(a.contentType || 'application/octet-stream')).toLowerCase(),
        size,
        sha256: a.checksum || createHash('sha256').update(content).digest('hex'),
        // Inline means shown in the body through its cid; an inline part nothing can reference is an attachment.
        inline: contentId !== undefined && (a.related === true || a.contentDisposition === 'inline'),
        content: size > maxAttachmentBytes ? Buffer.alloc(0) : content,
      };
      if (contentId) parsed.contentId = contentId;
      return parsed;
    });
}

/**
 * The first ~200 characters of the text on one line, never cutting a character in half. Only the text's start is
 * read (a long body is not split into characters whole), unless white space fills that start.
 */
function snippetOf(text: string): string {
  let cut = Math.min(text.length, SNIPPET_LENGTH * 8);
  // Never end the start read on the first half of a surrogate pair.
  if (cut < text.length && /[\uD800-\uDBFF]/.test(text.charAt(cut - 1))) cut -= 1;
  const head = text.slice(0, cut);
  const line = Array.from(head.replace(/\s+/g, ' ').trim()).slice(0, SNIPPET_LENGTH);
  if (line.length < SNIPPET_LENGTH && head.length < text.length)
    return Array.from(text.replace(/\s+/g, ' ').trim()).slice(0, SNIPPET_LENGTH).join('');
  return line.join('');
}

/**
 * A Message-ID for a message without one, the same every time the same message is read (a second mailbox's copy
 * must match the first): `rabita-<sha256 of from|date|subject|first 4 KB of text>@synthesised.invalid`. When all
 * four are empty (an unreadable message) the source's first 4 KB stand in for the text, so two different
 * unreadable messages do not become one.
 */
function synthesiseMessageId(
  parts: { from: string; date: string; subject: string; text: string },
  source: Buffer,
): string {
  const hash = createHash('sha256').update(`${parts.from}|${parts.date}|${parts.subject}|`);
  const empty = !parts.from && !parts.date && !parts.subject && !parts.text;
  hash.update(
    empty
      ? source.subarray(0, SYNTHESIS_TEXT_BYTES)
      : Buffer.from(parts.text).subarray(0, SYNTHESIS_TEXT_BYTES),
  );
  return `rabita-${hash.digest('hex')}@synthesised.invalid`;
}

/** The header block of a source (up to its first blank line), closed with a blank line, for a headers-only parse. */
function headerBlock(source: Buffer): Buffer {
  const window = source.subarray(0, MAX_HEADER_BLOCK_BYTES);
  const ends = [window.indexOf('\r\n\r\n'), window.indexOf('\n\n')].filter((i) => i >= 0);
  let end = ends.length > 0 ? Math.min(...ends) : window.length;
  if (ends.length === 0 && window.length < source.length) end = window.lastIndexOf('\n') + 1;
  return Buffer.concat([window.subarray(0, end), Buffer.from('\r\n\r\n')]);
}

/** Runs the parser; undefined instead of an error, since a message that fails here is still read headers-only. */
async function tryParse(source: Buffer): Promise<ParsedMail | undefined> {
  try {
    return await mailparser().simpleParser(source, PARSER_OPTIONS);
  } catch {
    return undefined;
  }
}

/** The parsed message from the parser's result (or from nothing, when even the headers could not be read). */
function buildMessage(
  mail: ParsedMail | undefined,
  source: { start: Buffer; size: number },
  limits: { maxAttachmentBytes: number },
  how: { tooLarge: boolean; headersOnly: boolean },
): ParsedMessage {
  const lines = mail?.headerLines;
  const subject = cleanLine(typeof mail?.subject === 'string' ? mail.subject : '');
  const from = addressList(mail?.from)[0];
  const date = parseDate(rawHeaders(lines, 'date')[0]);
  const inReplyTo = parseReferences(rawHeaders(lines, 'in-reply-to')[0])[0];
  const headerMessageId = normaliseMessageId(rawHeaders(lines, 'message-id')[0]);

  let html: string | undefined;
  let text = '';
  let attachments: ParsedAttachment[] = [];
  let bounce: ParsedBounce | undefined;
  if (mail && !how.headersOnly) {
    const rawHtml = typeof mail.html === 'string' ? mail.html : '';
    if (rawHtml.trim()) {
      const sanitised = sanitiseEmailHtml(rawHtml, {}).html;
      html = sanitised.trim() ? sanitised : undefined;
    }
    text = cleanText(typeof mail.text === 'string' ? mail.text : '');
    if (!text.trim() && html !== undefined) {
      try {
        text = htmlToPlainText(html);
      } catch {
        text = '';
      }
    }
    const parts = Array.isArray(mail.attachments) ? mail.attachments : [];
    attachments = attachmentList(parts, limits.maxAttachmentBytes);
    bounce = readBounce(parts);
  }

  const messageId =
    headerMessageId ??
    synthesiseMessageId(
      { from: from?.address ?? '', date: date?.toISOString() ?? '', subject, text },
      source.start,
    );
  let references = parseReferences(rawHeaders(lines, 'references').join(' '));
  if (inReplyTo !== undefined && !references.includes(inReplyTo))
    references = capReferences([...references, inReplyTo]);
  // A message listing itself would thread onto itself.
  references = references.filter((id) => id !== messageId);

  return {
    messageId,
    messageIdSynthesised: headerMessageId === undefined,
    inReplyTo,
    references,
    subject,
    from,
    replyTo: addressList(mail?.replyTo),
    to: addressList(mail?.to),
    cc: addressList(mail?.cc),
    bcc: addressList(mail?.bcc),
    date,
    text,
    html,
    snippet: snippetOf(text),
    attachments,
    autoReply: mail?.headers instanceof Map ? isAutoReply(mail.headers, subject) : isAutoReply({}, subject),
    bounce,
    tooLarge: how.tooLarge,
    size: source.size,
  };
}

/**
 * Parses one raw message (RFC 5322 bytes, as IMAP gives them) into what the email module stores. A source over
 * `maxBytes` is read headers-only (`tooLarge`); an attachment over `maxAttachmentBytes` keeps its metadata and hash
 * with empty content. Never throws: a message that cannot be parsed yields whatever its headers give, and one with
 * no readable headers still gets a (synthesised) id.
 */
export async function parseMessage(
  source: Buffer,
  limits: { maxBytes: number; maxAttachmentBytes: number },
): Promise<ParsedMessage> {
  const bytes = Buffer.isBuffer(source) ? source : Buffer.alloc(0);
  const tooLarge = bytes.length > limits.maxBytes;
  const whole = { start: bytes, size: bytes.length };
  try {
    if (!tooLarge) {
      const mail = await tryParse(bytes);
      if (mail) return buildMessage(mail, whole, limits, { tooLarge, headersOnly: false });
    }
    const head = await tryParse(headerBlock(bytes));
    return buildMessage(head, whole, limits, { tooLarge, headersOnly: true });
  } catch {
    return buildMessage(undefined, whole, limits, { tooLarge, headersOnly: true });
  }
}

/**
 * What the headers-only reading of a source needs of it (its header block, its first 4 KB, its size), copied, so
 * the source itself can be handed to a parse thread (`parse-pool.ts`) and the message still read if that fails.
 */
export interface SourceHead {
  head: Buffer;
  start: Buffer;
  size: number;
}

/** A source's `SourceHead`: a copy of its header block and of its first 4 KB. */
export function sourceHead(source: Buffer): SourceHead {
  return {
    head: headerBlock(source),
    start: Buffer.from(source.subarray(0, SYNTHESIS_TEXT_BYTES)),
    size: source.length,
  };
}

/**
 * The reading `parseMessage` falls back to when a source cannot be parsed whole, from its kept `SourceHead`: the
 * same message `parseMessage` gives when the parser fails on the body. Never throws.
 */
export async function parseHeadersOnly(
  kept: SourceHead,
  limits: { maxBytes: number; maxAttachmentBytes: number },
): Promise<ParsedMessage> {
  const tooLarge = kept.size > limits.maxBytes;
  try {
    const head = await tryParse(kept.head);
    return buildMessage(head, kept, limits, { tooLarge, headersOnly: true });
  } catch {
    return buildMessage(undefined, kept, limits, { tooLarge, headersOnly: true });
  }
}
