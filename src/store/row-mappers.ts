import { z } from 'zod';
import { GATE_KINDS, GATE_STATUSES, type Gate } from '../domain/gate.js';
import { PHASES, type Run } from '../domain/run.js';
import type { RunEvent } from '../domain/run-event.js';
import type { Row } from './db.js';
import type { Backup, MetricSample } from './store-records.js';

// The one place where rows (snake_case, pg's types) become domain objects (camelCase, Date, number).
// Parsing with zod turns a schema/type drift into a clear error instead of a wrong value downstream.

const date = z.date();
const int = z.number().int();
/** bigint/bigserial arrive as strings; the values we keep there are far below 2^53. */
const bigint = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) ctx.addIssue({ code: 'custom', message: `not a safe integer: ${v}` });
  return n;
});
const jsonObject = z.record(z.string(), z.unknown());

export const runRowSchema = z.object({
  id: z.string(),
  environment: z.string(),
  number: int,
  phase: z.enum(PHASES),
  paused: z.boolean(),
  dry_run: z.boolean(),
  requested_by: z.string(),
  channel: z.string(),
  card_ts: z.string().nullable(),
  thread_ts: z.string().nullable(),
  comparison_ts: z.string().nullable(),
  from_version: z.string().nullable(),
  to_version: z.string().nullable(),
  plan_steps: z.array(int),
  applied_weight: int.nullable(),
  step_index: int,
  x_fingerprinted: z.boolean(),
  failure_reason: z.string().nullable(),
  failed_phase: z.enum(PHASES).nullable(),
  created_at: date,
  updated_at: date,
  phase_started_at: date,
  finished_at: date.nullable(),
  version: int,
  step_started_at: date.nullable(),
  step_failing: z.boolean(),
  last_verdict: z.enum(['pass', 'warn', 'fail', 'insufficient_data']).nullable(),
  drift_detected: z.boolean(),
  in_flight_gate_id: z.string().nullable(),
});

const RUN_TABLE_COLUMNS = [
  'id',
  'environment',
  'number',
  'phase',
  'paused',
  'dry_run',
  'requested_by',
  'channel',
  'card_ts',
  'thread_ts',
  'comparison_ts',
  'from_version',
  'to_version',
  'plan_steps',
  'applied_weight',
  'step_index',
  'failure_reason',
  'failed_phase',
  'created_at',
  'updated_at',
  'phase_started_at',
  'finished_at',
  'version',
  'step_started_at',
  'step_failing',
  'last_verdict',
  'drift_detected',
  'in_flight_gate_id',
] as const;

/**
 * The select list for a Run (`SELECT ${runColumns()} FROM runs`, `RETURNING ${runColumns()}`): every
 * column but the fingerprint, which can be megabytes and is read only where drift is checked.
 */
export function runColumns(alias?: string): string {
  const p = alias ? `${alias}.` : '';
  return [...RUN_TABLE_COLUMNS.map((c) => p + c), `${p}x_fingerprint IS NOT NULL AS x_fingerprinted`].join(
    ', ',
  );
}

export function mapRun(row: Row): Run {
  const r = runRowSchema.parse(row);
  return {
    id: r.id,
    environment: r.environment,
    number: r.number,
    phase: r.phase,
    paused: r.paused,
    dryRun: r.dry_run,
    requestedBy: r.requested_by,
    channel: r.channel,
    cardTs: r.card_ts,
    threadTs: r.thread_ts,
    comparisonTs: r.comparison_ts,
    fromVersion: r.from_version,
    toVersion: r.to_version,
    planSteps: r.plan_steps,
    appliedWeight: r.applied_weight,
    stepIndex: r.step_index,
    xFingerprinted: r.x_fingerprinted,
    failureReason: r.failure_reason,
    failedPhase: r.failed_phase,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    phaseStartedAt: r.phase_started_at,
    finishedAt: r.finished_at,
    version: r.version,
    stepStartedAt: r.step_started_at,
    stepFailing: r.step_failing,
    lastVerdict: r.last_verdict,
    driftDetected: r.drift_detected,
    inFlightGateId: r.in_flight_gate_id,
  };
}

