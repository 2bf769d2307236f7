import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** A start-up problem with the data folder, phrased for the person starting Rabita. */
export class DataFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFolderError';
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a file stands where a folder is needed';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return code ?? String(error);
  }
}

/** Creates the data folder if needed and proves it is writable. */
export async function ensureWritableFolder(dir: string): Promise<void> {
  const fix = 'choose a folder you can write to with RABITA_DATA, or fix its permissions';
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.access(dir, constants.W_OK | constants.X_OK);
    const probe = path.join(dir, `.write-test-${process.pid}`);
    await fs.writeFile(probe, 'ok');
    await fs.rm(probe, { force: true });
  } catch (error) {
    throw new DataFolderError(`The data folder ${dir} is not writable (${reason(error)}); ${fix}.`);
  }
}

/** True when a process with this id runs on this machine. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when the holder recorded in `rabita.pid` is a process of this machine that no longer runs
 * (Rabita was killed outright), so its lock can be taken over at once instead of after it goes stale.
 */
async function holderIsGone(ownerFile: string): Promise<boolean> {
  try {
    const [pid, host] = (await fs.readFile(ownerFile, 'utf8')).trim().split(' ');
    const id = Number.parseInt(pid ?? '', 10);
    return host === os.hostname() && Number.isSafeInteger(id) && id > 0 && !isAlive(id);
  } catch {
    return false;
  }
}

/**
 * Takes the data folder for this process, so a second Rabita on the same folder stops at once.
 * The lock is refreshed while held and counts as stale 20 s after its holder stopped refreshing it, or at
 * once when the holder's process (recorded in `rabita.pid`) is gone from this machine.
 */
export async function lockDataFolder(
  dir: string,
  onLost: (error: Error) => void,
): Promise<() => Promise<void>> {
  const lockPath = path.join(dir, 'rabita.lock');
  const ownerFile = path.join(dir, 'rabita.pid');
  const take = () =>
    lockfile.lock(dir, {
      lockfilePath: lockPath,
      stale: 20_000,
      update: 5_000,
      retries: 0,
      realpath: false,
      onCompromised: onLost,
    });
  let release: () => Promise<void>;
  try {
    try {
      release = await take();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || !(await holderIsGone(ownerFile)))
        throw error;
      await fs.rm(lockPath, { recursive: true, force: true });
      release = await take();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new DataFolderError(
        `The data folder ${dir} is in use by another Rabita process; stop that process first, or set RABITA_DATA to another folder.`,
      );
    }
    throw new DataFolderError(
      `The data folder ${dir} could not be locked (${reason(error)}); check its permissions.`,
    );
  }
  await fs.writeFile(ownerFile, `${process.pid} ${os.hostname()}\n`);
  return async () => {
    await fs.rm(ownerFile, { force: true });
    await release();
  };
}
