import { AppError } from '../errors.js';

/**
 * Parser for the Prometheus text exposition format 0.0.4, as Kong's Prometheus plugin emits it.
 *
 * Bad lines are skipped and reported in `badLines` (with their line number) by default: one odd
 * series (a plugin with a strange label, a truncated last line) must not blind the whole X-vs-Y
 * comparison. A body that is mostly not an exposition (an HTML login page, a proxy error) is
 * still refused with `E_METRICS_BAD_RESPONSE`: see `maxBadLines`. `strict: true` throws on the first
 * bad line.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** Full sample name, e.g. `kong_request_latency_ms_bucket`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carried one. */
  timestamp?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string | null;
  samples: Sample[];
}

export interface BadLine {
  line: number;
  reason: string;
}

export interface ParsedExposition {
  families: Map<string, MetricFamily>;
  badLines: BadLine[];
  sampleCount: number;
}

export interface ParsePrometheusTextOptions {
  strict?: boolean;
  /** More bad lines than this (default 100) and the body is refused. */
  maxBadLines?: number;
}

const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;
const SUMMARY_SUFFIXES = ['_sum', '_count'] as const;

class LineError extends Error {}
/** A label value still open at the end of the line: Kong writes newlines in label values unescaped. */
class UnterminatedLabel extends LineError {}

/** A sample whose label value holds raw newlines spans a few lines; more than this is not one sample. */
const MAX_CONTINUATION_LINES = 4;

function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * Reads line `i` together with the lines after it as one sample, the newlines kept in the label
 * value. Undefined when no short continuation makes a valid sample: then only line `i` is bad and
 * the next line is read on its own, so a truncated line never swallows a good one.
 */
function joinContinuation(lines: string[], i: number): { sample: Sample; lastLine: number } | undefined {
  let text = withoutCr(lines[i] ?? '');
  for (let j = i + 1; j < lines.length && j <= i + MAX_CONTINUATION_LINES; j++) {
    text += `\n${withoutCr(lines[j] ?? '')}`;
    try {
      return { sample: parseSampleLine(text), lastLine: j };
    } catch (error) {
      if (!(error instanceof UnterminatedLabel)) return undefined;
    }
  }
  return undefined;
}

export function parsePrometheusText(
  text: string,
  options: ParsePrometheusTextOptions = {},
): ParsedExposition {
  const maxBadLines = options.maxBadLines ?? 100;
  const families = new Map<string, MetricFamily>();
  const badLines: BadLine[] = [];
  let sampleCount = 0;
  let current: MetricFamily | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = withoutCr(lines[i] ?? '');
    try {
      if (line.length === 0 || isBlank(line)) continue;
      if (line.charCodeAt(0) === 35 /* # */) {
        current = parseComment(line, families) ?? current;
        continue;
      }
      let sample: Sample;
      try {
        sample = parseSampleLine(line);
      } catch (error) {
        const joined = error instanceof UnterminatedLabel ? joinContinuation(lines, i) : undefined;
        if (!joined) throw error;
        sample = joined.sample;
        i = joined.lastLine;
      }
      const family = familyOf(sample.name, current, families);
      family.samples.push(sample);
      current = family;
      sampleCount++;
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      const bad = { line: i + 1, reason: error.message };
      if (options.strict) throw badResponse([bad], 'the metrics body has a malformed line');
      badLines.push(bad);
      if (badLines.length > maxBadLines) {
        throw badResponse(badLines, `the metrics body has more than ${maxBadLines} malformed lines`);
      }
    }
  }
  if (sampleCount === 0 && badLines.length > 0) {
    throw badResponse(badLines, 'the metrics body has no valid sample');
  }
  return { families, badLines, sampleCount };
}

