import type pg from 'pg';

type Query = (...args: unknown[]) => unknown;

/** Statements PostgreSQL plans: worth keeping prepared (transaction control and utility statements are not). */
const PLANNED = /^\s*(select|insert|update|delete|with)\b/i;

/** How many statement texts seen once a connection remembers, per statement it keeps prepared. */
const SEEN_PER_KEPT = 4;

/**
 * Keeps the statements a pool client runs again and again prepared on its connection: the second time a
 * parameterised statement's text is sent, it goes as a named statement, so PostgreSQL parses it once and, after a
 * few runs, reuses its plan (the plan cache's own choice between a generic and a custom plan). At most `size` are
 * kept per connection, the least recently used one deallocated when another comes in; a text seen only once (one
 * with an inlined literal, say) is never prepared. A statement PostgreSQL refuses to run from its cached plan (a
 * migration changed the columns under a `select *`) is prepared afresh next time.
 */
export function cacheStatements(client: pg.PoolClient, size: number): void {
  if (size <= 0) return;
  const query = client.query.bind(client) as Query;
  const kept = new Map<string, string>(); // text → statement name, least recently used first
  const seen = new Map<string, true>(); // texts sent once, oldest first
  let next = 0;
  const connection = (client as unknown as { connection?: { parsedStatements?: Record<string, string> } })
    .connection;
  const forget = (name: string) => {
    // In order on the connection, before whatever is sent next; a failure (an aborted transaction) leaves one
    // statement behind until the connection closes.
    (query(`deallocate ${name}`) as Promise<unknown>).catch(() => {});
    if (connection?.parsedStatements) delete connection.parsedStatements[name];
  };
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values) || !PLANNED.test(text))
      return query(...args);
    let name = kept.get(text);
    if (name !== undefined) {
      kept.delete(text);
      kept.set(text, name);
    } else if (seen.delete(text)) {
      name = `rabita_s${(next++).toString(36)}`;
      kept.set(text, name);
      if (kept.size > size) {
        const [oldText, oldName] = kept.entries().next().value as [string, string];
        kept.delete(oldText);
        forget(oldName);
      }
    } else {
      seen.set(text, true);
      if (seen.size > size * SEEN_PER_KEPT) seen.delete(seen.keys().next().value as string);
      return query(...args);
    }
    const statement = name;
    const result = query({ name: statement, text, values }) as Promise<unknown>;
    result.catch((error: { code?: string } | undefined) => {
      // "cached plan must not change result type"
      if (error?.code === '0A000' && kept.get(text) === statement) {
        kept.delete(text);
        forget(statement);
      }
    });
    return result;
  }) as typeof client.query;
}
