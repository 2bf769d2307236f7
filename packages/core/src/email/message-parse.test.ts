import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { describe, expect, it } from 'vitest';
import {
  EMAIL_HTML_CSP,
  htmlToPlainText,
  isAutoReply,
  normaliseAddress,
  normaliseMessageId,
  type ParsedMessage,
  parseMessage,
  parseReferences,
  sanitiseEmailHtml,
  threadSubjectKey,
} from './message-parse.ts';

const LIMITS = { maxBytes: 64 * 1024 * 1024, maxAttachmentBytes: 10 * 1024 * 1024 };
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A raw message from header and body lines, CRLF-joined as on the wire. */
function rawMessage(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'));
}

/** An RFC 2047 encoded word (base64), as clients write non-ASCII headers. */
function encodedWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
}

/** A raw message built by nodemailer's composer, as a client would send it. */
function composed(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/** Every string inside a parsed message (attachment bytes aside), to check none holds NUL or a lone surrogate. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Buffer.isBuffer(value) || value instanceof Date || value === null || typeof value !== 'object')
    return [];
  return Object.values(value).flatMap(stringsOf);
}

/** A small seeded generator, so the "random bytes" inputs are the same on every run. */
function seededBytes(seed: number, length: number): Buffer {
  let state = seed >>> 0;
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    bytes[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return bytes;
}

function expectStorable(parsed: ParsedMessage): void {
  for (const text of stringsOf(parsed)) {
    expect(text.includes('\u0000')).toBe(false);
    expect(LONE_SURROGATE.test(text)).toBe(false);
  }
}

describe('message ids and references', () => {
  it('normalises a Message-ID: brackets, folding and comments go, only the domain is lower-cased', () => {
    expect(normaliseMessageId('  <Abc.DEF+1@Mail.Example.COM> ')).toBe('Abc.DEF+1@mail.example.com');
    expect(normaliseMessageId('<Abc.DEF@\r\n Example.COM> (sent by a client)')).toBe('Abc.DEF@example.com');
    expect(normaliseMessageId('(comment (nested)) <x@Y>')).toBe('x@y');
    expect(normaliseMessageId('bare-ID@Host.Example')).toBe('bare-ID@host.example');
    expect(normaliseMessageId('<آیدی@مثال.IR>')).toBe('آیدی@مثال.ir');
  });

  it('refuses empty, garbage and over-long Message-IDs', () => {
    for (const value of [undefined, null, '', '   ', '<>', '<@>', '< >', 'see my last message', '\u0000'])
      expect(normaliseMessageId(value)).toBeUndefined();
    expect(normaliseMessageId(`<${'a'.repeat(990)}@b.example>`)).toBeUndefined();
    expect(normaliseMessageId(`<${'a'.repeat(980)}@b.example>`)).toHaveLength(990);
  });

  it('reads every id of References in order, deduplicated, keeping the root and the nearest 99 of a long chain', () => {
    expect(parseReferences('<a@X.com> <b@x.com>\r\n <A@x.com> (a comment) <a@x.COM>')).toEqual([
      'a@x.com',
      'b@x.com',
      'A@x.com',
    ]);
    expect(parseReferences(['<one@h>', '<two@h>', '<one@h>'])).toEqual(['one@h', 'two@h']);
    expect(parseReferences('one@h, two@h')).toEqual(['one@h', 'two@h']);
    expect(parseReferences(undefined)).toEqual([]);
    expect(parseReferences('no ids here')).toEqual([]);
    const chain = Array.from({ length: 150 }, (_, i) => `<m${i}@h>`).join(' ');
    const refs = parseReferences(chain);
    expect(refs).toHaveLength(100);
    expect(refs[0]).toBe('m0@h');
    expect(refs[1]).toBe('m51@h');
    expect(refs[99]).toBe('m149@h');
  });
});

describe('addresses', () => {
  it('normalises an IDN address to punycode, lower case, trimmed', () => {
    expect(normaliseAddress(' Sara@مثال.إختبار ')).toBe('sara@xn--mgbh0fb.xn--kgbechtv');
    expect(normaliseAddress('<Ali.Reza@Example.COM>')).toBe('ali.reza@example.com');
    expect(normaliseAddress('user@bücher.example.')).toBe('user@xn--bcher-kva.example');
    expect(normaliseAddress('علی@مثال.ایران')).toMatch(/^علی@xn--/);
  });

  it('says undefined for what is not an address', () => {
    for (const value of [
      '',
      'not an address',
      '@example.com',
      'user@',
      'a b@example.com',
      'user@exa mple.com',
    ])
      expect(normaliseAddress(value)).toBeUndefined();
    expect(normaliseAddress(`${'a'.repeat(250)}@example.com`)).toBeUndefined();
  });
});

describe('thread subject key', () => {
  it('strips repeated reply and forward prefixes in several languages', () => {
    const key = 'quarterly quote';
    for (const subject of [
      'Quarterly Quote',
      'Re: Quarterly Quote',
      'RE: Fwd: Re: Quarterly Quote',
      'FW: AW: WG: Sv: Antw: Quarterly Quote',
      'RE[2]: Re(3): quarterly   quote',
      'Re： Quarterly Quote',
      '[sales] Re: Quarterly Quote',
      'Re: [sales] Quarterly Quote',
      '[sales] Quarterly Quote',
      '\u200fرد: Re: Quarterly Quote',
      'ج: ت: quarterly quote',
    ])
      expect(threadSubjectKey(subject), subject).toBe(key);
  });

  it('keys a Persian reply with "پاسخ:" like its original, and keeps brackets later in the subject', () => {
    expect(threadSubjectKey('پاسخ: پیش‌فاکتور خرید')).toBe('پیش‌فاکتور خرید');
    expect(threadSubjectKey('پاسخ : رد: پیش‌فاکتور خرید')).toBe('پیش‌فاکتور خرید');
    expect(threadSubjectKey('رد؛ عرض سعر')).toBe('عرض سعر');
    expect(threadSubjectKey('Invoice [#123] overdue')).toBe('invoice [#123] overdue');
    expect(threadSubjectKey('Report: Q3')).toBe('report: q3');
    expect(threadSubjectKey(undefined)).toBe('');
  });
});

describe('auto-replies', () => {
  it('recognises auto-reply headers', () => {
    expect(isAutoReply({ 'Auto-Submitted': 'auto-replied' })).toBe(true);
    expect(isAutoReply(new Map([['auto-submitted', 'auto-generated; owner-email=a@b']]))).toBe(true);
    expect(isAutoReply({ 'auto-submitted': 'no' })).toBe(false);
    expect(isAutoReply({ 'X-Autoreply': 'yes' })).toBe(true);
    expect(isAutoReply({ 'x-autorespond': 'Vacation' })).toBe(true);
    expect(isAutoReply({ 'X-Auto-Response-Suppress': 'DR, OOF, AutoReply' })).toBe(true);
    expect(isAutoReply({ 'X-Auto-Response-Suppress': 'All' })).toBe(true);
    expect(isAutoReply({ 'X-Auto-Response-Suppress': 'DR' })).toBe(false);
    expect(isAutoReply({ Precedence: 'auto_reply' })).toBe(true);
    expect(isAutoReply({ Precedence: 'bulk' })).toBe(false);
    expect(isAutoReply({ precedence: ['list', 'auto_reply'] })).toBe(true);
  });

  it('recognises auto-reply subjects in English, Arabic and Persian', () => {
    for (const subject of [
      'Automatic reply: Quote',
      'Auto: Quote',
      'Out of Office: back Monday',
      'رد تلقائي: عرض السعر',
      'پاسخ خودکار: پیش‌فاکتور',
    ])
      expect(isAutoReply({}, subject), subject).toBe(true);
    expect(isAutoReply({}, 'Re: Automatic reply settings')).toBe(false);
  });
});

describe('HTML sanitising', () => {
  it('removes scripts, handlers, javascript: links and blocks remote images', () => {
    const { html, remoteImages } = sanitiseEmailHtml(
      [
        '<html dir="rtl"><head><title>T</title><style>body{color:red}</style><script>alert(1)</script></head>',
        '<body><p onclick="steal()" style="color:#333;background-image:url(https://t.example/x);position:fixed">سلام</p>',
        '<a href="javascript:alert(1)">bad</a> <a href="https://example.com/a" onmouseover="x()">good</a>',
        '<a href="data:text/html,hi">data</a>',
        '<img src="https://tracker.example/p.gif" width="1" height="1">',
        '<img src=" HTTP://cdn.example/logo.png" srcset="https://a.example/x 2x">',
        '<img src="//cdn.example/proto.png"><img src="data:image/png;base64,iVBORw0KGgo=">',
        '<img src="javascript:alert(1)"><img src="/api/secret">',
        '<iframe src="https://evil.example"></iframe><object data="x"></object>',
        '<form action="https://evil.example"><input name="pw"></form></body></html>',
      ].join(''),
      {},
    );
    expect(html).not.toMatch(
      /script|alert|onclick|onmouseover|javascript:|iframe|object|<form|<input|<style/i,
    );
    expect(html).not.toMatch(/url\(|position|tracker\.example\/p\.gif"\s*src|<title/);
    expect(html).toContain('<div dir="rtl">');
    expect(html).toContain('<p style="color:#333">سلام</p>');
    expect(html).toContain(
      '<a href="https://example.com/a" target="_blank" rel="noopener noreferrer nofollow">good</a>',
    );
    expect(html).toContain('<a target="_blank" rel="noopener noreferrer nofollow">bad</a>');
    expect(html).toContain('<a target="_blank" rel="noopener noreferrer nofollow">data</a>');
    expect(html).toContain('<img width="1" height="1" data-remote-src="https://tracker.example/p.gif" />');
    expect(html).toContain('data-remote-src="HTTP://cdn.example/logo.png"');
    expect(html).toContain('data-remote-src="https://cdn.example/proto.png"');
    expect(html).toContain('<img src="data:image/png;base64,iVBORw0KGgo=" />');
    expect(html).not.toMatch(/<img[^>]* src="(?:https?:|\/)/i);
    expect(html).not.toContain('srcset');
    expect(remoteImages).toBe(3);
  });

  it('maps cid images with cidUrl, keeps them as cid: without it, and gives the same HTML when run again', () => {
    const source =
      '<p dir="auto"><img src="cid:logo%40rabita" alt="logo"><img src="https://x.example/a.png"></p>';
    const mapped = sanitiseEmailHtml(source, {
      cidUrl: (cid) => `/api/email/inline/${encodeURIComponent(cid)}`,
    });
    expect(mapped.html).toContain('<img alt="logo" src="/api/email/inline/logo%40rabita" />');
    const kept = sanitiseEmailHtml(source, {});
    expect(kept.html).toContain('<img alt="logo" src="cid:logo%40rabita" />');
    const again = sanitiseEmailHtml(kept.html, {});
    expect(again).toEqual(kept);
    expect(again.remoteImages).toBe(1);
  });

  it('converts HTML to text with links in brackets, no wrapping, images dropped, right-to-left order kept', () => {
    const long = 'کلمه '.repeat(60).trim();
    const text = htmlToPlainText(
      `<h1>Hello</h1><p dir="rtl">سلام <a href="https://example.com/x">لینک</a> <img src="x.png" alt="pic"></p>` +
        `<p>${long}</p><table><tr><td>نام</td><td>مریم</td></tr></table><p><a href="https://a.example">https://a.example</a></p>`,
    );
    expect(text).toBe(
      `Hello\n\nسلام لینک (https://example.com/x)\n\n${long}\n\nنام\n\nمریم\n\nhttps://a.example`,
    );
  });

  it('keeps the text of markup nested too deep to parse, quickly', () => {
    const deep = `${'<div>'.repeat(100_000)}<b>deep</b> &amp; text${'</div>'.repeat(100_000)}`;
    const started = Date.now();
    expect(sanitiseEmailHtml(deep, {})).toEqual({ html: '<p>deep &amp; text</p>', remoteImages: 0 });
    expect(htmlToPlainText(deep)).toBe('deep & text');
    expect(Date.now() - started).toBeLessThan(2000);
    // Unclosed paragraphs and table cells are shallow to the parser, so they are parsed as usual.
    const sloppy = `<table>${'<tr><td>a<td>b'.repeat(3000)}</table>${'<p>para '.repeat(3000)}`;
    expect(sanitiseEmailHtml(sloppy, {}).html).toContain('<tr><td>a</td><td>b</td></tr>');
  });

  it('has a CSP that loads nothing but images from data:, blob: and Rabita itself', () => {
    expect(EMAIL_HTML_CSP).toContain("default-src 'none'");
    expect(EMAIL_HTML_CSP).toContain("img-src data: blob: 'self'");
    expect(EMAIL_HTML_CSP).not.toMatch(/script-src|https?:/);
  });
});

describe('parseMessage', () => {
  it('makes the snippet from the start of a long body, whole characters only, even after much white space', async () => {
    const persian = 'سلام، پیش‌فاکتور را ببینید. ';
    const long = await parseMessage(
      await composed({ from: 'a@example.com', subject: 'x', text: persian.repeat(2000) }),
      LIMITS,
    );
    expect(long.snippet).toBe(Array.from(persian.repeat(20).trim()).slice(0, 200).join(''));
    // An emoji pair across the point where the start is cut (1,600 code units), just as the line reaches 200
    // characters: the snippet ends on the whole emoji, not on its first half.
    const emoji = '\u{1F600}';
    const cut = await parseMessage(
      await composed({
        from: 'a@example.com',
        subject: 'x',
        text: `x${' '.repeat(1401)}${'y'.repeat(197)}${emoji.repeat(10)}`,
      }),
      LIMITS,
    );
    expect(cut.snippet).toBe(`x ${'y'.repeat(197)}${emoji}`);
    expect(LONE_SURROGATE.test(cut.snippet)).toBe(false);
    // A body that opens with more white space than the start read.
    const spaced = await parseMessage(
      await composed({
        from: 'a@example.com',
        subject: 'x',
        text: `${' \n'.repeat(3000)}${emoji.repeat(300)}`,
      }),
      LIMITS,
    );
    expect(Array.from(spaced.snippet)).toEqual(Array(200).fill(emoji));
  });

  it('decodes an Arabic RFC 2047 subject and normalises IDN addresses to punycode', async () => {
    const source = await composed({
      from: { name: 'سارة', address: 'sara@مثال.إختبار' },
      to: [{ name: 'Ali', address: 'Ali@Example.com' }, 'group@example.com'],
      cc: 'Ali@example.com, bob@example.org',
      subject: 'عرض السعر للربع الثالث',
      text: 'مرحبا، هذا هو العرض.',
      messageId: '<Offer.1@Mail.Example.COM>',
      date: new Date('2024-02-01T10:00:00Z'),
    });
    expect(source.toString()).toMatch(/Subject: =\?UTF-8\?B\?/);
    const parsed = await parseMessage(source, LIMITS);
    expect(parsed.subject).toBe('عرض السعر للربع الثالث');
    expect(parsed.from).toEqual({ address: 'sara@xn--mgbh0fb.xn--kgbechtv', name: 'سارة' });
    expect(parsed.to).toEqual([
      { address: 'ali@example.com', name: 'Ali' },
      { address: 'group@example.com', name: '' },
    ]);
    expect(parsed.cc.map((a) => a.address)).toEqual(['ali@example.com', 'bob@example.org']);
    expect(parsed.messageId).toBe('Offer.1@mail.example.com');
    expect(parsed.messageIdSynthesised).toBe(false);
    expect(parsed.date?.toISOString()).toBe('2024-02-01T10:00:00.000Z');
    expect(parsed.text.trim()).toBe('مرحبا، هذا هو العرض.');
    expect(parsed.html).toBeUndefined();
    expect(parsed.snippet).toBe('مرحبا، هذا هو العرض.');
    expect(parsed.autoReply).toBe(false);
    expect(parsed.bounce).toBeUndefined();
    expect(parsed.size).toBe(source.length);
  });

  it('reads a raw UTF-8 IDN address and keys a Persian "پاسخ:" subject like its original', async () => {
    const parsed = await parseMessage(
      rawMessage(
        `From: ${encodedWord('مریم')} <Maryam@نمونه.ایران>`,
        'To: sales@example.com',
        `Subject: ${encodedWord('پاسخ: پیش‌فاکتور خرید')}`,
        'Message-ID: <p1@example.com>',
        '',
        'سلام',
      ),
      LIMITS,
    );
    expect(parsed.subject).toBe('پاسخ: پیش‌فاکتور خرید');
    expect(threadSubjectKey(parsed.subject)).toBe(threadSubjectKey('پیش‌فاکتور خرید'));
    expect(parsed.from?.name).toBe('مریم');
    expect(parsed.from?.address).toMatch(/^maryam@xn--[a-z0-9-]+\.xn--[a-z0-9-]+$/);
  });

  it('synthesises a missing Message-ID from the content, the same for the same message', async () => {
    const message = (body: string) =>
      rawMessage(
        'From: Ali <ali@example.com>',
        'To: sales@example.com',
        'Subject: No id',
        'Date: Thu, 1 Feb 2024 10:00:00 +0000 (UTC)',
        '',
        body,
      );
    const first = await parseMessage(message('Hello there'), LIMITS);
    const second = await parseMessage(message('Hello there'), LIMITS);
    const other = await parseMessage(message('Something else'), LIMITS);
    expect(first.messageIdSynthesised).toBe(true);
    expect(first.messageId).toMatch(/^rabita-[0-9a-f]{64}@synthesised\.invalid$/);
    expect(second.messageId).toBe(first.messageId);
    expect(other.messageId).not.toBe(first.messageId);
    const expected = createHash('sha256')
      .update(`ali@example.com|2024-02-01T10:00:00.000Z|No id|${first.text}`)
      .digest('hex');
    expect(first.messageId).toBe(`rabita-${expected}@synthesised.invalid`);
  });

  it('threads by In-Reply-To when References is missing', async () => {
    const parsed = await parseMessage(
      rawMessage(
        'From: a@example.com',
        'Subject: Re: Quote',
        'Message-ID: <reply@example.com>',
        'In-Reply-To: <Original@Example.COM> (from Ali)',
        '',
        'Thanks',
      ),
      LIMITS,
    );
    expect(parsed.inReplyTo).toBe('Original@example.com');
    expect(parsed.references).toEqual(['Original@example.com']);
  });

  it('appends In-Reply-To after References when References lacks it, and drops a self-reference', async () => {
    const parsed = await parseMessage(
      rawMessage(
        'From: a@example.com',
        'Message-ID: <self@example.com>',
        'References: <root@example.com> <self@example.com>',
        'In-Reply-To: <parent@example.com>',
        '',
        'x',
      ),
      LIMITS,
    );
    expect(parsed.references).toEqual(['root@example.com', 'parent@example.com']);
  });

  it('marks an out-of-office reply as an auto-reply', async () => {
    const parsed = await parseMessage(
      rawMessage(
        'From: Ali <ali@example.com>',
        'To: sales@example.com',
        'Subject: Automatic reply: Quote',
        'Auto-Submitted: auto-replied',
        'X-Auto-Response-Suppress: All',
        'Message-ID: <oof@example.com>',
        '',
        'I am out of the office until Monday.',
      ),
      LIMITS,
    );
    expect(parsed.autoReply).toBe(true);
    const persian = await parseMessage(
      rawMessage('From: a@example.com', `Subject: ${encodedWord('پاسخ خودکار')}`, '', 'x'),
      LIMITS,
    );
    expect(persian.subject).toBe('پاسخ خودکار');
    expect(persian.autoReply).toBe(true);
  });

  const dsn = (status: string, action: string) =>
    rawMessage(
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>',
      'To: sales@example.org',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <dsn.1@mx.example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"',
      '',
      '--DSN',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'I could not deliver your message.',
      '--DSN',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.com',
      '',
      'Final-Recipient: rfc822; Other@example.net',
      'Action: delivered',
      'Status: 2.0.0',
      '',
      'Final-Recipient: rfc822; Nobody@Example.NET',
      `Action: ${action}`,
      `Status: ${status} (mailbox problem)`,
      'Diagnostic-Code: smtp; 550 no such user',
      '',
      '--DSN',
      'Content-Type: message/rfc822',
      '',
      'From: sales@example.org',
      'Message-ID: <Original.42@Example.ORG>',
      'Subject: Quote',
      '',
      'The quote.',
      '--DSN--',
      '',
    );

  it('reads a hard bounce (5.1.1) from a multipart/report DSN', async () => {
    const parsed = await parseMessage(dsn('5.1.1', 'failed'), LIMITS);
    expect(parsed.bounce).toEqual({
      status: '5.1.1',
      recipient: 'nobody@example.net',
      hard: true,
      originalMessageId: 'Original.42@example.org',
    });
    expect(parsed.text.trim()).toBe('I could not deliver your message.');
    expect(parsed.attachments.map((a) => a.contentType)).toEqual(['message/rfc822']);
  });

  it('reads a soft bounce (4.2.2) from a multipart/report DSN', async () => {
    const parsed = await parseMessage(dsn('4.2.2', 'delayed'), LIMITS);
    expect(parsed.bounce).toEqual({
      status: '4.2.2',
      recipient: 'nobody@example.net',
      hard: false,
      originalMessageId: 'Original.42@example.org',
    });
    expect((await parseMessage(dsn('2.0.0', 'delivered'), LIMITS)).bounce).toBeUndefined();
  });

  it('sanitises the HTML of a message and derives its text, leaving cid images for the reader', async () => {
    const source = await composed({
      from: 'ali@example.com',
      subject: 'Offer',
      html:
        '<div dir="rtl"><script>alert(1)</script><p onclick="x()">عرض <a href="javascript:alert(1)">هنا</a> ' +
        '<a href="https://example.com/offer">التفاصيل</a></p><img src="https://tracker.example/o.gif">' +
        '<img src="cid:logo@rabita"></div>',
      attachments: [{ filename: 'logo.png', content: Buffer.from('png-bytes'), cid: 'logo@rabita' }],
    });
    const parsed = await parseMessage(source, LIMITS);
    expect(parsed.html).toBeDefined();
    const html = parsed.html ?? '';
    expect(html).not.toMatch(/script|alert|onclick|javascript:/);
    expect(html).toContain('data-remote-src="https://tracker.example/o.gif"');
    expect(html).toContain('src="cid:logo@rabita"');
    expect(html).toContain('dir="rtl"');
    expect(parsed.text).toBe('عرض هنا التفاصيل (https://example.com/offer)');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]).toMatchObject({
      filename: 'logo.png',
      contentId: 'logo@rabita',
      inline: true,
      size: 9,
      sha256: createHash('sha256').update('png-bytes').digest('hex'),
    });
  });

  it('keeps the metadata of a 20 MB attachment over the limit, without its bytes', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024, 7);
    const source = await composed({
      from: 'ali@example.com',
      to: 'sales@example.com',
      subject: 'Drawings',
      text: 'Attached.',
      attachments: [
        { filename: 'نقشه.pdf', content: big, contentType: 'application/pdf' },
        { filename: 'small.txt', content: 'small' },
      ],
    });
    const parsed = await parseMessage(source, LIMITS);
    expect(parsed.tooLarge).toBe(false);
    const [drawing, small] = parsed.attachments;
    expect(drawing).toMatchObject({
      filename: 'نقشه.pdf',
      contentType: 'application/pdf',
      size: big.length,
      sha256: createHash('sha256').update(big).digest('hex'),
      inline: false,
    });
    expect(drawing?.content.length).toBe(0);
    expect(small?.content.toString()).toBe('small');

    const headersOnly = await parseMessage(source, { maxBytes: 1024 * 1024, maxAttachmentBytes: 1024 });
    expect(headersOnly.tooLarge).toBe(true);
    expect(headersOnly.subject).toBe('Drawings');
    expect(headersOnly.from?.address).toBe('ali@example.com');
    expect(headersOnly.text).toBe('');
    expect(headersOnly.attachments).toEqual([]);
    expect(headersOnly.size).toBe(source.length);
  }, 60_000);

  it('strips NUL bytes and replaces lone surrogates', async () => {
    const parsed = await parseMessage(
      rawMessage(
        'From: =?UTF-8?Q?A=00li?= <ali@example.com>',
        'Subject: =?UTF-8?Q?Quo=00te?=',
        'Message-ID: <n=00ul@example.com>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain; charset=utf-16le',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('he\u0000llo \uD800 world', 'utf16le').toString('base64'),
        '--B',
        'Content-Type: text/plain',
        'Content-Disposition: attachment; filename="=?UTF-8?Q?a=00b.txt?="',
        '',
        'x',
        '--B--',
      ),
      LIMITS,
    );
    expect(parsed.subject).toBe('Quote');
    expect(parsed.from?.name).toBe('Ali');
    expect(parsed.text).toContain('hello');
    expect(parsed.attachments[0]?.filename).toBe('ab.txt');
    expectStorable(parsed);
    // Lone surrogates reach us from decoders and HTML alike; every output path replaces them.
    expect(sanitiseEmailHtml('<p>a\uD800b\u0000c</p>', {}).html).toBe('<p>a\uFFFDbc</p>');
    expect(htmlToPlainText('<p>a\uDC00b</p>')).toBe('a\uFFFDb');
    expect(threadSubjectKey('Re: a\uD800\u0000b')).toBe('a\uFFFDb');
  });

  it('does not throw on random bytes, an empty buffer or a header-only message', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const bytes = seededBytes(seed, 64 + seed * 397);
      const parsed = await parseMessage(bytes, LIMITS);
      expect(parsed.size).toBe(bytes.length);
      expect(parsed.messageId.length).toBeGreaterThan(0);
      expectStorable(parsed);
    }
    const empty = await parseMessage(Buffer.alloc(0), LIMITS);
    expect(empty).toMatchObject({
      subject: '',
      text: '',
      attachments: [],
      messageIdSynthesised: true,
      size: 0,
    });
    const otherGarbage = await parseMessage(Buffer.from([0, 1, 2, 255]), LIMITS);
    expect(otherGarbage.messageId).not.toBe(empty.messageId);

    const headerOnly = await parseMessage(
      rawMessage('From: ali@example.com', 'Subject: Only headers', 'Message-ID: <h@example.com>'),
      LIMITS,
    );
    expect(headerOnly).toMatchObject({ subject: 'Only headers', messageId: 'h@example.com', text: '' });
    const badDate = await parseMessage(rawMessage('Date: not a date', 'Subject: s', '', 'x'), LIMITS);
    expect(badDate.date).toBeUndefined();
    const tooLargeGarbage = await parseMessage(seededBytes(99, 4096), {
      maxBytes: 100,
      maxAttachmentBytes: 10,
    });
    expect(tooLargeGarbage.tooLarge).toBe(true);
    expectStorable(tooLargeGarbage);
  });
});
