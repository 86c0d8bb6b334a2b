import { readdirSync, readFileSync } from 'node:fs';

/** True while any process of the group led by `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The command lines of every live process in the group `pgid` (Linux /proc), so a test can say what
 * a signal to the group reaches: e.g. that no wrapper stands between npm and the node running main.ts.
 */
export function groupCommandLines(pgid: number): string[] {
  const lines: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of stat is the process group; the command name (field 2) may hold spaces, so count
      // from the closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      if (cmdline) lines.push(cmdline);
    } catch {
      // The process ended while it was read.
    }
  }
  return lines;
}

/**
 * tsx's CLI relays a signal to its child and SIGKILLs it when the child has not acknowledged within
 * 2 × 30 ms; a child busy for that long (a big parse, a chart) dies mid-step instead of shutting down.
 * The npm scripts load tsx as a loader instead (`node --import tsx`): this matches the CLI's process.
 */
export const TSX_CLI = /tsx\/dist\/cli\.mjs|(^|\/)tsx( |$)/;
