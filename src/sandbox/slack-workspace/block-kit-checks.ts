/**
 * The one Block Kit limits validator: the simulated Slack workspace enforces it on every message, and
 * tests run every builder's output through it. The limits the simulated Slack workspace enforces (slack.md §4.3), so the bot's own limits are checked for
 * real: Slack answers `invalid_blocks` with `[ERROR] … [json-pointer:/blocks/…]` messages.
 */

const LIMITS = {
  blocks: 50,
  blockId: 255,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  actionsElements: 25,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  url: 3000,
  altText: 2000,
  markdown: 12_000,
  contextText: 3000,
};

type Reply = { ok: false; error: string; response_metadata?: { messages: string[] } };

export function validateBlocks(blocks: unknown): Reply | null {
  if (!Array.isArray(blocks)) return { ok: false, error: 'invalid_blocks_format' };
  const problems: string[] = [];
  const add = (message: string, pointer: string) =>
    problems.push(`[ERROR] ${message} [json-pointer:${pointer}]`);
  if (blocks.length > LIMITS.blocks) add(`no more than ${LIMITS.blocks} items allowed`, '/blocks');
  for (const [i, block] of blocks.entries()) checkBlock(block, `/blocks/${i}`, add);
  return problems.length === 0
    ? null
    : { ok: false, error: 'invalid_blocks', response_metadata: { messages: problems } };
}

type Add = (message: string, pointer: string) => void;

function checkBlock(block: unknown, at: string, add: Add): void {
  if (!isRecord(block) || typeof block.type !== 'string') {
    add('missing required field: type', at);
    return;
  }
  if (block.block_id !== undefined) maxLen(block.block_id, LIMITS.blockId, `${at}/block_id`, add);
  switch (block.type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined) add('must provide text or fields', at);
      if (block.text !== undefined) textObject(block.text, 1, LIMITS.sectionText, `${at}/text`, add);
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) {
          add('must be an array', `${at}/fields`);
          return;
        }
        if (block.fields.length > LIMITS.sectionFields)
          add(`no more than ${LIMITS.sectionFields} items allowed`, `${at}/fields`);
        for (const [j, f] of block.fields.entries())
          textObject(f, 1, LIMITS.fieldText, `${at}/fields/${j}`, add);
      }
      return;
    }
    case 'header':
      textObject(block.text, 1, LIMITS.headerText, `${at}/text`, add);
      return;
    case 'actions':
      elements(block.elements, LIMITS.actionsElements, at, add, true);
      return;
    case 'context':
      elements(block.elements, LIMITS.contextElements, at, add, false);
      return;
    case 'image':
      maxLen(block.alt_text, LIMITS.altText, `${at}/alt_text`, add);
      return;
    case 'markdown':
      maxLen(block.text, LIMITS.markdown, `${at}/text`, add);
      return;
    default:
      return;
  }
}

function elements(list: unknown, max: number, at: string, add: Add, interactive: boolean): void {
  if (!Array.isArray(list) || list.length === 0) {
    add('must provide at least one element', `${at}/elements`);
    return;
  }
  if (list.length > max) add(`no more than ${max} items allowed`, `${at}/elements`);
  const actionIds = new Set<string>();
  for (const [j, el] of list.entries()) {
    const p = `${at}/elements/${j}`;
    if (!isRecord(el) || typeof el.type !== 'string') {
      add('missing required field: type', p);
      continue;
    }
    if (!interactive && (el.type === 'mrkdwn' || el.type === 'plain_text'))
      textObject(el, 1, LIMITS.contextText, p, add);
    if (!interactive || el.type !== 'button') continue;
    textObject(el.text, 1, LIMITS.buttonText, `${p}/text`, add);
    if (el.value !== undefined) maxLen(el.value, LIMITS.buttonValue, `${p}/value`, add);
    if (el.url !== undefined) maxLen(el.url, LIMITS.url, `${p}/url`, add);
    if (el.action_id !== undefined) {
      maxLen(el.action_id, LIMITS.actionId, `${p}/action_id`, add);
      if (typeof el.action_id === 'string' && actionIds.has(el.action_id))
        add('non-unique action_id', `${p}/action_id`);
      if (typeof el.action_id === 'string') actionIds.add(el.action_id);
    }
  }
}

function textObject(value: unknown, min: number, max: number, at: string, add: Add): void {
  if (!isRecord(value) || (value.type !== 'plain_text' && value.type !== 'mrkdwn')) {
    add('must be a text object', at);
    return;
  }
  if (typeof value.text !== 'string') {
    add('missing required field: text', `${at}/text`);
    return;
  }
  if (value.text.length < min) add(`must be more than ${min - 1} characters`, `${at}/text`);
  if (value.text.length > max) add(`must be less than ${max + 1} characters`, `${at}/text`);
}

function maxLen(value: unknown, max: number, at: string, add: Add): void {
  if (typeof value !== 'string') {
    add('must be a string', at);
    return;
  }
  if (value.length > max) add(`must be less than ${max + 1} characters`, at);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
