/**
 * What every benchmark returns (docs/contract.md#performance-targets: "each prints a ratio measured in one run"). `ratio` is ours
 * over the baseline measured in the same run (for detect-statistics: intervals until the regression
 * fails); `ok` says whether the target was met, `target` says what the target is in words.
 */
export interface BenchResult {
  name: string;
  ratio: number;
  target: string;
  ok: boolean;
  details: Record<string, unknown>;
  /** What was measured on our side, e.g. `p99 12.3 ms`, for the summary table. */
  measured?: string;
  /** The same figure for the baseline, e.g. `p99 10.1 ms`. */
  baseline?: string;
}