function badResponse(badLines: BadLine[], what: string): AppError {
  const first = badLines[0];
  const where = first ? ` (line ${first.line}: ${first.reason})` : '';
  return new AppError(
    'E_METRICS_BAD_RESPONSE',
    `Could not read the Prometheus metrics: ${what}${where}. Check that the metrics URL points at Kong's /metrics endpoint.`,
    { details: { badLines: badLines.slice(0, 10) } },
  );
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** `# HELP` / `# TYPE` create or update a family; any other comment is ignored. */
function parseComment(line: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const parts = line.slice(1).trimStart();
  const isHelp = parts.startsWith('HELP ') || parts.startsWith('HELP\t');
  const isType = parts.startsWith('TYPE ') || parts.startsWith('TYPE\t');
  if (!isHelp && !isType) return undefined;
  const rest = parts.slice(5).trimStart();
  let end = 0;
  while (end < rest.length && rest.charCodeAt(end) !== 32 && rest.charCodeAt(end) !== 9) end++;
  const name = rest.slice(0, end);
  if (!isMetricName(name)) throw new LineError(`bad metric name in ${isHelp ? 'HELP' : 'TYPE'} line`);
  const tail = rest.slice(end).trimStart();
  let family = families.get(name);
  if (isType) {
    const type = tail.trimEnd();
    if (!TYPES.has(type)) throw new LineError(`unknown metric type "${type}"`);
    if (family && family.samples.length > 0) throw new LineError(`TYPE for ${name} after its samples`);
    if (family) family.type = type as MetricType;
    else family = { name, type: type as MetricType, help: null, samples: [] };
  } else {
    const help = tail.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
    if (family) family.help ??= help;
    else family = { name, type: 'untyped', help, samples: [] };
  }
  families.set(name, family);
  return family;
}

/** Finds the family a sample belongs to: `_bucket`/`_sum`/`_count` group under their histogram or summary. */
function familyOf(
  sampleName: string,
  current: MetricFamily | undefined,
  families: Map<string, MetricFamily>,
): MetricFamily {
  if (current && belongsTo(sampleName, current)) return current;
  const exact = families.get(sampleName);
  if (exact && exact.type !== 'histogram' && exact.type !== 'summary') return exact;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (!sampleName.endsWith(suffix)) continue;
    const parent = families.get(sampleName.slice(0, -suffix.length));
    if (parent && belongsTo(sampleName, parent)) return parent;
  }
  if (exact) return exact;
  const created: MetricFamily = { name: sampleName, type: 'untyped', help: null, samples: [] };
  families.set(sampleName, created);
  return created;
}

function belongsTo(sampleName: string, family: MetricFamily): boolean {
  if (family.type === 'histogram' || family.type === 'summary') {
    if (family.type === 'summary' && sampleName === family.name) return true;
    const suffixes = family.type === 'histogram' ? HISTOGRAM_SUFFIXES : SUMMARY_SUFFIXES;
    for (const suffix of suffixes) {
      if (sampleName.length === family.name.length + suffix.length && sampleName.startsWith(family.name)) {
        if (sampleName.endsWith(suffix)) return true;
      }
    }
    return false;
  }
  return sampleName === family.name;
}

function isMetricName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

function isNameChar(c: number, first: boolean, colon: boolean): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) return true;
  if (colon && c === 58) return true;
  return !first && c >= 48 && c <= 57;
}

function skipSpaces(line: string, pos: number): number {
  while (pos < line.length && (line.charCodeAt(pos) === 32 || line.charCodeAt(pos) === 9)) pos++;
  return pos;
}

/** One sample line, scanned left to right once (no regular expressions). */
function parseSampleLine(line: string): Sample {
  let pos = 0;
  while (pos < line.length && isNameChar(line.charCodeAt(pos), pos === 0, true)) pos++;
  if (pos === 0) throw new LineError('a sample line must start with a metric name');
  const name = line.slice(0, pos);
  const labels: Record<string, string> = {};
  const brace = skipSpaces(line, pos);
  if (line.charCodeAt(brace) === 123 /* { */) pos = parseLabels(line, brace + 1, labels);
  const valueStart = skipSpaces(line, pos);
  if (valueStart === pos) throw new LineError('expected a space and a value after the name and labels');
  let valueEnd = valueStart;
  while (valueEnd < line.length && line.charCodeAt(valueEnd) !== 32 && line.charCodeAt(valueEnd) !== 9)
    valueEnd++;
  const value = parseValue(line.slice(valueStart, valueEnd));
  const tsStart = skipSpaces(line, valueEnd);
  if (tsStart >= line.length) return { name, labels, value };
  let tsEnd = tsStart;
  while (tsEnd < line.length && line.charCodeAt(tsEnd) !== 32 && line.charCodeAt(tsEnd) !== 9) tsEnd++;
  const tsText = line.slice(tsStart, tsEnd);
  const timestamp = Number(tsText);
  if (!/^-?\d+$/.test(tsText) || !Number.isSafeInteger(timestamp)) throw new LineError('bad timestamp');
  if (skipSpaces(line, tsEnd) < line.length) throw new LineError('unexpected text after the timestamp');
  return { name, labels, value, timestamp };
}

