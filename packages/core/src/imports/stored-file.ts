import { Readable } from 'node:stream';

/** An uploaded file as it is stored: numbered chunks of known sizes, read one at a time. */
export interface StoredFile {
  /** Each chunk's size in bytes, in order. */
  sizes: readonly number[];
  read(seq: number): Promise<Buffer>;
}

/** The file's bytes from start to end. */
export async function* fileBytes(file: StoredFile): AsyncIterable<Buffer> {
  for (let seq = 0; seq < file.sizes.length; seq++) yield await file.read(seq);
}

/** Reads byte ranges of a stored file (the zip reader jumps to the central directory, then to each part). */
export class RangeReader {
  readonly size: number;
  private readonly file: StoredFile;
  private readonly starts: number[] = [];
  private cached: { seq: number; data: Buffer } | undefined;

  constructor(file: StoredFile) {
    this.file = file;
    let at = 0;
    for (const size of file.sizes) {
      this.starts.push(at);
      at += size;
    }
    this.size = at;
  }

  private async chunk(seq: number): Promise<Buffer> {
    if (this.cached?.seq !== seq) this.cached = { seq, data: await this.file.read(seq) };
    return this.cached.data;
  }

  /** The bytes in [start, end), streamed chunk by chunk. */
  range(start: number, end: number): Readable {
    const self = this;
    async function* pieces() {
      // The last chunk starting at or before `start`.
      let lo = 0;
      let hi = self.starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (self.starts[mid]! <= start) lo = mid;
        else hi = mid - 1;
      }
      for (let seq = lo, at = start; at < end && seq < self.starts.length; seq++) {
        const data = await self.chunk(seq);
        const from = at - self.starts[seq]!;
        const to = Math.min(data.length, end - self.starts[seq]!);
        if (to > from) yield data.subarray(from, to);
        at = self.starts[seq]! + to;
      }
    }
    return Readable.from(pieces(), { objectMode: false });
  }
}
