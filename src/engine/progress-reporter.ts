import type { Notifier } from '../slack/notifier.js';

export interface Progress {
  done: number;
  total: number;
  label: string;
}

export interface ProgressReporter {
  /** Shown as a bar in one thread message per job, updated in place (coalesced to 1/s). */
  report(progress: Progress): Promise<void>;
  /**
   * The job ended without finishing (failed, will be retried, or stopped because the run moved on):
   * the bar is replaced by where it stopped, so no "Restore … 37 %" is left looking alive.
   */
  stop(how: 'failed' | 'retrying' | 'stopped'): Promise<void>;
}

export function progressBar(done: number, total: number, cells = 20): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(ratio * cells);
  return `${'█'.repeat(filled)}${'░'.repeat(cells - filled)} ${Math.round(ratio * 100)} %`;
}

/**
 * One progress message per job in the run's thread: posted at the first report, then updated
 * through the notifier (which coalesces updates to at most one per second per message).
 */
export function createProgressReporter(options: {
  notifier: Notifier;
  channel: string;
  threadTs: string | null;
  title: string;
  onProgress?: (p: Progress) => Promise<void> | void;
}): ProgressReporter {
  let ts: Promise<string | null> | null = null;
  let last: Progress | null = null;
  return {
    async stop(how) {
      const messageTs = ts ? await ts : null;
      if (!messageTs || !last) return;
      const pct = last.total > 0 ? Math.round(Math.min(1, last.done / last.total) * 100) : 0;
      const said = {
        failed: `${options.title} stopped at ${pct} % (${last.done}/${last.total}): it failed, see below.`,
        retrying: `:hourglass: ${options.title} stopped at ${pct} % (${last.done}/${last.total}); it will be tried again.`,
        stopped: `${options.title} stopped at ${pct} % (${last.done}/${last.total}): the run moved on.`,
      }[how];
      await options.notifier
        .update({ channel: options.channel, ts: messageTs, text: said })
        .catch(() => undefined);
    },
    async report(p) {
      last = p;
      await options.onProgress?.(p);
      const text = `${options.title}: ${p.label}\n\`${progressBar(p.done, p.total)}\` ${p.done}/${p.total}`;
      if (!ts) {
        ts = options.notifier
          .post({ channel: options.channel, threadTs: options.threadTs, text, priority: 'low' })
          .then((r) => r.ts)
          .catch(() => null);
        await ts;
        return;
      }
      const messageTs = await ts;
      if (messageTs)
        await options.notifier
          .update({ channel: options.channel, ts: messageTs, text, priority: 'low' })
          .catch(() => undefined);
    },
  };
}
