import { describeClosedWindow, WINDOW_DEFERRED } from './change-window-state.js';
import { compareSlot, type ObservationPolicy } from './decide-observation.js';
import type { RunPatch } from './decision.js';
import { type Decision, refuse } from './decision.js';
import { duringPhase, phaseLabel } from './describe-run.js';
import type { DomainEvent } from './domain-event.js';
import type { Effect } from './effects.js';
import { escapeMrkdwn } from './escape-mrkdwn.js';
import { type JobName, jobIdFor, PREPARATION_JOBS, type PreparationJob } from './job-names.js';
import { planPosition } from './plan.js';
import { isTerminal, type Phase, type Run } from './run.js';

type JobEvent = Extract<DomainEvent, { type: 'job_succeeded' | 'job_failed' | 'weight_applied' }>;

/** Which phase a job belongs to: a job's outcome only counts while the run is in that phase. */
function phaseOfJob(job: JobName): Phase | null {
  if ((PREPARATION_JOBS as readonly string[]).includes(job)) return job as Phase;
  if (job === 'shift') return 'shifting';
  if (job === 'rollback') return 'rolling_back';
  if (job === 'complete') return 'completing';
  return null;
}

export function split(weight: number): string {
  return `X ${100 - weight} % / Y ${weight} %`;
}

/**
 * The fields that follow a router-confirmed weight: the plan position (a decrease moves it back) and,
 * when the weight changed, a new step that has not been observed or judged yet.
 */
export function weightPatch(run: Run, weight: number, now: Date): RunPatch {
  const changed = weight !== (run.appliedWeight ?? 0) || run.appliedWeight === null;
  return {
    appliedWeight: weight,
    stepIndex: planPosition(run.planSteps, weight),
    ...(changed ? { stepStartedAt: now, stepFailing: false, lastVerdict: null } : {}),
  };
}

export function decideJob(run: Run, event: JobEvent, now: Date, policy: ObservationPolicy): Decision {
  if (isTerminal(run.phase)) return refuse(`${run.id} has already ended (${phaseLabel(run.phase)}).`);
  switch (event.type) {
    case 'job_succeeded':
      return jobSucceeded(run, event, now, policy);
    case 'job_failed':
      return jobFailed(run, event, now);
    case 'weight_applied':
      return weightApplied(run, event, now, policy);
  }
}

const CLOSE_ON_END = (why: string): Effect => ({ type: 'close_gates', reason: why });

function jobSucceeded(
  run: Run,
  event: Extract<JobEvent, { type: 'job_succeeded' }>,
  now: Date,
  policy: ObservationPolicy,
): Decision {
  if (phaseOfJob(event.job) !== run.phase) {
    return refuse(`the ${event.job} result does not apply: ${run.id} is in ${run.phase}.`);
  }
  const events = [
    {
      actor: `job:${event.job}`,
      kind: `job.${event.job}.succeeded`,
      phase: run.phase,
      details: event.details ?? {},
    },
  ];
  const facts = event.facts ?? {};
  const thread: Effect = { type: 'thread', text: `:white_check_mark: ${event.summary}` };
  if (event.job === 'complete') {
    return {
      ok: true,
      patch: { phase: 'completed', finishedAt: now, inFlightGateId: null },
      events,
      effects: [CLOSE_ON_END('the upgrade completed'), thread, { type: 'update_card' }],
    };
  }
  const index = PREPARATION_JOBS.indexOf(event.job as PreparationJob);
  if (run.dryRun && event.job === 'preflight') {
    return {
      ok: true,
      patch: { ...facts, phase: 'completed', finishedAt: now },
      events,
      effects: [CLOSE_ON_END('the dry run ended'), thread, { type: 'update_card' }],
    };
  }
  const next = PREPARATION_JOBS[index + 1];
  if (next) {
    return {
      ok: true,
      patch: { ...facts, phase: next },
      events,
      effects: [
        thread,
        { type: 'update_card' },
        ...(run.paused ? [] : [{ type: 'enqueue' as const, job: next, jobId: jobIdFor(run.id, next) }]),
      ],
    };
  }
  // verify passed: the first traffic step needs an approval.
  const first = run.planSteps[0] ?? 100;
  if (policy.window && !policy.window.open) {
    // Outside the change windows no increase is offered: the reconciler offers it when one opens.
    return {
      ok: true,
      patch: { ...facts, phase: 'awaiting_gate' },
      events: [
        ...events,
        {
          actor: 'bot',
          kind: WINDOW_DEFERRED,
          phase: run.phase,
          details: {
            reason: policy.window.reason ?? null,
            opensAt: policy.window.opensAt?.toISOString() ?? null,
          },
        },
      ],
      effects: [
        thread,
        {
          type: 'thread',
          text: `:clock3: No traffic moves now: ${describeClosedWindow(policy.window)}. The first step (${first} % to Y) is offered when the window opens.`,
        },
        { type: 'update_card' },
        XBASELINE(run),
      ],
    };
  }
  return {
    ok: true,
    patch: { ...facts, phase: 'awaiting_gate' },
    events,
    effects: [
      thread,
      { type: 'update_card' },
      { type: 'request_gate', kind: 'shift', targetWeight: first, reason: 'Y is verified' },
      XBASELINE(run),
    ],
  };
}

