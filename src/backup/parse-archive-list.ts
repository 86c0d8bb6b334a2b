export interface ArchiveContents {
  /** Schemas the archive creates (besides public, which always exists). */
  schemas: string[];
  /** Number of TABLE DATA entries: the total for restore progress. */
  tableData: number;
}

/**
 * Reads `pg_restore --list` output, e.g.
 * `6; 2615 16401 SCHEMA - s2 postgres` and `3352; 0 16388 TABLE DATA public a postgres`.
 */
export function parseArchiveList(text: string): ArchiveContents {
  const schemas: string[] = [];
  let tableData = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith(';') || line === '') continue;
    const entry = /^\d+;\s+\d+\s+\d+\s+(.*)$/.exec(line)?.[1];
    if (entry === undefined) continue;
    if (entry.startsWith('TABLE DATA ')) tableData++;
    // `SCHEMA - <name> <owner>`: a name may hold spaces; the owner is the last word.
    const schema = /^SCHEMA - (.+) \S+$/.exec(entry)?.[1];
    if (schema !== undefined && schema !== 'public') schemas.push(schema);
  }
  return { schemas, tableData };
}