/** Run fields `updateRun` may change, and their columns. Everything else is fixed at creation. */
export const RUN_PATCH_COLUMNS = {
  phase: 'phase',
  paused: 'paused',
  cardTs: 'card_ts',
  threadTs: 'thread_ts',
  comparisonTs: 'comparison_ts',
  fromVersion: 'from_version',
  toVersion: 'to_version',
  planSteps: 'plan_steps',
  appliedWeight: 'applied_weight',
  stepIndex: 'step_index',
  xFingerprint: 'x_fingerprint',
  failureReason: 'failure_reason',
  failedPhase: 'failed_phase',
  finishedAt: 'finished_at',
  stepStartedAt: 'step_started_at',
  stepFailing: 'step_failing',
  lastVerdict: 'last_verdict',
  driftDetected: 'drift_detected',
  inFlightGateId: 'in_flight_gate_id',
} as const satisfies Partial<Record<keyof Run | 'xFingerprint', string>>;

export type RunPatch = Partial<Pick<Run, Exclude<keyof typeof RUN_PATCH_COLUMNS, 'xFingerprint'>>> & {
  xFingerprint?: unknown;
};

/** Column/value pairs for the fields present in `patch`; jsonb values are serialised here. */
export function runPatchToColumns(patch: RunPatch): Array<[column: string, value: unknown]> {
  const pairs: Array<[string, unknown]> = [];
  for (const [field, column] of Object.entries(RUN_PATCH_COLUMNS)) {
    if (!Object.hasOwn(patch, field)) continue;
    const value: unknown = patch[field as keyof RunPatch];
    if (value === undefined) continue;
    pairs.push([column, field === 'xFingerprint' && value !== null ? JSON.stringify(value) : value]);
  }
  return pairs;
}

const eventRowSchema = z.object({
  id: bigint,
  run_id: z.string(),
  at: date,
  actor: z.string(),
  kind: z.string(),
  phase: z.enum(PHASES).nullable(),
  details: jsonObject,
});

export function mapEvent(row: Row): RunEvent {
  const r = eventRowSchema.parse(row);
  return {
    id: r.id,
    runId: r.run_id,
    at: r.at,
    actor: r.actor,
    kind: r.kind,
    phase: r.phase,
    details: r.details,
  };
}

const gateRowSchema = z.object({
  id: z.string(),
  run_id: z.string(),
  kind: z.enum(GATE_KINDS),
  target_weight: int,
  status: z.enum(GATE_STATUSES),
  requested_by: z.string().nullable(),
  requested_at: date,
  expires_at: date,
  decided_by: z.string().nullable(),
  decided_at: date.nullable(),
  message_ts: z.string().nullable(),
  comparison: z.unknown(),
  required_approvals: int,
});

export function mapGate(row: Row): Gate {
  const r = gateRowSchema.parse(row);
  return {
    id: r.id,
    runId: r.run_id,
    kind: r.kind,
    targetWeight: r.target_weight,
    status: r.status,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    expiresAt: r.expires_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    messageTs: r.message_ts,
    comparison: r.comparison ?? null,
    requiredApprovals: r.required_approvals,
  };
}

/** jsonb parameters must be sent as JSON text: pg would otherwise send JS arrays as PostgreSQL arrays. */
export function toJsonb(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

const sampleRowSchema = z.object({
  id: bigint,
  run_id: z.string(),
  cluster: z.enum(['x', 'y']),
  window_start: date,
  window_end: date,
  requests: z.number(),
  errors_5xx: z.number(),
  errors_4xx: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  rate: z.number(),
  verdict: z.enum(['pass', 'warn', 'fail', 'insufficient_data']).nullable(),
  details: jsonObject,
});

export function mapSample(row: Row): MetricSample {
  const r = sampleRowSchema.parse(row);
  return {
    id: r.id,
    runId: r.run_id,
    cluster: r.cluster,
    windowStart: r.window_start,
    windowEnd: r.window_end,
    requests: r.requests,
    errors5xx: r.errors_5xx,
    errors4xx: r.errors_4xx,
    p50: r.p50,
    p95: r.p95,
    p99: r.p99,
    rate: r.rate,
    verdict: r.verdict,
    details: r.details,
  };
}

const backupRowSchema = z.object({
  id: bigint,
  run_id: z.string(),
  path: z.string(),
  format: z.string(),
  size_bytes: bigint.nullable(),
  manifest: z.record(z.string(), z.string()),
  row_counts: z.record(z.string(), z.number()),
  started_at: date,
  finished_at: date.nullable(),
  status: z.enum(['running', 'succeeded', 'failed']),
});

export function mapBackup(row: Row): Backup {
  const r = backupRowSchema.parse(row);
  return {
    id: r.id,
    runId: r.run_id,
    path: r.path,
    format: r.format,
    sizeBytes: r.size_bytes,
    manifest: r.manifest,
    rowCounts: r.row_counts,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    status: r.status,
  };
}
