/*
 * After Y's `kong migrations`, rows that differ from X's are only known to differ: the migrations ran,
 * and some of them are known to rewrite particular columns. Those are explained; a change to any other
 * column is a difference (for example a plugin disabled by hand on Y). Pure; versions are passed in.
 */

export interface ChangedTable {
  /** `schema.table`. */
  table: string;
  changedCount: number;
  /** Columns whose values differ in the rows inspected. */
  changedColumns: string[];
}

export interface MigratedChangeJudgement {
  table: string;
  changedCount: number;
  /** Columns a known Kong migration rewrites, with the reason. */
  explained: { column: string; why: string }[];
  /** Columns no known migration rewrites: a difference. */
  unexplained: string[];
}

interface KnownRewrite {
  table: string;
  column: string;
  /** The migration runs when X is below this version and Y at or above it. */
  since: [number, number];
  why: string;
}

const KNOWN_REWRITES: KnownRewrite[] = [
  {
    table: 'routes',
    column: 'paths',
    since: [3, 0],
    why: "Kong 3.0's migration 016_280_to_300 prefixes regex paths with `~`",
  },
  {
    table: 'targets',
    column: 'cache_key',
    since: [3, 0],
    // 016_280_to_300's teardown: CONCAT('targets:', upstream_id, ':', target, '::::', ws_id). It
    // leaves plugins' cache_key alone, so a plugins.cache_key difference is a real difference.
    why: "Kong 3.0's migration 016_280_to_300 sets targets' cache_key",
  },
  {
    table: 'plugins',
    column: 'config',
    since: [3, 6],
    // kong.md §4, item 15: rate-limiting's 006_350_to_360 (3.6.0) makes the flat fields a record.
    why: 'the rate-limiting and response-ratelimiting migrations (3.6+, 3.9) move the flat `redis_*` fields into `config.redis`',
  },
];

function majorMinor(version: string | null | undefined): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec((version ?? '').trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const below = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** Splits each table's changed columns into those a known migration rewrites between the versions and the rest. */
export function judgeMigratedChanges(
  tables: readonly ChangedTable[],
  fromVersion: string | null | undefined,
  toVersion: string | null | undefined,
): MigratedChangeJudgement[] {
  const from = majorMinor(fromVersion);
  const to = majorMinor(toVersion);
  return tables
    .filter((t) => t.changedCount > 0)
    .map((t) => {
      const name = t.table.replace(/^[^.]+\./, '');
      const explained: MigratedChangeJudgement['explained'] = [];
      const unexplained: string[] = [];
      for (const column of t.changedColumns) {
        const rule = KNOWN_REWRITES.find(
          (r) =>
            r.table === name &&
            r.column === column &&
            // Unknown versions: give the migration the benefit of the doubt.
            (!from || !to || (below(from, r.since) && !below(to, r.since))),
        );
        if (rule) explained.push({ column, why: rule.why });
        else unexplained.push(column);
      }
      return { table: t.table, changedCount: t.changedCount, explained, unexplained };
    });
}