function parseLabels(line: string, pos: number, labels: Record<string, string>): number {
  for (;;) {
    pos = skipSpaces(line, pos);
    if (line.charCodeAt(pos) === 125 /* } */) return pos + 1;
    const nameStart = pos;
    while (pos < line.length && isNameChar(line.charCodeAt(pos), pos === nameStart, false)) pos++;
    if (pos === nameStart) throw new LineError('bad label name');
    const labelName = line.slice(nameStart, pos);
    pos = skipSpaces(line, pos);
    if (line.charCodeAt(pos) !== 61 /* = */) throw new LineError(`expected = after label ${labelName}`);
    pos = skipSpaces(line, pos + 1);
    if (line.charCodeAt(pos) !== 34 /* " */) throw new LineError(`expected " to open label ${labelName}`);
    pos++;
    let value = '';
    let chunkStart = pos;
    for (;;) {
      if (pos >= line.length) throw new UnterminatedLabel(`unterminated value of label ${labelName}`);
      const c = line.charCodeAt(pos);
      if (c === 34) break;
      if (c === 92 /* \ */) {
        const next = line.charCodeAt(pos + 1);
        const unescaped = next === 92 ? '\\' : next === 34 ? '"' : next === 110 ? '\n' : null;
        if (unescaped === null) throw new LineError(`bad escape in label ${labelName}`);
        value += line.slice(chunkStart, pos) + unescaped;
        pos += 2;
        chunkStart = pos;
        continue;
      }
      pos++;
    }
    value += line.slice(chunkStart, pos);
    if (Object.hasOwn(labels, labelName)) throw new LineError(`label ${labelName} repeated`);
    labels[labelName] = value;
    pos = skipSpaces(line, pos + 1);
    const sep = line.charCodeAt(pos);
    if (sep === 44 /* , */) pos++;
    else if (sep !== 125) throw new LineError('expected , or } after a label');
  }
}

function parseValue(text: string): number {
  if (text.length === 0) throw new LineError('missing value');
  switch (text.toLowerCase()) {
    case 'nan':
    case '-nan':
    case '+nan':
      // LuaJIT prints NaN as "nan" or "-nan" (e.g. a sum fed a 0/0 latency).
      return Number.NaN;
    case '+inf':
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-inf':
      return Number.NEGATIVE_INFINITY;
  }
  const value = Number(text);
  // Number() accepts "Infinity", "0x1F" and "" which Prometheus does not write.
  if (Number.isNaN(value) || !Number.isFinite(value) || /[xX]/.test(text)) {
    throw new LineError(`bad value "${text.slice(0, 40)}"`);
  }
  return value;
}

export interface HistogramSeries {
  /** Labels of the series without `le`. */
  labels: Record<string, string>;
  /** Cumulative buckets sorted by upper bound; `le` may be +Infinity. */
  buckets: { le: number; count: number }[];
  sum: number | null;
  count: number | null;
}

/** Groups a histogram family's samples into series (one per label set without `le`), buckets sorted by `le`. */
export function histogramSeries(family: MetricFamily): HistogramSeries[] {
  const bySeries = new Map<string, HistogramSeries>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = seriesKey(rest);
    let series = bySeries.get(key);
    if (!series) {
      series = { labels: rest, buckets: [], sum: null, count: null };
      bySeries.set(key, series);
    }
    if (sample.name === `${family.name}_bucket`) {
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      if (Number.isNaN(bound) || le === '') continue;
      series.buckets.push({ le: bound, count: sample.value });
    } else if (sample.name === `${family.name}_sum`) series.sum = sample.value;
    else if (sample.name === `${family.name}_count`) series.count = sample.value;
  }
  for (const series of bySeries.values()) series.buckets.sort((a, b) => a.le - b.le);
  return [...bySeries.values()];
}

/** A stable identity for a label set, independent of label order. */
export function seriesKey(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const name of names) key += `${name}=${JSON.stringify(labels[name])},`;
  return key;
}
