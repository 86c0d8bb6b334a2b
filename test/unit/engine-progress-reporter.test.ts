import { describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../src/engine/progress-reporter.js';
import type { Notifier } from '../../src/slack/notifier.js';

/** A notifier that records posts and updates (the Notifier interface's fake for unit tests). */
function recorder() {
  const posts: string[] = [];
  const updates: Array<{ ts: string; text: string }> = [];
  const notifier = {
    async post(m: { text: string }) {
      posts.push(m.text);
      return { ts: '1700000000.000300' };
    },
    async update(m: { ts: string; text: string }) {
      updates.push({ ts: m.ts, text: m.text });
    },
  } as unknown as Notifier;
  return { posts, updates, notifier };
}

describe('progress reporter', () => {
  it('replaces a bar that will not finish by where it stopped, so no stale bar is left', async () => {
    const r = recorder();
    const progress = createProgressReporter({
      notifier: r.notifier,
      channel: 'C1',
      threadTs: '1700000000.000100',
      title: 'Restore',
    });
    await progress.report({ done: 3, total: 8, label: 'services' });
    expect(r.posts[0]).toContain('Restore: services');
    await progress.stop('failed');
    expect(r.updates).toEqual([
      { ts: '1700000000.000300', text: 'Restore stopped at 38 % (3/8): it failed, see below.' },
    ]);
  });

  it('says a retry and a run that moved on differently, and posts nothing when no bar was shown', async () => {
    const r = recorder();
    const make = () =>
      createProgressReporter({ notifier: r.notifier, channel: 'C1', threadTs: null, title: 'Backup' });
    const retried = make();
    await retried.report({ done: 1, total: 4, label: 'x' });
    await retried.stop('retrying');
    const moved = make();
    await moved.report({ done: 4, total: 4, label: 'x' });
    await moved.stop('stopped');
    await make().stop('failed');
    expect(r.updates.map((u) => u.text)).toEqual([
      ':hourglass: Backup stopped at 25 % (1/4); it will be tried again.',
      'Backup stopped at 100 % (4/4): the run moved on.',
    ]);
  });
});
