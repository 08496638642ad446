/**
 * One writer per buffer folder. Two processes appending to one log would
 * interleave records and send each other's events; a lock file holding the
 * owner's pid prevents it. A lock left by a process that died (SIGKILL, OOM,
 * power loss) is stale and taken over, which is what makes a restart resume.
 */

import { open, readFile, rm } from 'node:fs/promises';
import { SdkError } from '@exhaust/core';

/** Folders this process holds: a second client on one folder in one process is refused too. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DirLock {
  release(): Promise<void>;
}

/**
 * Takes `file` for this process or throws `SdkError('storage_failed')` when a
 * live process (or another client of this one) holds it.
 *
 * @example const lock = await acquireDirLock('/var/lib/app/exhaust/events.v1.lock');
 */
export async function acquireDirLock(file: string): Promise<DirLock> {
  if (heldHere.has(file)) throw new SdkError('storage_failed', `${file} is already used by another client`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      heldHere.add(file);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          heldHere.delete(file);
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      // NOTE: our own pid here is stale too: containers restart the app as the same pid (often 1).
      if (owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new SdkError('storage_failed', `${file} is held by running process ${owner}`);
      }
      await rm(file, { force: true });
    }
  }
  throw new SdkError('storage_failed', `${file} could not be taken (another process raced for it)`);
}
