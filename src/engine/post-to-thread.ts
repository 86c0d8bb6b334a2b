import { MAX_SECTION_TEXT, splitText } from '../slack/fit-blocks.js';
import type { Notifier } from '../slack/notifier.js';

const FENCE = '```';

/**
 * Splits mrkdwn into pieces of at most `max` characters at line breaks. A code block cut in two
 * is closed at the end of one piece and reopened at the start of the next, so a long table stays a
 * table in every message.
 */
export function splitMrkdwn(text: string, max = MAX_SECTION_TEXT): string[] {
  if (text.length <= max) return [text];
  // Room for a closing and a reopening fence in every piece.
  const budget = max - 2 * (FENCE.length + 1);
  const pieces: string[] = [];
  let current: string[] = [];
  let size = 0;
  let inCode = false;
  let openedInCode = false;
  const flush = () => {
    if (current.length === 0) return;
    const body = current.join('\n');
    pieces.push(`${openedInCode ? `${FENCE}\n` : ''}${body}${inCode ? `\n${FENCE}` : ''}`);
    current = [];
    size = 0;
    openedInCode = inCode;
  };
  for (const line of text.split('\n')) {
    // A single line longer than a piece is cut hard; splitText does that at the budget.
    for (const part of line.length > budget ? splitText(line, budget) : [line]) {
      if (size + part.length + 1 > budget && current.length > 0) flush();
      current.push(part);
      size += part.length + 1;
      if (part.trim().startsWith(FENCE) && part.trim().length === FENCE.length) inCode = !inCode;
    }
  }
  flush();
  return pieces;
}

/** Posts text to a run's thread as one or more messages, each within Slack's section limit. */
export async function postToThread(
  notifier: Notifier,
  target: { channel: string; threadTs: string | null },
  text: string,
): Promise<void> {
  for (const piece of splitMrkdwn(text)) {
    await notifier.post({ channel: target.channel, threadTs: target.threadTs, text: piece });
  }
}
