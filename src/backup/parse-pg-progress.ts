/**
 * The table a `--verbose` line of pg_dump/pg_restore starts working on, or null.
 * pg_dump:    `pg_dump: dumping contents of table "public.routes"`
 * pg_restore: `pg_restore: processing data for table "public.routes"`
 * Parallel workers share stderr, so lines can arrive glued together; the pattern is searched
 * anywhere in the line.
 */
export function parsePgProgressLine(line: string): string | null {
  const match = /(?:dumping contents of|processing data for) table "((?:[^"]|"")+)"/.exec(line);
  return match?.[1] ?? null;
}

export interface PgProgress {
  done: number;
  total: number;
  table?: string;
}

/** Counts distinct tables seen in progress lines; never reports more than `total`. */
export function createProgressTracker(total: number, onProgress?: (p: PgProgress) => void) {
  const seen = new Set<string>();
  return {
    line(line: string): void {
      const table = parsePgProgressLine(line);
      if (table === null || seen.has(table)) return;
      seen.add(table);
      onProgress?.({ done: Math.min(seen.size, total), total, table });
    },
    get done(): number {
      return Math.min(seen.size, total);
    },
  };
}
