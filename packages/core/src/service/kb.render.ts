import type MarkdownIt from 'markdown-it';
import type SanitizeHtml from 'sanitize-html';
import { lazyPackage } from '../lazy-package.ts';

// Articles are kept as Markdown and turned into HTML when read. markdown-it runs with raw HTML off, so whatever an
// author typed between angle brackets comes out as text; sanitize-html then keeps only the tags Markdown makes and
// links to http(s), mailto and the article's own attachments, as a second wall should a rendering rule ever let
// something through. `kb-attachment:<id>` in a link or image is the article's attachment, rewritten to the URL
// the reader may fetch it from (the API for agents, the help centre's public route for customers).

const markdownIt = lazyPackage<typeof MarkdownIt>('markdown-it');
const sanitizeHtml = lazyPackage<typeof SanitizeHtml>('sanitize-html');
let markdownParser: MarkdownIt | undefined;
const markdown = () => {
  markdownParser ??= new (markdownIt())({ html: false, linkify: true, typographer: false });
  return markdownParser;
};

const ATTACHMENT = /^kb-attachment:([0-9a-f-]{36})$/i;

const TAGS = [
  'p',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'em',
  's',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'img',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
];

/** The HTML of an article's Markdown body, safe to put in a page; attachments point at `attachmentUrl(id)`. */
export function renderArticle(body: string, attachmentUrl: (id: string) => string): string {
  const rewrite = (value: string | undefined) => {
    const match = value ? ATTACHMENT.exec(value) : null;
    return match ? attachmentUrl(match[1]!.toLowerCase()) : value;
  };
  const html = markdown().render(body);
  return sanitizeHtml()(html, {
    allowedTags: TAGS,
    allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title'], '*': ['dir'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, href: rewrite(attribs.href) ?? '', rel: 'noopener noreferrer nofollow' },
      }),
      img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, src: rewrite(attribs.src) ?? '' } }),
      // Each block takes its own direction, so an English line in a Persian article reads left to right.
      p: (tagName, attribs) => ({ tagName, attribs: { ...attribs, dir: 'auto' } }),
      li: (tagName, attribs) => ({ tagName, attribs: { ...attribs, dir: 'auto' } }),
    },
  });
}

/** A short plain-text excerpt of a Markdown body (for search results and suggestions). */
export function snippetOf(body: string, length = 240): string {
  const text = body
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[#>*_`~|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > length ? `${text.slice(0, length - 1).trimEnd()}…` : text;
}
