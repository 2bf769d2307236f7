import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { multipartForm as form } from '../../../../test/multipart.ts';
import { runImport } from './imports.service.ts';
import { READ_LIMITS } from './read-limits.ts';
import { readRows } from './read-rows.ts';
import { openRows } from './sources.ts';
import type { StoredFile } from './stored-file.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Text produced piece by piece (so a test can deflate hundreds of megabytes without holding them). */
function streamed(pieces: () => Iterable<string | Buffer>): Readable {
  return Readable.from(
    (function* () {
      for (const piece of pieces()) yield typeof piece === 'string' ? Buffer.from(piece) : piece;
    })(),
  );
}

/** A zip of the given parts (each a string or a stream), deflated, as one buffer. */
async function zip(parts: Record<string, string | (() => Readable)>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, body] of Object.entries(parts)) {
    if (typeof body === 'string') z.addBuffer(Buffer.from(body), name);
    else z.addReadStream(body(), name);
  }
  z.end();
  const out: Buffer[] = [];
  for await (const piece of z.outputStream as AsyncIterable<Buffer>) out.push(piece);
  return Buffer.concat(out);
}

const WORKBOOK =
  '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="People" sheetId="1" r:id="rId1"/></sheets></workbook>';
const RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>';
const sheetOf = (rows: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`;

/** A workbook whose first sheet is `sheet` and whose shared strings are `strings`. */
function workbook(sheet: string | (() => Readable), strings?: string | (() => Readable)) {
  return zip({
    'xl/workbook.xml': WORKBOOK,
    'xl/_rels/workbook.xml.rels': RELS,
    'xl/worksheets/sheet1.xml': sheet,
    ...(strings ? { 'xl/sharedStrings.xml': strings } : {}),
  });
}

/** A stored file of one buffer, cut in chunks as uploads are. */
function inMemory(data: Buffer, chunk = 1024 * 1024): StoredFile {
  const sizes: number[] = [];
  for (let at = 0; at < data.length; at += chunk) sizes.push(Math.min(chunk, data.length - at));
  return { sizes, read: async (seq) => data.subarray(seq * chunk, seq * chunk + sizes[seq]!) };
}

async function allRows(
  file: StoredFile,
  format: 'csv' | 'xlsx',
  options: Parameters<typeof openRows>[2] = {},
) {
  const { rows } = await openRows(file, format, options);
  const out: string[][] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe('hostile files', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;

  const upload = (fields: Record<string, string>, file: Buffer, filename: string) => {
    const body = form(fields, file, filename);
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: body.payload,
      headers: { ...body.headers, cookie: admin.cookie },
    });
  };

  /**
   * Uploads a file over HTTP to the listening server while /healthz is asked every 25 ms, and measures the event
   * loop's longest stall and the heap's growth (after a collection) across the upload.
   */
  const uploadWatched = async (file: Buffer, filename: string) => {
    const body = form({ object: 'people' }, file, filename);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let peakHeap = heapBefore;
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let slowestHealth = 0;
    let healthAnswers = 0;
    let uploading = true;
    const pinger = (async () => {
      while (uploading) {
        const started = performance.now();
        const health = await fetch(`${url}/healthz`);
        expect(health.status).toBe(200);
        await health.arrayBuffer();
        slowestHealth = Math.max(slowestHealth, performance.now() - started);
        healthAnswers += 1;
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const response = await fetch(`${url}/api/v1/imports`, {
      method: 'POST',
      body: body.payload,
      headers: { ...body.headers, cookie: admin.cookie },
    });
    const res = {
      statusCode: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: (await response.json()) as { detail: string; errors: { field: string }[] },
    };
    uploading = false;
    await pinger;
    delay.disable();
    gc();
    return {
      res,
      slowestHealthMs: slowestHealth,
      healthAnswers,
      maxLoopStallMs: delay.max / 1e6,
      peakHeapGrowthMb: (peakHeap - heapBefore) / 1024 / 1024,
      heapGrowthMb: (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024,
    };
  };

  let url: string;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t?.close());

  it('refuses spreadsheet bombs and a 100,000-column CSV with a clear reason, while the server keeps answering and its heap stays flat', async () => {
    const bombs: [string, Buffer, RegExp][] = [
      [
        // 4 million shared strings (68 MB of XML) in under half a megabyte.
        'shared-strings.xlsx',
        await workbook(sheetOf('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), () =>
          streamed(function* () {
            yield '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">';
            const block = '<si><t>x</t></si>'.repeat(10_000);
            for (let i = 0; i < 400; i++) yield block;
            yield '</sst>';
          }),
        ),
        /zip bomb|shared strings/,
      ],
      [
        // One inline string of 400 MB, also under half a megabyte.
        'inline-string.xlsx',
        await workbook(() =>
          streamed(function* () {
            yield '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>';
            const block = Buffer.alloc(4 * 1024 * 1024, 'A');
            for (let i = 0; i < 100; i++) yield block;
            yield '</t></is></c></row></sheetData></worksheet>';
          }),
        ),
        /zip bomb|characters/,
      ],
      [
        // A zip of zeros dressed as a workbook.
        'zeros.xlsx',
        await zip({
          'xl/workbook.xml': () =>
            streamed(function* () {
              const zeros = Buffer.alloc(4 * 1024 * 1024);
              for (let i = 0; i < 64; i++) yield zeros;
            }),
        }),
        /zip bomb/,
      ],
      [
        'columns.csv',
        Buffer.from(`${Array.from({ length: 100_000 }, (_, i) => `column ${i}`).join(',')}\nvalue\n`),
        /100,000 columns.*at most 2,000/,
      ],
    ];
    for (const [name, file, reason] of bombs) {
      expect(file.length, name).toBeLessThan(2 * 1024 * 1024);
      const watched = await uploadWatched(file, name);
      expect(watched.res.statusCode, `${name}: ${JSON.stringify(watched.res.body)}`).toBe(400);
      expect(watched.res.contentType).toMatch(/problem\+json/);
      expect(watched.res.body.detail, name).toMatch(reason);
      expect(watched.res.body.errors[0]?.field).toBe('body.file');
      expect(watched.healthAnswers, name).toBeGreaterThan(0);
      // A workbook bomb read on the server's own thread stalls it for seconds; read in its thread, the loop stalls for tens of
      // milliseconds alone, and for some hundreds when the full suite's processes share two cores with it. The
      // bound sits between the two.
      expect(watched.slowestHealthMs, name).toBeLessThan(2000);
      expect(watched.maxLoopStallMs, name).toBeLessThan(2000);
      expect(watched.peakHeapGrowthMb, name).toBeLessThan(64);
      expect(watched.heapGrowthMb, name).toBeLessThan(16);
    }
  }, 120_000);

  it('fails an import (not the server) whose workbook goes bad after its header row', async () => {
    // The header reads; a later cell is longer than any cell may be. Random letters do not compress, so only the
    // cell limit stops it.
    const letters = Array.from({ length: READ_LIMITS.maxCellChars + 10 }, (_, i) =>
      String.fromCharCode(97 + ((i * 7919) % 26)),
    ).join('');
    const file = await workbook(
      sheetOf(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>First Name</t></is></c></row>' +
          '<row r="2"><c r="A2" t="inlineStr"><is><t>Sara</t></is></c></row>' +
          `<row r="3"><c r="A3" t="inlineStr"><is><t>${letters}</t></is></c></row>`,
      ),
    );
    const res = await upload({ object: 'people' }, file, 'late.xlsx');
    expect(res.statusCode, res.body).toBe(202);
    const { id } = res.json() as { id: string };
    expect(await runImport(t.handle.db, admin.workspaceId, id)).toBe('failed');
    const view = (
      await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { cookie: admin.cookie } })
    ).json();
    expect(view).toMatchObject({ status: 'failed', counts: { created: 0 } });
    expect(view.error).toMatch(/more than 32767 characters/);
  });

  it('stops a workbook part that inflates beyond the size its directory declares', async () => {
    // 40 MB of empty rows, declared in the central directory as 10,000 bytes (under every limit and ratio).
    const file = await workbook(() =>
      streamed(function* () {
        yield '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>';
        const rows = '<row/>'.repeat(100_000);
        for (let i = 0; i < 66; i++) yield rows;
        yield '</sheetData></worksheet>';
      }),
    );
    // Each central directory entry: signature, …, uncompressed size at 24, name length at 28, name at 46.
    let patched = 0;
    for (let at = file.indexOf('PK\u0001\u0002'); at >= 0; at = file.indexOf('PK\u0001\u0002', at + 4)) {
      const nameLength = file.readUInt16LE(at + 28);
      if (file.subarray(at + 46, at + 46 + nameLength).toString() !== 'xl/worksheets/sheet1.xml') continue;
      expect(file.readUInt32LE(at + 24)).toBeGreaterThan(30_000_000);
      file.writeUInt32LE(10_000, at + 24);
      patched += 1;
    }
    expect(patched).toBe(1);
    await expect(allRows(inMemory(file), 'xlsx')).rejects.toThrow(
      /part xl\/worksheets\/sheet1.xml inflates to more than the 10000 bytes it declares/,
    );
  });

  it('caps the shared strings table, a worksheet’s columns and the header row, each with a sentence', async () => {
    const strings = (n: number) =>
      `<sst>${Array.from({ length: n }, (_, i) => `<si><t>s${i}</t></si>`).join('')}</sst>`;
    const header = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>';
    const limits = { ...READ_LIMITS, maxSharedStrings: 100 };
    await expect(
      allRows(inMemory(await workbook(sheetOf(header), strings(101))), 'xlsx', { limits }),
    ).rejects.toThrow(/shared strings table holds more than 100 strings/);
    expect(
      await allRows(inMemory(await workbook(sheetOf(header), strings(100))), 'xlsx', { limits }),
    ).toEqual([['s0']]);
    await expect(
      allRows(inMemory(await workbook(sheetOf('<row r="1"><c r="ZZ1"><v>1</v></c></row>'))), 'xlsx', {
        limits: { ...READ_LIMITS, maxColumns: 100 },
      }),
    ).rejects.toThrow(/more than 100 columns/);
    await expect(
      allRows(inMemory(Buffer.from(`${'h'.repeat(300)},b\n1,2\n`)), 'csv', {
        limits: { ...READ_LIMITS, maxHeaderChars: 256 },
      }),
    ).rejects.toThrow(/header row holds 301 characters/);
  });

  it('fails a read that needs more memory than its thread may use, with a sentence, and the server lives on', async () => {
    // 400,000 shared strings of 40 characters (within every limit), read by a thread allowed 16 MiB.
    const strings = await workbook(sheetOf('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), () =>
      streamed(function* () {
        yield '<sst>';
        for (let block = 0; block < 400_000; block += 10_000)
          yield Array.from(
            { length: 10_000 },
            (_, i) => `<si><t>${String(block + i).padStart(40, 'abcdefghij')}</t></si>`,
          ).join('');
        yield '</sst>';
      }),
    );
    const { rows } = await readRows(inMemory(strings), 'xlsx', { heapMb: 16 });
    await expect(
      (async () => {
        for await (const _ of rows);
      })(),
    ).rejects.toThrow(/needs more than the 16 MiB of memory an import may use/);
    expect((await t.app.inject('/healthz')).statusCode).toBe(200);
    // A small file reads in a thread that small; the big one in a thread with the normal heap.
    const small = await workbook(
      sheetOf('<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'),
    );
    let n = 0;
    for await (const _ of (await readRows(inMemory(small), 'xlsx', { heapMb: 16 })).rows) n += 1;
    for await (const _ of (await readRows(inMemory(strings), 'xlsx')).rows) n += 1;
    expect(n).toBe(2);
  });

  it('reads a workbook’s first sheet as the workbook orders it, with dates, booleans and rich text', async () => {
    const file = await zip({
      'xl/workbook.xml':
        '<workbook xmlns:r="r"><sheets><sheet name="B" r:id="rId2"/><sheet name="A" r:id="rId1"/></sheets></workbook>',
      'xl/_rels/workbook.xml.rels':
        '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Target="/xl/worksheets/sheet2.xml"/></Relationships>',
      'xl/worksheets/sheet1.xml': sheetOf(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>wrong sheet</t></is></c></row>',
      ),
      'xl/worksheets/sheet2.xml': sheetOf(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><r><t>Bo</t></r><r><t>rn</t></r></is></c></row>' +
          '<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3" s="1"><v>45000</v></c><c r="C3" s="1"><v>45000.5</v></c><c r="D3"><f>1+1</f><v>2</v></c><c r="E3" t="e"><v>#DIV/0!</v></c></row>',
      ),
      'xl/styles.xml':
        '<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts><cellStyleXfs><xf numFmtId="14"/></cellStyleXfs><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>',
      'xl/sharedStrings.xml': '<sst><si><t>Name &amp; more</t><rPh><t>phonetic</t></rPh></si></sst>',
    });
    expect(await allRows(inMemory(file, 100), 'xlsx')).toEqual([
      ['Name & more', '', 'Born'],
      ['true', '2023-03-15', '2023-03-15T12:00:00.000Z', '2'],
    ]);
  });

  it('refuses text that is not UTF-8 unless told its encoding, and reads it when told', async () => {
    const japanese = iconv.encode('First Name,Last Name\r\n太郎,山田\r\n', 'shift_jis');
    const refused = await upload({ object: 'people' }, japanese, 'sjis.csv');
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().detail).toMatch(/not UTF-8.*encoding option.*shift_jis/);

    const told = await upload({ object: 'people', encoding: 'shift_jis' }, japanese, 'sjis.csv');
    expect(told.statusCode, told.body).toBe(202);
    expect(await runImport(t.handle.db, admin.workspaceId, told.json().id)).toBe('done');
    const people = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/objects/people?filter=${encodeURIComponent('{"field":"lastName","op":"eq","value":"山田"}')}`,
        headers: { cookie: admin.cookie },
      })
    ).json().data;
    expect(people).toMatchObject([{ firstName: '太郎' }]);

    // Valid UTF-8 for its first 4 MB, then a byte that is not. Read in stored chunks, the header row and the rows
    // before it come out, then the read fails instead of writing U+FFFD; uploaded (in one piece here), it is refused.
    const good = Array.from({ length: 300_000 }, (_, i) => `Valid${i},Row`).join('\n');
    const broken = Buffer.concat([
      Buffer.from(`First Name,Last Name\n${good}\n`),
      Buffer.from([0x42, 0xff, 0x2c, 0x58, 0x0a]),
    ]);
    const reason = new RegExp(`not UTF-8 text \\(byte ${broken.length - 3} is not valid UTF-8\\)`);
    const { rows } = await openRows(inMemory(broken, 64 * 1024), 'csv');
    let read = 0;
    await expect(
      (async () => {
        for await (const _ of rows) read += 1;
      })(),
    ).rejects.toThrow(reason);
    expect(read).toBeGreaterThan(0);
    const late = await upload({ object: 'people' }, broken, 'late.csv');
    expect(late.statusCode, late.body).toBe(400);
    expect(late.json().detail).toMatch(reason);
  });
});
