import { formatDuration, nextStepText, phaseLabel, splitBar } from '../../domain/describe-run.js';
import { escapeMrkdwn } from '../../domain/escape-mrkdwn.js';
import { isTerminal, type Run } from '../../domain/run.js';
import type { SlackBlock } from '../notifier.js';

export function slackDate(at: Date): string {
  const s = Math.floor(at.getTime() / 1000);
  return `<!date^${s}^{date_short_pretty} {time}|${at.toISOString()}>`;
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
  return `${run.id}: ${phaseLabel(run.phase)}${paused}${weight} (${escapeMrkdwn(run.fromVersion ?? '?')} → ${escapeMrkdwn(run.toVersion ?? '?')}, by <@${run.requestedBy}>)`;
}

/** The run card: posted once to the channel and updated in place at every change. */
export function runCardBlocks(run: Run, now: Date): SlackBlock[] {
  const ended = isTerminal(run.phase);
  const inPhase = formatDuration((run.finishedAt ?? now).getTime() - run.phaseStartedAt.getTime());
  const total = formatDuration((run.finishedAt ?? now).getTime() - run.createdAt.getTime());
  const freeze = run.dryRun
    ? 'Not frozen (dry run)'
    : ended
      ? 'Ended: config writes on X may resume'
      : ':snowflake: Config writes on X are frozen';
  const phase = `${phaseLabel(run.phase)}${run.paused ? ' (paused)' : ''}`;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: runTitle(run).slice(0, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Phase*\n${phase} · ${inPhase}` },
        { type: 'mrkdwn', text: `*Environment*\n${run.environment}` },
        {
          type: 'mrkdwn',
          text: `*Versions*\nX ${escapeMrkdwn(run.fromVersion ?? '?')} → Y ${escapeMrkdwn(run.toVersion ?? '?')}`,
        },
        { type: 'mrkdwn', text: `*Requested by*\n<@${run.requestedBy}>` },
        { type: 'mrkdwn', text: `*Traffic*\n\`${splitBar(run.appliedWeight ?? 0)}\`` },
        { type: 'mrkdwn', text: `*Write freeze*\n${freeze}` },
      ],
    },
  ];
  if (run.phase === 'failed' && run.failureReason) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Failed during ${run.failedPhase ?? 'a step'}:* ${escapeMrkdwn(run.failureReason)}`,
      },
    });
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Next:* ${nextStepText(run)}` } });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Started ${slackDate(run.createdAt)} · ${ended ? 'took' : 'running for'} ${total} · plan ${run.planSteps.join(' → ')} % · details in the thread`,
      },
    ],
  });
  return blocks;
}