/** One window of X before any traffic moves: the charts' baseline (a compare job that judges nothing). */
const XBASELINE = (run: Run): Effect => ({
  type: 'enqueue',
  job: 'compare',
  jobId: jobIdFor(run.id, 'compare', 'baseline'),
  data: { baseline: true },
});

function jobFailed(run: Run, event: Extract<JobEvent, { type: 'job_failed' }>, now: Date): Decision {
  const remedy = event.remedy ? ` ${event.remedy}` : '';
  const event0 = {
    actor: `job:${event.job}`,
    kind: `job.${event.job}.failed`,
    phase: run.phase,
    details: { code: event.code, message: event.message, observedWeight: event.observedWeight ?? null },
  };
  if (event.job === 'compare' || event.job === 'readback') {
    return {
      ok: true,
      patch: {},
      events: [event0],
      effects: [
        {
          type: 'thread',
          text: `:warning: ${event.job === 'compare' ? 'Metric comparison' : 'Reading the router back'} failed: ${sentence(escapeMrkdwn(event.message))}${remedy}`,
        },
      ],
    };
  }
  if (phaseOfJob(event.job) !== run.phase) {
    return refuse(`the ${event.job} failure does not apply: ${run.id} is in ${run.phase}.`);
  }
  // What the router reported after the failure is the truth: a write may have landed part-way.
  const observed = event.observedWeight;
  const weight = observed ?? run.appliedWeight ?? 0;
  const actual =
    observed === undefined
      ? `The recorded weight is unchanged (Y ${run.appliedWeight ?? 0} %).`
      : observed === (run.appliedWeight ?? 0)
        ? `The recorded weight is unchanged (Y ${observed} %), as the router reports.`
        : `The router now reports ${split(observed)} (it was ${split(run.appliedWeight ?? 0)}); that split is recorded.`;
  if (event.job === 'shift') {
    return {
      ok: true,
      patch: {
        ...(observed === undefined ? {} : weightPatch(run, observed, now)),
        phase: weight === 0 ? 'awaiting_gate' : 'observing',
        inFlightGateId: null,
      },
      events: [event0],
      effects: [
        {
          type: 'thread',
          text: `:x: The traffic step failed: ${sentence(escapeMrkdwn(event.message))} ${actual}${remedy} Ask again with \`/kong-upgrade shift ${run.id} <percent>\` once the cause above is fixed, or roll back.`,
          broadcast: true,
        },
        { type: 'update_card' },
      ],
    };
  }
  if (event.job === 'rollback') {
    // A rollback is never given up: the run stays rolling back and the reconciler tries again.
    return {
      ok: true,
      patch: observed === undefined ? {} : weightPatch(run, observed, now),
      events: [event0],
      effects: [
        {
          type: 'thread',
          text: `:rotating_light: <!here> The rollback could not be confirmed yet: ${sentence(escapeMrkdwn(event.message))} ${actual}${remedy} The bot keeps trying every 30 s; fix the router, or set it to 100 % X by hand.`,
          broadcast: true,
        },
        { type: 'update_card' },
      ],
    };
  }
  if (event.job === 'complete') {
    return {
      ok: true,
      patch: { phase: 'observing', inFlightGateId: null },
      events: [event0],
      effects: [
        {
          type: 'thread',
          text: `:x: Completion did not go through: ${sentence(escapeMrkdwn(event.message))}${remedy} Nothing changed; Y keeps ${run.appliedWeight ?? 0} %.`,
        },
        { type: 'update_card' },
      ],
    };
  }
  return {
    ok: true,
    patch: {
      phase: 'failed',
      failedPhase: run.phase,
      failureReason: `${event.code}: ${event.message}`,
      finishedAt: now,
    },
    events: [event0],
    effects: [
      CLOSE_ON_END(`the run failed ${duringPhase(run.phase)}`),
      {
        type: 'thread',
        text: `:x: ${phaseLabel(run.phase)} failed: ${sentence(escapeMrkdwn(event.message))}${remedy}`,
        broadcast: true,
      },
      { type: 'update_card' },
    ],
  };
}

