/**
 * Reads remembered for one transaction, by key: what code run once per record of a batch (record hooks, mail
 * intakes, an import) reads of rows that do not change under that transaction — a deal's stage, a mailbox's
 * settings — is read once. A failed read (a savepoint rolled back) is not remembered; a write to what was read
 * forgets it (`forgetIn`). Kept in a WeakMap on the transaction object, so it ends with it.
 */
const remembered = new WeakMap<object, Map<string, Promise<unknown>>>();

export function rememberedIn<T>(trx: object, key: string, read: () => Promise<T>): Promise<T> {
  let cache = remembered.get(trx);
  if (!cache) {
    cache = new Map();
    remembered.set(trx, cache);
  }
  let value = cache.get(key) as Promise<T> | undefined;
  if (!value) {
    const fresh = read();
    const held = cache;
    fresh.catch(() => held.delete(key));
    value = fresh;
    cache.set(key, value);
  }
  return value;
}

/** Forgets what `rememberedIn` holds under `key` for the transaction (its row was just written). */
export function forgetIn(trx: object, key: string): void {
  remembered.get(trx)?.delete(key);
}
