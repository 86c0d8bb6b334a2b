import type { ChildProcess } from 'node:child_process';

/**
 * Sends `signal` to the whole process group of a child spawned with `detached: true`, so what it
 * started (a shell's commands, pg_dump's workers) stops with it. A group already gone is not an error.
 */
export function killProcessGroup(child: Pick<ChildProcess, 'pid'>, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}
