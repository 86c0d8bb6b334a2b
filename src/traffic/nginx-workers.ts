import { readdir, readFile } from 'node:fs/promises';

export interface NginxWorker {
  pid: number;
  /** Old generation after a reload: nginx retitles it "worker process is shutting down". */
  shuttingDown: boolean;
}

async function masterPid(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Worker processes of the nginx master named in `pidFile`, found through Linux /proc. */
export async function listNginxWorkers(pidFile: string): Promise<NginxWorker[]> {
  const master = await masterPid(pidFile);
  if (master === undefined) return [];
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const workers: NginxWorker[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
    const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
    if (ppid !== master) continue;
    const title = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    if (!title.includes('worker process')) continue;
    workers.push({ pid: Number(entry), shuttingDown: title.includes('shutting down') });
  }
  return workers;
}

/**
 * True once nginx has acted on a reload: a worker that did not exist before is running and every
 * worker from before is gone or shutting down (it no longer accepts new connections).
 */
export function reloadTookEffect(before: ReadonlySet<number>, now: readonly NginxWorker[]): boolean {
  const fresh = now.some((w) => !before.has(w.pid) && !w.shuttingDown);
  const oldStillServing = now.some((w) => before.has(w.pid) && !w.shuttingDown);
  return fresh && !oldStillServing;
}
