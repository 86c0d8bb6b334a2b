import { compareSlot, type ObservationPolicy } from './decide-observation.js';
import { type Decision, refuse } from './decision.js';
import { phaseLabel } from './describe-run.js';
import type { DomainEvent } from './domain-event.js';
import type { Effect } from './effects.js';
import { escapeMrkdwn } from './escape-mrkdwn.js';
import { type JobName, jobIdFor, PREPARATION_JOBS, type PreparationJob } from './job-names.js';
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

export function decideJob(run: Run, event: JobEvent, now: Date, policy: ObservationPolicy): Decision {
  if (isTerminal(run.phase)) return refuse(`${run.id} has already ended (${phaseLabel(run.phase)}).`);
  switch (event.type) {
    case 'job_succeeded':
      return jobSucceeded(run, event, now);
    case 'job_failed':
      return jobFailed(run, event, now);
    case 'weight_applied':
      return weightApplied(run, event, now, policy);
  }
}

function jobSucceeded(run: Run, event: Extract<JobEvent, { type: 'job_succeeded' }>, now: Date): Decision {
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
      patch: { phase: 'completed', finishedAt: now },
      events,
      effects: [thread, { type: 'update_card' }],
    };
  }
  const index = PREPARATION_JOBS.indexOf(event.job as PreparationJob);
  if (run.dryRun && event.job === 'preflight') {
    return {
      ok: true,
      patch: { ...facts, phase: 'completed', finishedAt: now },
      events,
      effects: [thread, { type: 'update_card' }],
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
  return {
    ok: true,
    patch: { ...facts, phase: 'awaiting_gate' },
    events,
    effects: [
      thread,
      { type: 'update_card' },
      { type: 'request_gate', kind: 'shift', targetWeight: first, reason: 'Y is verified' },
    ],
  };
}

function jobFailed(run: Run, event: Extract<JobEvent, { type: 'job_failed' }>, now: Date): Decision {
  const remedy = event.remedy ? ` ${event.remedy}` : '';
  const event0 = {
    actor: `job:${event.job}`,
    kind: `job.${event.job}.failed`,
    phase: run.phase,
    details: { code: event.code, message: event.message },
  };
  if (event.job === 'compare') {
    return {
      ok: true,
      patch: {},
      events: [event0],
      effects: [
        {
          type: 'thread',
          text: `:warning: Metric comparison failed: ${sentence(escapeMrkdwn(event.message))}${remedy}`,
        },
      ],
    };
  }
  if (phaseOfJob(event.job) !== run.phase) {
    return refuse(`the ${event.job} failure does not apply: ${run.id} is in ${run.phase}.`);
  }
  if (event.job === 'shift') {
    // The router did not confirm the new weight: nothing is recorded, the run stays where it was.
    return {
      ok: true,
      patch: { phase: run.appliedWeight === null ? 'awaiting_gate' : 'observing' },
      events: [event0],
      effects: [
        {
          type: 'thread',
          text: `:x: The traffic step failed: ${sentence(escapeMrkdwn(event.message))} The recorded weight is unchanged (Y ${run.appliedWeight ?? 0} %).${remedy} Ask again with \`/kong-upgrade shift ${run.id} <percent>\` once the cause above is fixed, or roll back.`,
          broadcast: true,
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
      { type: 'close_gates', reason: `the run failed during ${run.phase}` },
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
  const events = [
    {
      actor: event.actor,
      kind: 'traffic.weight_applied',
      phase: run.phase,
      details: { weight: event.weight, previous: run.appliedWeight, gateId: event.gateId ?? null },
    },
  ];
  const split = `X ${100 - event.weight} % / Y ${event.weight} %`;
  if (run.phase === 'rolling_back') {
    return {
      ok: true,
      patch: { appliedWeight: event.weight, phase: 'rolled_back', finishedAt: now },
      events,
      effects: [
        {
          type: 'thread',
          text: `:leftwards_arrow_with_hook: Rolled back: ${split}, confirmed by the router.`,
          broadcast: true,
        },
        { type: 'update_card' },
      ],
    };
  }
  if (run.phase !== 'shifting') return refuse(`no traffic step is in progress on ${run.id}.`);
  const stepIndex = run.planSteps.indexOf(event.weight);
  return {
    ok: true,
    patch: {
      appliedWeight: event.weight,
      phase: 'observing',
      stepIndex: stepIndex >= 0 ? stepIndex : run.stepIndex,
    },
    events,
    effects: [
      {
        type: 'thread',
        text: `:twisted_rightwards_arrows: Traffic is now ${split}, confirmed by the router.`,
      },
      { type: 'update_card' },
      // Start (or join) the comparison chain: one compare job per interval slot.
      {
        type: 'enqueue',
        job: 'compare',
        jobId: jobIdFor(run.id, 'compare', compareSlot(now, policy.intervalSeconds)),
      },
    ],
  };
}

/** Ends a message with exactly one full stop (messages from libraries may already have one). */
export function sentence(text: string): string {
  const t = text.trimEnd();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
