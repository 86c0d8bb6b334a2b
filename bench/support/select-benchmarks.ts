export interface BenchEntry<R> {
  name: string;
  /** Other names accepted on the command line, e.g. `detect` for `detect-statistics`. */
  aliases?: readonly string[];
  /** What the benchmark does and roughly how long, printed before it starts. */
  about: string;
  run: () => Promise<R>;
}

/**
 * The benchmarks named on the command line, in the order given (all of them when none is named).
 * An unknown name is an error listing the known ones, so a typo never runs nothing and "passes".
 */
export function selectBenchmarks<R>(
  all: readonly BenchEntry<R>[],
  names: readonly string[],
): BenchEntry<R>[] {
  if (names.length === 0) return [...all];
  const picked: BenchEntry<R>[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const wanted = name.toLowerCase();
    const entry = all.find((e) => e.name === wanted || (e.aliases ?? []).includes(wanted));
    if (entry === undefined) unknown.push(name);
    else if (!picked.includes(entry)) picked.push(entry);
  }
  if (unknown.length > 0) {
    const known = all.map((e) => [e.name, ...(e.aliases ?? [])].join(' | ')).join(', ');
    throw new Error(`Unknown benchmark ${unknown.map((n) => `"${n}"`).join(', ')}. Known: ${known}.`);
  }
  return picked;
}
