import {
  duringPhase,
  formatDuration,
  nextStepText,
  phaseLabel,
  splitBar,
} from '../../domain/describe-run.js';
import { escapeMrkdwn } from '../../domain/escape-mrkdwn.js';
import type { Gate } from '../../domain/gate.js';
import { isTerminal, type Run } from '../../domain/run.js';
import type { RunEvent } from '../../domain/run-event.js';
import type { SlackBlock } from '../notifier.js';

export function slackDate(at: Date): string {
  const s = Math.floor(at.getTime() / 1000);
  return `<!date^${s}^{date_short_pretty} {time}|${at.toISOString()}>`;
}

/**
 * A relative time ("5 minutes ago") that Slack keeps up to date on its own: the card is updated only
 * when the run changes, so a time computed when it is rendered would stand still.
 */
export function slackAgo(at: Date): string {
  const s = Math.floor(at.getTime() / 1000);
  return `<!date^${s}^{ago}|${at.toISOString()}>`;
}

/** "X 3.4.2 → Y 3.9.1"; X's version is known only once preflight has read it. */
export function versionsText(run: Pick<Run, 'fromVersion' | 'toVersion'>): string {
  // Versions come from Kong's answers: escaped, they cannot plant mentions or links.
  const x = run.fromVersion === null ? '(read at preflight)' : escapeMrkdwn(run.fromVersion);
  const y = run.toVersion === null ? '(not set)' : escapeMrkdwn(run.toVersion);
  return `X ${x} → Y ${y}`;
}

/** Facts outside the run row that change what the card must say. */
export interface CardFacts {
  /** A rollback gate waits for an approver. */
  pendingRollback?: { requestedAt: Date; reason?: string };
  /** The newest comparison, when it did not pass. */
  comparison?: { verdict: 'fail' | 'warn' | 'insufficient_data'; failing: string[]; at: Date };
}

/**
 * The card's facts from the run's pending gates and newest events (newest first or last: the newest
 * comparison wins): a pending rollback with the reason it was asked for, and a comparison that did not pass.
 */
export function cardFactsFrom(pending: readonly Gate[], events: readonly RunEvent[]): CardFacts {
  const facts: CardFacts = {};
  const rollback = pending.find((g) => g.kind === 'rollback' && g.status === 'pending');
  if (rollback) {
    const asked = events.find(
      (e) =>
        e.kind === 'gate.requested' &&
        e.details.gateId === rollback.id &&
        typeof e.details.reason === 'string',
    );
    facts.pendingRollback = {
      requestedAt: rollback.requestedAt,
      ...(asked ? { reason: String(asked.details.reason) } : {}),
    };
  }
  const verdicts = events.filter((e) => e.kind === 'comparison.verdict');
  const newest = verdicts.reduce<RunEvent | undefined>(
    (a, e) => (a === undefined || e.at > a.at ? e : a),
    undefined,
  );
  const verdict = newest?.details.verdict;
  if (newest && (verdict === 'fail' || verdict === 'warn' || verdict === 'insufficient_data')) {
    const failing = Array.isArray(newest.details.failing) ? newest.details.failing.map(String) : [];
    facts.comparison = { verdict, failing, at: newest.at };
  }
  return facts;
}

/** A time of day in each reader's own time zone (`<!date^…^{time_secs}|…>`), UTC as the fallback. */
export function slackTime(at: Date): string {
  const s = Math.floor(at.getTime() / 1000);
  return `<!date^${s}^{time_secs}|${at.toISOString().slice(11, 19)} UTC>`;
}

export function runTitle(run: Run): string {
  return `Kong upgrade ${run.id}${run.dryRun ? ' (dry run)' : ''}`;
}

/** One line for lists and notification text. */
export function runSummaryLine(run: Run): string {
  const weight = run.appliedWeight === null ? '' : `, Y ${run.appliedWeight} %`;
  const paused = run.paused ? ', paused' : '';
  return `${run.id}: ${phaseLabel(run.phase)}${paused}${weight} (${versionsText(run)}, by <@${run.requestedBy}>)`;
}

/** The run card: posted once to the channel and updated in place at every change. */
/** Run card buttons → the command they stand for (typed by the clicker, with the run's id). */
export const CARD_ACTIONS: Record<string, string> = {
  'card.pause': 'pause',
  'card.resume': 'resume',
  'card.rollback': 'rollback',
};

/**
 * Pause (or Resume) while the run is active, and Roll back while Y has traffic (also after an abort
 * that left some), with a danger confirm. They act as the commands do: the same rules and refusals.
 */
