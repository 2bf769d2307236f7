/**
 * A Bloom filter of strings: says "maybe" or "certainly not". An import keeps one of the match keys already
 * in the workspace (and those it writes), so only rows whose key may exist cost a database lookup. About
 * 1.2 MB per million keys at a 1% false-positive rate.
 */
export class BloomFilter {
  readonly #bits: Uint32Array;
  readonly #size: number;
  readonly #hashes: number;

  constructor(expected: number, falsePositiveRate = 0.01) {
    const n = Math.max(1000, expected);
    this.#size = Math.ceil((-n * Math.log(falsePositiveRate)) / Math.LN2 ** 2);
    this.#hashes = Math.max(1, Math.round((this.#size / n) * Math.LN2));
    this.#bits = new Uint32Array(Math.ceil(this.#size / 32));
  }

  /** Two FNV-1a variants, combined (Kirsch–Mitzenmacher) into k positions. */
  #positions(key: string): number[] {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h2 |= 1;
    const out: number[] = [];
    for (let i = 0; i < this.#hashes; i++) out.push(((h1 + Math.imul(i, h2)) >>> 0) % this.#size);
    return out;
  }

  add(key: string): void {
    for (const p of this.#positions(key)) this.#bits[p >>> 5]! |= 1 << (p & 31);
  }

  mayHave(key: string): boolean {
    return this.#positions(key).every((p) => (this.#bits[p >>> 5]! & (1 << (p & 31))) !== 0);
  }
}
