import { decideGate } from './decide-gate.js';
import { decideJob, split, weightPatch } from './decide-job.js';
import { decideObservation, type ObservationPolicy } from './decide-observation.js';
import { decideRequest } from './decide-request.js';
import { decideWindowOpened } from './decide-window-opened.js';
import { type Decision, refuse } from './decision.js';
import { duringPhase, phaseLabel } from './describe-run.js';
import type { DomainEvent } from './domain-event.js';
import { jobIdFor, PREPARATION_JOBS, type PreparationJob } from './job-names.js';
import { isTerminal, type Run } from './run.js';

type ObservedEvent = Extract<DomainEvent, { type: 'weight_observed' }>;

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
      return decideRequest(run, event, now, policy);
    case 'weight_observed':
      return decideObservedWeight(run, event, now);
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
    case 'window_opened':
      return decideWindowOpened(run, now, policy);
    case 'abort_requested': {
      if (isTerminal(run.phase)) return refuse(`${run.id} has already ended (${phaseLabel(run.phase)}).`);
      if (run.phase === 'rolling_back') {
        return refuse(`${run.id} is rolling back; the rollback finishes first (it cannot be aborted).`);
      }
      const weight = run.appliedWeight ?? 0;
      return {
        ok: true,
        patch: {
          phase: 'aborted',
          failedPhase: run.phase,
          finishedAt: now,
          paused: false,
          inFlightGateId: null,
        },
        events: [{ actor: event.actor, kind: 'run.aborted', phase: run.phase, details: {} }],
        effects: [
          { type: 'cancel_jobs' },
          { type: 'close_gates', reason: `the run was aborted by <@${event.actor}>` },
          {
            type: 'thread',
            text: `:octagonal_sign: Aborted by <@${event.actor}> ${duringPhase(run.phase)}. Traffic stays where it is (recorded: ${split(weight)}); the bot reads the router back and reports the split it finds.${weight === 0 && run.phase !== 'shifting' ? ' The write freeze of this run has ended.' : ''}`,
          },
          { type: 'update_card' },
          // A step may have been in flight: what the router really has is read under its lock.
          { type: 'enqueue', job: 'readback', jobId: jobIdFor(run.id, 'readback') },
        ],
      };
    }
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

/**
 * The router was read back outside a step (after an abort): the recorded weight follows what it
 * reports, and the thread says whether the write freeze ends (only with Y at 0 %).
 */
function decideObservedWeight(run: Run, event: ObservedEvent, now: Date): Decision {
  const recorded = run.appliedWeight ?? 0;
  const ended = isTerminal(run.phase);
  const found =
    event.weight === recorded
      ? `The router reports ${split(event.weight)}, as recorded.`
      : `The router reports ${split(event.weight)} (recorded was ${split(recorded)}); the recorded split now follows the router.`;
  const freeze =
    !ended || run.phase === 'completed'
      ? ''
      : event.weight === 0
        ? ' The write freeze of this run has ended.'
        : ` *Y still serves ${event.weight} % from the restored copy*, so the write freeze on X stays: roll back with \`/kong-upgrade rollback ${run.id}\`.`;
  return {
    ok: true,
    patch: weightPatch(run, event.weight, now),
    events: [
      {
        actor: event.actor,
        kind: 'traffic.weight_observed',
        phase: run.phase,
        details: { weight: event.weight, recorded, reason: event.reason },
      },
    ],
    effects: [{ type: 'thread', text: `:mag: ${found}${freeze}` }, { type: 'update_card' }],
  };
}
