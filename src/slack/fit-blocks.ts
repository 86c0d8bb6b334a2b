import { clipText } from '../clip-text.js';
import type { SlackBlock } from './notifier.js';

/** Slack's Block Kit limits (reference/slack.md 4.3). */
export const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3000;
export const MAX_FIELD_TEXT = 2000;
export const MAX_FIELDS = 10;
export const MAX_CONTEXT_ELEMENTS = 10;
export const MAX_CONTEXT_TEXT = 3000;
export const MAX_HEADER_TEXT = 150;
export const MAX_MESSAGE_TEXT = 40_000;
/** chat.update refuses longer `text` with msg_too_long (chat.postMessage truncates at 40,000 instead). */
export const MAX_UPDATE_TEXT = 4000;

type TextObject = { type: string; text: string };

const isText = (v: unknown): v is TextObject =>
  typeof v === 'object' && v !== null && typeof (v as TextObject).text === 'string';

/**
 * Makes any blocks fit Slack's limits, so a long table or error never makes Slack reject the whole
 * message: over-long section texts are split into several sections, over-long fields, context texts
 * and headers are clipped, extra fields and context elements move to further blocks, and beyond 50
 * blocks the middle is left out (with a note) while every actions block (a gate's buttons) is kept.
 * Cuts never fall inside a mention, a user group, a channel, a date or a link (`<…>`), nor an entity.
 */
export function fitBlocks(blocks: SlackBlock[]): SlackBlock[] {
  const out = blocks.flatMap(fitBlock);
  if (out.length <= MAX_BLOCKS) return out;
  const actions = out.filter((b) => b.type === 'actions');
  const room = Math.max(0, MAX_BLOCKS - 1 - actions.length);
  const kept = out.filter((b) => b.type !== 'actions').slice(0, room);
  const left = out.length - actions.length - kept.length;
  return [
    ...kept,
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `…and ${left} more blocks, left out to stay within Slack's limits.` },
      ],
    },
    ...actions,
  ];
}

function fitBlock(block: SlackBlock): SlackBlock[] {
  switch (block.type) {
    case 'section':
      return fitSection(block);
    case 'context': {
      const elements = Array.isArray(block.elements) ? (block.elements as unknown[]) : [];
      const clipped = elements.map((e) =>
        isText(e) ? { ...e, text: safeClip(e.text, MAX_CONTEXT_TEXT) } : e,
      );
      const groups: SlackBlock[] = [];
      for (let i = 0; i < clipped.length; i += MAX_CONTEXT_ELEMENTS) {
        const { block_id: _id, ...rest } = block;
        groups.push({ ...(i === 0 ? block : rest), elements: clipped.slice(i, i + MAX_CONTEXT_ELEMENTS) });
      }
      return groups.length > 0 ? groups : [block];
    }
    case 'header':
      return isText(block.text)
        ? [{ ...block, text: { ...block.text, text: clipText(block.text.text, MAX_HEADER_TEXT) } }]
        : [block];
    default:
      return [block];
  }
}

function fitSection(block: SlackBlock): SlackBlock[] {
  const out: SlackBlock[] = [];
  const { fields, text, ...rest } = block as SlackBlock & { fields?: unknown; text?: unknown };
  if (isText(text) && text.text.length > MAX_SECTION_TEXT) {
    const { block_id: _id, accessory: _a, ...plain } = rest;
    for (const [i, chunk] of splitText(text.text, MAX_SECTION_TEXT).entries())
      out.push({ ...(i === 0 ? rest : plain), type: 'section', text: { ...text, text: chunk } });
  } else if (text !== undefined) {
    out.push({ ...rest, text });
  }
  if (Array.isArray(fields)) {
    const clipped = (fields as unknown[]).map((f) =>
      isText(f) ? { ...f, text: safeClip(f.text, MAX_FIELD_TEXT) } : f,
    );
    for (let i = 0; i < clipped.length; i += MAX_FIELDS) {
      const slice = clipped.slice(i, i + MAX_FIELDS);
      // The first group of fields stays with the section's text (and block_id), as it was.
      if (i === 0 && out.length > 0) (out[0] as SlackBlock).fields = slice;
      else out.push({ type: 'section', fields: slice });
    }
  }
  return out.length > 0 ? out : [block];
}

/**
 * Where `text` may be cut at or before `at` without splitting a `<…>` token (mention, user group,
 * channel, date, link) or an `&…;` entity: the start of the token, when `at` falls inside one.
 */
export function safeCutPoint(text: string, at: number): number {
  const open = text.lastIndexOf('<', at - 1);
  const inside = open >= 0 && text.lastIndexOf('>', at - 1) < open && text.indexOf('>', open) >= at;
  if (inside && open > 0) return open;
  const amp = text.lastIndexOf('&', at - 1);
  if (amp > 0 && at - amp <= 6) {
    const semi = text.indexOf(';', amp);
    if (semi >= at && semi - amp <= 6) return amp;
  }
  return at;
}

/** Clipped to `max` with an ellipsis, never inside a mention, link or entity. */
export function safeClip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, safeCutPoint(text, max - 1))}…`;
}

/** Pieces of at most `max` characters, cut at line breaks where possible and never inside `<…>`. */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut <= 0) cut = safeCutPoint(rest, max);
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
