import { escapeHtml, type MrkdwnContext, renderMrkdwn, renderPlain, safeUrl } from './render-mrkdwn.js';

/**
 * Block Kit to HTML for the sandbox page: header, section (text, fields, accessory), context, divider,
 * actions with buttons (style, confirm dialog), image, markdown. Buttons carry what the page needs to
 * report a click (block index/id, action_id); the server rebuilds the payload from the stored message.
 */

export interface BlocksContext extends MrkdwnContext {
  /** URL under which the page can load a Slack-hosted file (`slack_file: { id }`). */
  fileUrl(id: string): string;
}

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function textObject(value: unknown, ctx: BlocksContext): string {
  if (!isRec(value) || typeof value.text !== 'string') return '';
  return value.type === 'mrkdwn'
    ? renderMrkdwn(value.text, ctx)
    : renderPlain(value.text, value.emoji !== false);
}

function plainOf(value: unknown): string {
  return isRec(value) && typeof value.text === 'string' ? value.text : '';
}

function imageSrc(el: Rec, ctx: BlocksContext): string | undefined {
  if (typeof el.image_url === 'string') return safeUrl(el.image_url);
  const file = el.slack_file;
  if (isRec(file) && typeof file.id === 'string') return ctx.fileUrl(file.id);
  if (isRec(file) && typeof file.url === 'string') return safeUrl(file.url);
  return undefined;
}

function image(el: Rec, ctx: BlocksContext, cls: string): string {
  const src = imageSrc(el, ctx);
  const alt = typeof el.alt_text === 'string' ? el.alt_text : '';
  return src === undefined
    ? `<span class="${cls}-missing">[image: ${escapeHtml(alt)}]</span>`
    : `<img class="${cls}" src="${escapeHtml(src)}" alt="${escapeHtml(alt)}">`;
}

function button(el: Rec, blockIndex: number, blockId: string, ctx: BlocksContext): string {
  const style = el.style === 'primary' || el.style === 'danger' ? ` btn-${el.style}` : '';
  const label = textObject(el.text, ctx);
  if (typeof el.url === 'string' && safeUrl(el.url) !== undefined) {
    return `<a class="btn${style}" href="${escapeHtml(el.url)}" target="_blank" rel="noopener noreferrer">${label}</a>`;
  }
  const actionId = typeof el.action_id === 'string' ? el.action_id : '';
  const attrs = [
    'data-testid="action-button"',
    `data-action-id="${escapeHtml(actionId)}"`,
    `data-block-id="${escapeHtml(blockId)}"`,
    `data-block-index="${blockIndex}"`,
  ];
  const confirm = el.confirm;
  if (isRec(confirm)) {
    const dialog = {
      title: plainOf(confirm.title) || 'Are you sure?',
      html: textObject(confirm.text, ctx),
      confirm: plainOf(confirm.confirm) || 'Yes',
      deny: plainOf(confirm.deny) || 'Cancel',
      style: confirm.style === 'danger' ? 'danger' : 'primary',
    };
    attrs.push(`data-confirm="${escapeHtml(JSON.stringify(dialog))}"`);
  }
  return `<button type="button" class="btn${style}" ${attrs.join(' ')}>${label}</button>`;
}

function elements(list: unknown, render: (el: Rec) => string): string {
  return Array.isArray(list) ? list.filter(isRec).map(render).join('') : '';
}

function block(b: Rec, index: number, ctx: BlocksContext): string {
  const blockId = typeof b.block_id === 'string' ? b.block_id : `b${index}`;
  switch (b.type) {
    case 'header':
      return `<div class="blk-header">${textObject(b.text, ctx)}</div>`;
    case 'divider':
      return '<hr class="blk-divider">';
    case 'section': {
      const text = b.text === undefined ? '' : `<div class="blk-text">${textObject(b.text, ctx)}</div>`;
      const fields = Array.isArray(b.fields)
        ? `<div class="blk-fields">${b.fields.map((f) => `<div class="blk-field">${textObject(f, ctx)}</div>`).join('')}</div>`
        : '';
      const acc = isRec(b.accessory) ? b.accessory : undefined;
      const accessory =
        acc === undefined
          ? ''
          : `<div class="blk-accessory">${acc.type === 'image' ? image(acc, ctx, 'blk-thumb') : acc.type === 'button' ? button(acc, index, blockId, ctx) : ''}</div>`;
      return `<div class="blk-section"><div class="blk-main">${text}${fields}</div>${accessory}</div>`;
    }
    case 'context':
      return `<div class="blk-context">${elements(b.elements, (el) =>
        el.type === 'image' ? image(el, ctx, 'blk-context-img') : `<span>${textObject(el, ctx)}</span>`,
      )}</div>`;
    case 'actions':
      return `<div class="blk-actions">${elements(b.elements, (el) =>
        el.type === 'button'
          ? button(el, index, blockId, ctx)
          : `<span class="blk-unsupported">[${escapeHtml(String(el.type))}]</span>`,
      )}</div>`;
    case 'image': {
      const title = isRec(b.title) ? `<div class="blk-image-title">${textObject(b.title, ctx)}</div>` : '';
      return `<figure class="blk-image">${title}${image(b, ctx, 'blk-img')}</figure>`;
    }
    case 'markdown':
      return `<div class="blk-text">${renderMrkdwn(typeof b.text === 'string' ? b.text : '', ctx)}</div>`;
    default:
      return `<div class="blk-unsupported">[unsupported block: ${escapeHtml(String(b.type))}]</div>`;
  }
}

/** A message as Slack shows it: its blocks when it has any, else its text as mrkdwn. */
export function renderMessageBody(text: string, blocks: unknown[] | null, ctx: BlocksContext): string {
  if (blocks === null || blocks.length === 0) return `<div class="blk-text">${renderMrkdwn(text, ctx)}</div>`;
  return blocks.map((b, i) => (isRec(b) ? block(b, i, ctx) : '')).join('');
}

/**
 * Finds the button a click names, by block and action_id. A block with its own `block_id` is found by it
 * wherever it now stands (as Slack does: a message updated since the page drew it, say with an image
 * inserted above, still takes the click); a block without one only by its position.
 */
export function findButton(
  blocks: unknown[] | null,
  where: { blockId?: string; blockIndex?: number; actionId: string },
): { blockId: string; button: Rec } | undefined {
  for (const [index, b] of (blocks ?? []).entries()) {
    if (!isRec(b)) continue;
    const explicit = typeof b.block_id === 'string';
    const blockId = explicit ? String(b.block_id) : `b${index}`;
    const namedHere = explicit && where.blockId === blockId;
    if (!namedHere && where.blockIndex !== undefined && where.blockIndex !== index) continue;
    if (where.blockId !== undefined && where.blockId !== blockId) continue;
    const candidates = [...(Array.isArray(b.elements) ? b.elements : []), b.accessory].filter(isRec);
    const found = candidates.find((el) => el.type === 'button' && el.action_id === where.actionId);
    if (found !== undefined) return { blockId, button: found };
  }
  return undefined;
}
