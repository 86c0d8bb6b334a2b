import type { Logger } from 'pino';
import type { Gate } from '../domain/gate.js';
import { isTerminal } from '../domain/run.js';
import type { Store } from '../store/create-store.js';
import type { RunChangeFeed } from '../store/run-change-feed.js';
import { homeView } from './blocks/home-view.js';

/** Tabs of people who looked within this many days are kept up to date. */
const VIEWER_DAYS = 7;
const MAX_VIEWERS = 100;
/** Run changes come in bursts (a step writes several rows): one refresh per burst. */
const REFRESH_DELAY_MS = 2000;

export interface HomeTab {
  /** `app_home_opened`: records the visit and publishes the tab for that user. */
  opened(userId: string): Promise<void>;
  /** Publishes the tab of every recent viewer (after a run changed). */
  refresh(): Promise<void>;
  close(): void;
}

/**
 * The App Home tab (`views.publish`): built from PostgreSQL, published when someone opens it and again
 * (debounced) whenever a run changes, for everyone who opened it in the last week. Publishing failures
 * are logged and never touch a run.
 */
export function createHomeTab(deps: {
  store: Store;
  publish: (userId: string, view: Record<string, unknown>) => Promise<void>;
  log: Logger;
  runChanges?: Pick<RunChangeFeed, 'start' | 'subscribe'>;
  refreshDelayMs?: number;
}): HomeTab {
  const { store, log } = deps;
  const build = async () => {
    const runs = await store.runs.listRuns({ limit: 60 });
    const active = runs.filter((r) => !isTerminal(r.phase));
    const recent = runs.filter((r) => isTerminal(r.phase));
    const pending = new Map<string, Gate[]>();
    for (const run of active) pending.set(run.id, await store.gates.pendingGates(run.id));
    return homeView({ active, recent, pending });
  };
  // What each user's tab last showed: most run changes (a comparison, a sample) change nothing on it,
  // and views.publish is rate-limited, so an unchanged tab is not sent again.
  const shown = new Map<string, string>();
  const publishTo = async (users: readonly string[], force: boolean) => {
    if (users.length === 0) return;
    const view = await build();
    const json = JSON.stringify(view);
    for (const user of users) {
      if (!force && shown.get(user) === json) continue;
      try {
        await deps.publish(user, view);
        if (shown.size >= MAX_VIEWERS * 2) shown.clear();
        shown.set(user, json);
      } catch (err) {
        log.warn({ err: (err as Error).message, user }, 'App Home tab could not be published');
      }
    }
  };
  // One publish at a time, each built when its turn comes: an older build never lands after a newer one.
  let chain: Promise<void> = Promise.resolve();
  const inTurn = (fn: () => Promise<void>): Promise<void> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };
  let timer: NodeJS.Timeout | undefined;
  const refresh = () =>
    inTurn(async () => {
      await publishTo(await store.homeViewers.recent(VIEWER_DAYS, MAX_VIEWERS), false);
    });
  const unsubscribe = deps.runChanges?.subscribe(() => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      refresh().catch((err: Error) => log.warn({ err: err.message }, 'App Home refresh failed'));
    }, deps.refreshDelayMs ?? REFRESH_DELAY_MS);
  });
  deps.runChanges?.start();
  return {
    async opened(userId) {
      await store.homeViewers.opened(userId);
      await inTurn(() => publishTo([userId], true));
    },
    refresh,
    close() {
      unsubscribe?.();
      if (timer) clearTimeout(timer);
    },
  };
}
