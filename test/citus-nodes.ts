// Test databases on a Citus cluster (RABITA_TEST_CITUS=1, TEST_DATABASE_URL at the coordinator): created on every
// node, copied node by node from a migrated template, and dropped workers first. OPERATIONS.md, "Running the tests
// on the cluster".
import pg from 'pg';

export interface CitusNode {
  nodename: string;
  nodeport: number;
}

/** A node's URL for a database on it (the admin URL's user and password). */
export function nodeUrl(adminUrl: string, node: CitusNode, database: string): string {
  const u = new URL(adminUrl);
  u.hostname = node.nodename;
  u.port = String(node.nodeport);
  u.pathname = `/${database}`;
  return u.toString();
}

async function onNode<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

function coordinatorOf(adminUrl: string): CitusNode {
  const u = new URL(adminUrl);
  return { nodename: u.hostname, nodeport: Number(u.port || 5432) };
}

/** The cluster's primary workers, from the coordinator's admin database. */
export async function citusWorkers(adminUrl: string): Promise<CitusNode[]> {
  return onNode(adminUrl, async (c) => {
    const { rows } = await c.query<CitusNode>(
      `select nodename, nodeport from pg_dist_node where groupid <> 0 and noderole = 'primary' order by nodeport`,
    );
    return rows;
  });
}

/**
 * A new Citus database: created on every node, the extension in it everywhere, the coordinator's host set and the
 * workers added (Citus's metadata is per database).
 */
export async function createCitusDatabase(adminUrl: string, name: string): Promise<CitusNode[]> {
  const workers = await onNode(adminUrl, async (c) => {
    await c.query('set citus.enable_create_database_propagation = on');
    await c.query(`create database ${name}`);
    const { rows } = await c.query<CitusNode>(
      `select nodename, nodeport from pg_dist_node where groupid <> 0 and noderole = 'primary' order by nodeport`,
    );
    return rows;
  });
  for (const w of workers) await onNode(nodeUrl(adminUrl, w, name), (c) => c.query('create extension citus'));
  const coordinator = coordinatorOf(adminUrl);
  await onNode(nodeUrl(adminUrl, coordinator, name), async (c) => {
    await c.query('create extension citus');
    await c.query('select citus_set_coordinator_host($1, $2)', [coordinator.nodename, coordinator.nodeport]);
    for (const w of workers) await c.query('select citus_add_node($1, $2)', [w.nodename, w.nodeport]);
  });
  return workers;
}

/**
 * Makes a migrated Citus database a template on every node: no connections allowed, and the sessions on it (Citus's
 * maintenance daemon among them) ended, so `create database … template` can copy it.
 */
export async function freezeCitusTemplate(
  adminUrl: string,
  workers: CitusNode[],
  name: string,
): Promise<void> {
  const admin = new URL(adminUrl).pathname.slice(1) || 'postgres';
  for (const node of [...workers, coordinatorOf(adminUrl)]) {
    await onNode(nodeUrl(adminUrl, node, admin), async (c) => {
      await c.query('update pg_database set datallowconn = false where datname = $1', [name]);
      for (let attempt = 0; ; attempt++) {
        const { rows } = await c.query<{ n: number }>(
          `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1`,
          [name],
        );
        if (rows[0]?.n === 0) break;
        if (attempt > 100) throw new Error(`sessions on the template ${name} did not end`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
  }
}

/**
 * A copy of a frozen template, made on each node from that node's copy of the template: the coordinator's
 * metadata names the same shards, which each worker's copy holds, and each copy is a cluster database of its own.
 * A database's own settings (`alter database … set`, such as the Citus step's `citus.propagate_set_commands`) are
 * not part of a copy; each node's are given to its copy once every copy exists.
 */
export async function copyCitusDatabase(
  adminUrl: string,
  workers: CitusNode[],
  template: string,
  name: string,
): Promise<void> {
  const admin = new URL(adminUrl).pathname.slice(1) || 'postgres';
  const nodes = [coordinatorOf(adminUrl), ...workers];
  for (const node of nodes) {
    await onNode(nodeUrl(adminUrl, node, admin), async (c) => {
      await c.query('set citus.enable_create_database_propagation = off');
      // Copying a template fails while another copy of it is being made; retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          await c.query(`create database ${name} template ${template}`);
          return;
        } catch (error) {
          if (attempt > 50 || (error as { code?: string }).code !== '55006') throw error;
          await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
        }
      }
    });
  }
  for (const node of nodes) {
    await onNode(nodeUrl(adminUrl, node, admin), async (c) => {
      const { rows } = await c.query<{ role: string | null; setting: string }>(
        `select r.rolname as role, unnest(s.setconfig) as setting
         from pg_db_role_setting s left join pg_roles r on r.oid = s.setrole
         where s.setdatabase = (select oid from pg_database where datname = $1)`,
        [template],
      );
      for (const { role, setting } of rows) {
        const at = setting.indexOf('=');
        const key = setting.slice(0, at);
        const value = setting.slice(at + 1).replaceAll("'", "''");
        const target = role ? `role "${role}" in database ${name}` : `database ${name}`;
        await c.query(`alter ${target} set ${key} = '${value}'`);
      }
    });
  }
}

/**
 * Drops a Citus database: the workers' copies first, one node at a time, and the coordinator's last. Each node's
 * Citus maintenance daemon for the database keeps connecting to the other nodes' copies (deadlock detection,
 * two-phase commit recovery). Citus's own propagated drop drops the coordinator's copy first and holds its lock while
 * it drops the workers': a worker's daemon then waits to connect to the coordinator's copy, does not exit on the
 * drop's SIGTERM, and the worker's drop gives up after 5 s ("database … is being accessed by other users", the one
 * other session being that daemon). Dropped in this order, no node waits on a node that is dropping.
 */
export async function dropCitusDatabase(adminUrl: string, workers: CitusNode[], name: string): Promise<void> {
  const admin = new URL(adminUrl).pathname.slice(1) || 'postgres';
  for (const node of [...workers, coordinatorOf(adminUrl)]) {
    await onNode(nodeUrl(adminUrl, node, admin), async (c) => {
      await c.query('set citus.enable_create_database_propagation = off');
      await c.query(`drop database if exists ${name} with (force)`);
    });
  }
}

/** Drops what a run left on the workers (databases named like `pattern`), as `dropCitusDatabase` would. */
export async function dropWorkerCopies(adminUrl: string, pattern: string): Promise<void> {
  const admin = new URL(adminUrl).pathname.slice(1) || 'postgres';
  for (const w of await citusWorkers(adminUrl)) {
    await onNode(nodeUrl(adminUrl, w, admin), async (c) => {
      const { rows } = await c.query<{ datname: string }>(
        'select datname from pg_database where datname like $1',
        [pattern],
      );
      for (const { datname } of rows) await c.query(`drop database if exists ${datname} with (force)`);
    });
  }
}
