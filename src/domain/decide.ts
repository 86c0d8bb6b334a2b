import { decideGate } from './decide-gate.js';
import { decideJob } from './decide-job.js';
import { decideObservation, type ObservationPolicy } from './decide-observation.js';
import { decideRequest } from './decide-request.js';
import { type Decision, refuse } from './decision.js';
import { duringPhase, phaseLabel } from './describe-run.js';
import type { DomainEvent } from './domain-event.js';
import { jobIdFor, PREPARATION_JOBS, type PreparationJob } from './job-names.js';
import { isTerminal, type Run } from './run.js';

const DEFAULT_POLICY: ObservationPolicy = { observeSeconds: 600, intervalSeconds: 60 };

/**
 * The upgrade's rules in one pure function: given a run, something that happened and the time,
 * return the next state and the effects to carry out. No I/O here; see src/engine for that.
 */
export function decide(
  run: Run,
  event: DomainEvent,
  now: Date,
  policy: ObservationPolicy = DEFAULT_POLICY,
): Decision {
  switch (event.type) {
    case 'comparison_made':
      return decideObservation(run, event, now, policy);
    case 'shift_requested':
    case 'rollback_requested':
      return decideRequest(run, event);
    case 'run_created':
      return {
        ok: true,
        patch: {},
        events: [],
        effects: [
          { type: 'post_card' },
          {
            type: 'thread',
            text: run.dryRun
              ? `Dry run requested by <@${event.actor}>: preflight checks only, then the plan. Nothing will change.`
              : `Run started by <@${event.actor}>. *Config writes on X are frozen* from now until the run ends: no Admin API, Kong Manager, decK or direct database changes. The bot checks X's configuration before every traffic step.`,
          },
          { type: 'enqueue', job: 'preflight', jobId: jobIdFor(run.id, 'preflight') },
        ],
      };
    case 'job_succeeded':
    case 'job_failed':
    case 'weight_applied':
      return decideJob(run, event, now, policy);
    case 'gate_decided':
    case 'gate_expired':
      return decideGate(run, event);
    case 'abort_requested':
      if (isTerminal(run.phase)) return refuse(`${run.id} has already ended (${phaseLabel(run.phase)}).`);
      return {
        ok: true,
        patch: { phase: 'aborted', failedPhase: run.phase, finishedAt: now, paused: false },
        events: [{ actor: event.actor, kind: 'run.aborted', phase: run.phase, details: {} }],
        effects: [
          { type: 'cancel_jobs' },
          { type: 'close_gates', reason: `the run was aborted by <@${event.actor}>` },
          {
            type: 'thread',
            text: `:octagonal_sign: Aborted by <@${event.actor}> ${duringPhase(run.phase)}. Traffic stays where it is: X ${100 - (run.appliedWeight ?? 0)} % / Y ${run.appliedWeight ?? 0} %. The write freeze of this run has ended.`,
          },
          { type: 'update_card' },
        ],
      };
    case 'pause_requested':
      if (isTerminal(run.phase)) return refuse(`${run.id} has already ended (${phaseLabel(run.phase)}).`);
      if (run.paused) return refuse(`${run.id} is already paused.`);
      return {
        ok: true,
        patch: { paused: true },
        events: [{ actor: event.actor, kind: 'run.paused', phase: run.phase, details: {} }],
        effects: [
          {
            type: 'thread',
            text: `:double_vertical_bar: Paused by <@${event.actor}>. The step in progress finishes; nothing new starts and no gate can be approved until \`/kong-upgrade resume ${run.id}\`.`,
          },
          { type: 'update_card' },
        ],
      };
    case 'resume_requested': {
      if (isTerminal(run.phase)) return refuse(`${run.id} has already ended (${phaseLabel(run.phase)}).`);
      if (!run.paused) return refuse(`${run.id} is not paused.`);
      const job = PREPARATION_JOBS.includes(run.phase as PreparationJob)
        ? (run.phase as PreparationJob)
        : null;
      return {
        ok: true,
        patch: { paused: false },
        events: [{ actor: event.actor, kind: 'run.resumed', phase: run.phase, details: {} }],
        effects: [
          ...(job ? [{ type: 'enqueue' as const, job, jobId: jobIdFor(run.id, job) }] : []),
          { type: 'thread', text: `:arrow_forward: Resumed by <@${event.actor}>.` },
          { type: 'update_card' },
        ],
      };
    }
  }
}