function weightApplied(
  run: Run,
  event: Extract<JobEvent, { type: 'weight_applied' }>,
  now: Date,
  policy: ObservationPolicy,
): Decision {
  // A result counts only for the job and the approved gate the run is waiting for: a late shift
  // finishing during a rollback must not pass for the rollback's result.
  if (run.phase !== phaseOfJob(event.job)) {
    return refuse(`the ${event.job} result does not apply: ${run.id} is ${run.phase.replaceAll('_', ' ')}.`);
  }
  if (run.inFlightGateId !== null && event.gateId !== run.inFlightGateId) {
    return refuse(`the ${event.job} result belongs to another approval than the one ${run.id} carries out.`);
  }
  const events = [
    {
      actor: event.actor,
      kind: 'traffic.weight_applied',
      phase: run.phase,
      details: { weight: event.weight, previous: run.appliedWeight, gateId: event.gateId ?? null },
    },
  ];
  if (event.job === 'rollback') {
    if (event.weight !== 0) return refuse(`a rollback must end with Y at 0 %, not ${event.weight} %.`);
    return {
      ok: true,
      patch: { ...weightPatch(run, 0, now), phase: 'rolled_back', finishedAt: now, inFlightGateId: null },
      events,
      effects: [
        CLOSE_ON_END('the run was rolled back'),
        {
          type: 'thread',
          text: `:leftwards_arrow_with_hook: Rolled back: ${split(0)}, confirmed by the router. The write freeze on X has ended.`,
          broadcast: true,
        },
        { type: 'update_card' },
      ],
    };
  }
  return {
    ok: true,
    patch: {
      ...weightPatch(run, event.weight, now),
      phase: event.weight === 0 ? 'awaiting_gate' : 'observing',
      inFlightGateId: null,
    },
    events,
    effects: [
      {
        type: 'thread',
        text: `:twisted_rightwards_arrows: Traffic is now ${split(event.weight)}, confirmed by the router.`,
      },
      { type: 'update_card' },
      // Start (or join) the comparison chain: one compare job per interval slot.
      ...(event.weight > 0
        ? [
            {
              type: 'enqueue' as const,
              job: 'compare' as const,
              jobId: jobIdFor(run.id, 'compare', compareSlot(now, policy.intervalSeconds)),
            },
          ]
        : []),
    ],
  };
}

/** Ends a message with exactly one full stop (messages from libraries may already have one). */
export function sentence(text: string): string {
  const t = text.trimEnd();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
