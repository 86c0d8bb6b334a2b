import { clipText } from '../clip-text.js';
import type { SlackBlock } from './notifier.js';

/** Slack's Block Kit limits (reference/slack.md 4.3). */
export const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3000;
export const MAX_MESSAGE_TEXT = 40_000;
/** chat.update refuses longer `text` with msg_too_long (chat.postMessage truncates at 40,000 instead). */
export const MAX_UPDATE_TEXT = 4000;

/**
 * Splits over-long section texts at line breaks and caps the block count, so a long table never
 * makes Slack reject the whole message; what does not fit is summarised in a last context block.
 */
export function fitBlocks(blocks: SlackBlock[]): SlackBlock[] {
  const out: SlackBlock[] = [];
  for (const block of blocks) {
    const text =
      block.type === 'section' ? (block.text as { type: string; text: string } | undefined) : undefined;
    if (!text || text.text.length <= MAX_SECTION_TEXT) {
      out.push(block);
      continue;
    }
    for (const chunk of splitText(text.text, MAX_SECTION_TEXT)) {
      out.push({ type: 'section', text: { type: text.type, text: chunk } });
    }
  }
  if (out.length <= MAX_BLOCKS) return out;
  const kept = out.slice(0, MAX_BLOCKS - 1);
  kept.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `…and ${out.length - kept.length} more blocks, left out to stay within Slack's limits.`,
      },
    ],
  });
  return kept;
}

export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut <= 0) cut = max;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

export function clampText(text: string, max = MAX_MESSAGE_TEXT): string {
  return clipText(text, max);
}