function cardButtons(run: Run, leftOnY: boolean, rollbackPending: boolean): SlackBlock[] {
  if (run.dryRun) return [];
  const active = !isTerminal(run.phase) && run.phase !== 'rolling_back';
  const out: SlackBlock[] = [];
  if (active) {
    out.push({
      type: 'button',
      action_id: run.paused ? 'card.resume' : 'card.pause',
      text: { type: 'plain_text', text: run.paused ? 'Resume' : 'Pause' },
      value: run.id,
    });
  }
  if (((active && (run.appliedWeight ?? 0) > 0) || leftOnY) && !rollbackPending) {
    out.push({
      type: 'button',
      action_id: 'card.rollback',
      text: { type: 'plain_text', text: 'Roll back' },
      style: 'danger',
      value: run.id,
      confirm: {
        title: { type: 'plain_text', text: 'Ask for a rollback?' },
        text: {
          type: 'mrkdwn',
          text: `An approver must approve it; approving sends 100 % of ${run.environment}'s traffic back to X.`,
        },
        confirm: { type: 'plain_text', text: 'Ask for it' },
        deny: { type: 'plain_text', text: 'Cancel' },
        style: 'danger',
      },
    });
  }
  return out;
}

export function runCardBlocks(run: Run, now: Date, facts: CardFacts = {}): SlackBlock[] {
  const ended = isTerminal(run.phase);
  const total = formatDuration((run.finishedAt ?? now).getTime() - run.createdAt.getTime());
  // The freeze ends only when Y serves nothing (or the run completed): a split left by an abort still
  // serves X's configuration from Y's restored copy.
  const leftOnY = (run.phase === 'aborted' || run.phase === 'failed') && (run.appliedWeight ?? 0) > 0;
  const freeze = run.dryRun
    ? 'Not frozen (dry run)'
    : ended && !leftOnY
      ? 'Ended: config writes on X may resume'
      : leftOnY
        ? ':snowflake: Still frozen: Y serves traffic'
        : ':snowflake: Config writes on X are frozen';
  // Ended: when it ended. Active: since when, kept current by Slack itself.
  const since = ended
    ? slackDate(run.finishedAt ?? run.phaseStartedAt)
    : `since ${slackAgo(run.phaseStartedAt)}`;
  const phase = `${phaseLabel(run.phase)}${run.paused ? ' (paused)' : ''} · ${since}`;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: runTitle(run).slice(0, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Phase*\n${phase}` },
        { type: 'mrkdwn', text: `*Environment*\n${run.environment}` },
        { type: 'mrkdwn', text: `*Versions*\n${versionsText(run)}` },
        { type: 'mrkdwn', text: `*Requested by*\n<@${run.requestedBy}>` },
        { type: 'mrkdwn', text: `*Traffic*\n\`${splitBar(run.appliedWeight ?? 0)}\`` },
        { type: 'mrkdwn', text: `*Write freeze*\n${freeze}` },
      ],
    },
  ];
  if ((run.phase === 'failed' || run.phase === 'aborted') && run.failureReason) {
    const verb = run.phase === 'failed' ? 'Failed' : 'Aborted';
    const during = run.failedPhase ? ` ${duringPhase(run.failedPhase)}` : '';
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${verb}${during}:* ${escapeMrkdwn(run.failureReason)}` },
    });
  }
  if (leftOnY) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:warning: *Y still serves ${run.appliedWeight} % of the traffic.* Roll it back with \`/kong-upgrade rollback ${run.id}\` (an approval sends 100 % to X); no new run of ${run.environment} starts until then.`,
      },
    });
  }
  const rollback = ended ? undefined : facts.pendingRollback;
  if (rollback) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:rotating_light: *Rollback awaiting approval* (asked ${slackAgo(rollback.requestedAt)})${rollback.reason ? `: ${rollback.reason}` : ''}. The approval message is in the thread.`,
      },
    });
  } else if (
    !ended &&
    facts.comparison &&
    (facts.comparison.verdict === 'fail' ||
      (facts.comparison.verdict === 'warn' && facts.comparison.failing.length > 0))
  ) {
    // A warning without a named metric (e.g. few requests) is left to the live comparison.
    const c = facts.comparison;
    const head = c.verdict === 'fail' ? ':x: *Y fails the comparison*' : ':warning: *Comparison warnings*';
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${head}: ${c.failing.join('; ') || 'see the live comparison in the thread'}`,
      },
    });
  }
  const next = rollback
    ? 'An approver decides on the rollback (approving sends 100 % of traffic to X).'
    : nextStepText(run);
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Next:* ${next}` } });
  const buttons = cardButtons(run, leftOnY, rollback !== undefined);
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'card', elements: buttons });
  const timing = ended ? `took ${total}` : `running since ${slackAgo(run.createdAt)}`;
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Started ${slackDate(run.createdAt)} · ${timing} · plan ${run.planSteps.join(' → ')} % · details in the thread`,
      },
    ],
  });
  return blocks;
}
