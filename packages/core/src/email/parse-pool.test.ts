import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, describe, expect, it } from 'vitest';
import { customerMail, deliveryReport } from './mail-fixture.ts';
import { parseHeadersOnly, parseMessage, sourceHead } from './message-parse.ts';
import { inThreadParser, type MessageParser, startParsePool } from './parse-pool.ts';

const LIMITS = { maxBytes: 64 * 1024 * 1024, maxAttachmentBytes: 10 * 1024 * 1024 };
const CRASHING = new URL('./parse-worker.fixture.ts', import.meta.url);

/** A raw message from header and body lines, CRLF-joined as on the wire. */
const raw = (...lines: string[]) => Buffer.from(lines.join('\r\n'));
const encodedWord = (text: string) => `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
const composed = (options: ConstructorParameters<typeof MailComposer>[0]) =>
  new MailComposer(options).compile().build();
/** Deterministic pseudo-random bytes. */
function seededBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >>> 16;
  }
  return out;
}

/** The messages of the parse tests and the mail fixtures: every field of ParsedMessage set some way. */
async function corpus(): Promise<Buffer[]> {
  return [
    await composed({
      from: { name: 'سارة', address: 'sara@مثال.إختبار' },
      to: [{ name: 'Ali', address: 'Ali@Example.com' }, 'group@example.com'],
      cc: 'Ali@example.com, bob@example.org',
      bcc: 'hidden@example.com',
      replyTo: 'replies@example.com',
      subject: 'عرض السعر للربع الثالث',
      text: 'مرحبا، هذا هو العرض.',
      messageId: '<Offer.1@Mail.Example.COM>',
      date: new Date('2024-02-01T10:00:00Z'),
    }),
    raw(
      `From: ${encodedWord('مریم')} <Maryam@نمونه.ایران>`,
      'To: sales@example.com',
      `Subject: ${encodedWord('پاسخ: پیش‌فاکتور خرید')}`,
      'Message-ID: <p1@example.com>',
      '',
      'سلام',
    ),
    raw('From: Ali <ali@example.com>', 'Subject: No id', 'Date: Thu, 1 Feb 2024 10:00:00 +0000', '', 'Hi'),
    raw(
      'From: a@example.com',
      'Message-ID: <self@example.com>',
      'References: <root@example.com> <self@example.com>',
      'In-Reply-To: <parent@example.com>',
      '',
      'x',
    ),
    raw(
      'From: Ali <ali@example.com>',
      'Subject: Automatic reply: Quote',
      'Auto-Submitted: auto-replied',
      'Message-ID: <oof@example.com>',
      '',
      'I am out of the office until Monday.',
    ),
    await composed({
      from: 'ali@example.com',
      subject: 'Offer',
      html:
        '<div dir="rtl"><script>alert(1)</script><p onclick="x()">عرض <a href="https://example.com/o">هنا</a></p>' +
        '<img src="https://tracker.example/o.gif"><img src="cid:logo@rabita"></div>',
      attachments: [
        { filename: 'logo.png', content: Buffer.from('png-bytes'), cid: 'logo@rabita' },
        { filename: 'نقشه.pdf', content: seededBytes(7, 300_000), contentType: 'application/pdf' },
        { filename: 'too-big.bin', content: seededBytes(8, 11 * 1024 * 1024) },
        { filename: 'empty.txt', content: '' },
      ],
    }),
    raw(
      'From: =?UTF-8?Q?A=00li?= <ali@example.com>',
      'Subject: =?UTF-8?Q?Quo=00te?=',
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
    Buffer.from(customerMail({ from: 'Ali <ali@customer.example>', subject: 'سلام', text: 'متن', id: 'c1' })),
    Buffer.from(deliveryReport('sales@localhost', 'nobody@customer.example')),
    raw('Date: not a date', 'Subject: s', '', 'x'),
    raw('From: ali@example.com', 'Subject: Only headers', 'Message-ID: <h@example.com>'),
    Buffer.alloc(0),
    ...[1, 2, 3].map((seed) => seededBytes(seed, 64 + seed * 397)),
  ];
}

/** Copies, since a source handed to the pool is gone from this thread afterwards. */
const copies = (sources: Buffer[]) => sources.map((s) => Buffer.from(s));

/** A MIME bomb: parts nested `depth` deep. */
function nested(depth: number): Buffer {
  const lines = ['From: bomb@example.com', 'Subject: bomb', 'MIME-Version: 1.0'];
  for (let i = 0; i < depth; i++)
    lines.push(`Content-Type: multipart/mixed; boundary="b${i}"`, '', `--b${i}`);
  lines.push('Content-Type: text/plain', '', 'deep');
  for (let i = depth - 1; i >= 0; i--) lines.push(`--b${i}--`);
  return raw(...lines);
}

const pools: MessageParser[] = [];
const pool = (options: Parameters<typeof startParsePool>[0]) => {
  const p = startParsePool(options);
  pools.push(p);
  return p;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('mail parse threads', () => {
  it('gives every message exactly as parseMessage does, attachments as Buffers, in order', async () => {
    const parser = pool({ threads: 2 });
    const sources = await corpus();
    const expected = await Promise.all(copies(sources).map((s) => parseMessage(s, LIMITS)));
    const outcomes = await parser.parseAll(copies(sources), LIMITS);
    expect(outcomes.map((o) => o.failure)).toEqual(sources.map(() => undefined));
    expect(outcomes.map((o) => o.message)).toStrictEqual(expected);
    const offer = outcomes[5]!.message;
    expect(offer.attachments.map((a) => [a.filename, a.content.length])).toEqual([
      ['logo.png', 9],
      ['نقشه.pdf', 300_000],
      ['too-big.bin', 0],
      ['empty.txt', 0],
    ]);
    for (const a of offer.attachments) {
      expect(Buffer.isBuffer(a.content)).toBe(true);
      expect(createHash('sha256').update(a.content).digest('hex')).toBe(
        a.content.length > 0 || a.size === 0 ? a.sha256 : createHash('sha256').update('').digest('hex'),
      );
    }
    expect(offer.date).toBeInstanceOf(Date);
  }, 60_000);

  it('hands sources over instead of copying them, and takes small pooled Buffers too', async () => {
    const parser = pool({ threads: 1 });
    // As imapflow gives a literal over 4 KB (Buffer.concat of the chunks read): a buffer of its own.
    const text = Buffer.from(customerMail({ from: 'a@example.com', subject: 's', text: 'x'.repeat(9000) }));
    const large = Buffer.from(new ArrayBuffer(text.length));
    text.copy(large);
    const small = Buffer.from(raw('From: a@example.com', 'Subject: tiny', '', 'x')); // a slice of Node's pool
    expect(small.buffer.byteLength).toBeGreaterThan(small.length);
    const [big, little] = await parser.parseAll([large, small], LIMITS);
    expect(large.length).toBe(0); // its memory moved to the thread
    expect(small.length).toBeGreaterThan(0); // copied: Node's shared pool never moves
    expect(big!.message.text).toBe('x'.repeat(9000));
    expect(little!.message.subject).toBe('tiny');
  }, 60_000);

  it('parses hostile messages in the thread as parseMessage does: a 50 MB header line, NUL bytes, a MIME bomb', async () => {
    const parser = pool({ threads: 1 });
    const longLine = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: long\r\nX-Long: '),
      Buffer.alloc(50 * 1024 * 1024, 'a'),
      Buffer.from('\r\n\r\nbody\r\n'),
    ]);
    const longSize = longLine.length;
    const hostile = [
      longLine,
      raw(
        'From: a\u0000@example.com',
        'Subject: x\u0000y\uD800',
        'Message-ID: <n\u0000ul@example.com>',
        '',
        'b\u0000ody',
      ),
      nested(10_000),
      raw(
        'From: wide@example.com',
        'Content-Type: multipart/mixed; boundary="w"',
        '',
        ...Array.from({ length: 10_000 }, (_, i) => `--w\r\nContent-Type: text/plain\r\n\r\npart ${i}`),
        '--w--',
      ),
    ];
    const expected = await Promise.all(copies(hostile).map((s) => parseMessage(s, LIMITS)));
    const outcomes = await parser.parseAll(hostile, LIMITS);
    expect(outcomes.map((o) => o.failure)).toEqual([undefined, undefined, undefined, undefined]);
    expect(outcomes.map((o) => o.message)).toStrictEqual(expected);
    expect(outcomes[0]!.message).toMatchObject({ subject: 'long', size: longSize });
    expect(outcomes[1]!.message.subject).toBe('xy\ufffd');
    expect(outcomes[2]!.message.subject).toBe('bomb');
  }, 120_000);

  it('reads a message headers-only when its thread crashes, runs out of memory or hangs; the rest of the batch is parsed', async () => {
    const logged: string[] = [];
    const options = { threads: 2, worker: CRASHING, heapMb: 32, log: (m: string) => logged.push(m) };
    // The time limit runs from when a thread takes the message; a busy machine may take seconds to fill 32 MiB.
    const parser = pool({ ...options, timeoutMs: 60_000 });
    const hasty = pool({ ...options, timeoutMs: 2000 });
    const good = (i: number) =>
      Buffer.from(
        customerMail({ from: 'a@example.com', subject: `ok ${i}`, text: `text ${i}`, id: `ok${i}` }),
      );
    const crash = (how: string) =>
      raw(
        `X-Test-Crash: ${how}`,
        'From: Ali <ali@example.com>',
        `Subject: ${how}`,
        `Message-ID: <${how}@x.example>`,
        '',
        'body',
      );
    const batch = [good(0), crash('exit'), good(1), crash('oom'), good(2), crash('hang'), good(3)];
    const kept = copies(batch);
    const [hung] = await hasty.parseAll([batch[5]!], LIMITS);
    batch[5] = good(5); // the hung message went to the pool with the short limit above
    const outcomes = await parser.parseAll(batch, LIMITS);
    outcomes[5] = hung!;
    expect(outcomes.map((o) => o.message.subject)).toEqual([
      'ok 0',
      'exit',
      'ok 1',
      'oom',
      'ok 2',
      'hang',
      'ok 3',
    ]);
    expect(outcomes.filter((_, i) => i % 2 === 0).map((o) => [o.failure, o.message.text])).toEqual([
      [undefined, 'text 0'],
      [undefined, 'text 1'],
      [undefined, 'text 2'],
      [undefined, 'text 3'],
    ]);
    expect(outcomes[1]!.failure).toMatch(
      /^Read headers-only: the parse thread stopped \(.*exited with code: 3/,
    );
    expect(outcomes[3]!.failure).toBe(
      'Read headers-only: parsing needed more memory than a parse thread may use.',
    );
    expect(outcomes[5]!.failure).toBe('Read headers-only: parsing took longer than 2 s.');
    for (const i of [1, 3, 5]) {
      // Exactly the message parseMessage gives when the body cannot be read: headers kept, no text.
      expect(outcomes[i]!.message).toStrictEqual(await parseHeadersOnly(sourceHead(kept[i]!), LIMITS));
      expect(outcomes[i]!.message).toMatchObject({
        from: { address: 'ali@example.com' },
        text: '',
        tooLarge: false,
      });
      expect(outcomes[i]!.message.size).toBe(kept[i]!.length);
    }
    // The pool carries on with new threads.
    // One message, compared with itself: `customerMail` dates each message now, and two made a second apart differ.
    const fourth = good(4);
    const after = await parser.parseAll([Buffer.from(fourth)], LIMITS);
    expect(after[0]).toEqual({ message: await parseMessage(fourth, LIMITS) });
    expect(logged).toEqual([]);
  }, 60_000);

  it('keeps the order of results when later messages finish first', async () => {
    const parser = pool({ threads: 2 });
    const sources = Array.from({ length: 40 }, (_, i) =>
      Buffer.from(
        customerMail({
          from: 'a@example.com',
          subject: `n${i}`,
          text: i % 7 === 0 ? 'long '.repeat(400_000) : `short ${i}`,
          id: `o${i}`,
        }),
      ),
    );
    const outcomes = await parser.parseAll(sources, LIMITS);
    expect(outcomes.map((o) => o.message.subject)).toEqual(sources.map((_, i) => `n${i}`));
    expect(outcomes.map((o) => o.message.messageId)).toEqual(sources.map((_, i) => `o${i}@customer.example`));
  }, 60_000);

  it('parses in the caller’s thread when no thread can start, and with 0 threads', async () => {
    const logged: { message: string; detail?: Record<string, unknown> }[] = [];
    const parser = pool({
      threads: 1,
      worker: new URL('./parse-worker.missing.ts', import.meta.url),
      log: (message, detail) => logged.push({ message, detail }),
    });
    const sources = await corpus();
    const expected = await Promise.all(copies(sources).map((s) => parseMessage(s, LIMITS)));
    expect((await parser.parseAll(copies(sources), LIMITS)).map((o) => o.message)).toStrictEqual(expected);
    expect(logged.map((l) => l.message)).toEqual([
      'mail parse threads could not start; parsing in the sync thread',
    ]);
    // Only once: the next batch goes straight to this thread.
    await parser.parseAll(copies(sources.slice(0, 2)), LIMITS);
    expect(logged).toHaveLength(1);

    const none = startParsePool({ threads: 0 });
    expect(none.threads).toBe(0);
    expect((await none.parseAll(copies(sources), LIMITS)).map((o) => o.message)).toStrictEqual(expected);
    expect((await inThreadParser().parseAll([], LIMITS)).length).toBe(0);
  }, 60_000);

  it('refuses to parse once closed, so a batch cut short by shutdown is fetched again rather than stored headers-only', async () => {
    const parser = startParsePool({ threads: 1 });
    await parser.parseAll([raw('From: a@example.com', '', 'x')], LIMITS);
    await parser.close();
    await expect(parser.parseAll([raw('From: a@example.com', '', 'x')], LIMITS)).rejects.toThrow(/closed/);
  }, 60_000);
});

describe('headers-only reading from a kept head', () => {
  it('equals parseMessage’s headers-only reading for every kind of source', async () => {
    const sources = [
      ...(await corpus()),
      nested(50),
      Buffer.concat([Buffer.from('Subject: no blank line\r\nX-A: '), Buffer.alloc(600 * 1024, 'b')]),
    ];
    for (const source of sources) {
      const small = { maxBytes: 0, maxAttachmentBytes: 0 }; // over maxBytes: parseMessage reads headers only
      expect(await parseHeadersOnly(sourceHead(source), small)).toStrictEqual(
        await parseMessage(source, small),
      );
    }
  });
});
