import { StringDecoder } from 'node:string_decoder';

// Asterisk's Manager Interface speaks in blocks of `Key: Value` lines, each block ended by an empty line, after a
// one-line banner (`Asterisk Call Manager/5.0.1`). Chunks from the socket cut anywhere — inside a line, inside a
// UTF-8 character — so the parser keeps what it has not finished. Everything it keeps is bounded: a line longer
// than `maxLine` is dropped up to its end (and its block with it), a block of more than `maxKeys` lines is dropped,
// so a hostile or broken peer can make it skip data but never grow its memory.

/** One AMI block: keys lower-cased (AMI's keys are matched case-insensitively), values trimmed. */
export type AmiMessage = Readonly<Record<string, string>>;

export interface AmiParserOptions {
  /** The longest line kept, in characters (8 KiB by default). */
  maxLine?: number | undefined;
  /** The most lines a block may have (200 by default). */
  maxKeys?: number | undefined;
}

/** Reads AMI blocks from a byte stream; `push` each chunk, blocks come out through `onMessage`. */
export class AmiParser {
  readonly #decoder = new StringDecoder('utf8');
  readonly #onMessage: (message: AmiMessage) => void;
  readonly #maxLine: number;
  readonly #maxKeys: number;
  #partial = '';
  /** Inside a line too long to keep: drop until its end. */
  #skipping = false;
  /** The current block lost a line: drop it when it ends. */
  #broken = false;
  #block: Record<string, string> = Object.create(null);
  #keys = 0;
  /** Blocks dropped for being malformed or too large (for the log). */
  dropped = 0;

  constructor(onMessage: (message: AmiMessage) => void, options: AmiParserOptions = {}) {
    this.#onMessage = onMessage;
    this.#maxLine = options.maxLine ?? 8192;
    this.#maxKeys = options.maxKeys ?? 200;
  }

  push(chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    while (text.length > 0) {
      const nl = text.indexOf('\n');
      if (nl === -1) {
        if (this.#skipping) return;
        if (this.#partial.length + text.length > this.#maxLine) {
          this.#partial = '';
          this.#skipping = true;
          this.#broken = true;
          return;
        }
        this.#partial += text;
        return;
      }
      const piece = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (this.#skipping) {
        this.#skipping = false;
        continue;
      }
      if (this.#partial.length + piece.length > this.#maxLine) {
        this.#partial = '';
        this.#broken = true;
        continue;
      }
      const line = (this.#partial + piece).replace(/\r$/, '');
      this.#partial = '';
      this.#line(line);
    }
  }

  #line(line: string): void {
    if (line.trim() === '') {
      if (this.#keys > 0 && !this.#broken) this.#onMessage(this.#block);
      else if (this.#broken) this.dropped += 1;
      this.#block = Object.create(null);
      this.#keys = 0;
      this.#broken = false;
      return;
    }
    const colon = line.indexOf(':');
    // The banner and command output have no key: they are not events.
    if (colon <= 0) return;
    if (this.#keys >= this.#maxKeys) {
      this.#broken = true;
      return;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    // NUL and other control characters are never part of a value Rabita uses.
    const value = line
      .slice(colon + 1)
      .replace(/\p{Cc}/gu, '')
      .trim();
    if (!/^[a-z0-9_-]{1,64}$/.test(key)) return;
    if (!(key in this.#block)) this.#keys += 1;
    this.#block[key] = value;
  }
}

/** An AMI action as sent: `Key: Value` lines and the empty line; values must not hold line breaks. */
export function amiAction(fields: Readonly<Record<string, string>>): string {
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (/[\r\n]/.test(key) || /[\r\n]/.test(value)) throw new Error('An AMI value cannot hold a line break.');
    out += `${key}: ${value}\r\n`;
  }
  return `${out}\r\n`;
}
