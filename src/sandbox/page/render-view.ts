import { type BlocksContext, renderMessageBody } from './render-blocks.js';
import { escapeHtml, renderPlain } from './render-mrkdwn.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const plain = (v: unknown) => (isRec(v) && typeof v.text === 'string' ? v.text : '');

/** A modal as the page shows it: its title, buttons, and the blocks as HTML with form fields. */
export interface ModalForPage {
  id: string;
  title: string;
  submit: string | null;
  close: string;
  html: string;
}

/**
 * One input block as a labelled form field. The page reads each field back by its `data-block-id`,
 * `data-action-id` and `data-kind` and sends the values as Slack's `view.state.values` would hold them.
 */
function inputField(
  block: Rec,
  error: string | undefined,
  ctx: { channels: { id: string; name: string }[] },
): string {
  const el = isRec(block.element) ? block.element : {};
  const blockId = typeof block.block_id === 'string' ? block.block_id : '';
  const actionId = typeof el.action_id === 'string' ? el.action_id : '';
  const kind = typeof el.type === 'string' ? el.type : '';
  const attrs = `data-testid="modal-field" data-block-id="${escapeHtml(blockId)}" data-action-id="${escapeHtml(actionId)}" data-kind="${escapeHtml(kind)}"`;
  const label = `${renderPlain(plain(block.label), true)}${block.optional === true ? ' <span class="muted">(optional)</span>' : ''}`;
  let control: string;
  const options = Array.isArray(el.options) ? el.options.filter(isRec) : [];
  switch (kind) {
    case 'plain_text_input': {
      const max = typeof el.max_length === 'number' ? ` maxlength="${el.max_length}"` : '';
      const ph = escapeHtml(plain(el.placeholder));
      control =
        el.multiline === true
          ? `<textarea ${attrs}${max} rows="3" placeholder="${ph}"></textarea>`
          : `<input ${attrs}${max} placeholder="${ph}">`;
      break;
    }
    case 'static_select': {
      const initial = isRec(el.initial_option) ? el.initial_option.value : undefined;
      control = `<select ${attrs}><option value="">${escapeHtml(plain(el.placeholder) || 'Choose…')}</option>${options
        .map(
          (o) =>
            `<option value="${escapeHtml(String(o.value))}"${o.value === initial ? ' selected' : ''}>${escapeHtml(plain(o.text))}</option>`,
        )
        .join('')}</select>`;
      break;
    }
    case 'checkboxes':
      control = `<div ${attrs}>${options
        .map(
          (o) =>
            `<label class="check"><input type="checkbox" value="${escapeHtml(String(o.value))}"> ${escapeHtml(plain(o.text))}${
              o.description ? ` <span class="muted">${escapeHtml(plain(o.description))}</span>` : ''
            }</label>`,
        )
        .join('')}</div>`;
      break;
    case 'conversations_select':
      control = `<select ${attrs}><option value="">Choose a channel…</option>${ctx.channels
        .map((c) => `<option value="${escapeHtml(c.id)}">#${escapeHtml(c.name)}</option>`)
        .join('')}</select>`;
      break;
    default:
      control = `<span class="muted">[${escapeHtml(kind || 'unknown')} input]</span>`;
  }
  const hint = plain(block.hint) ? `<div class="muted">${escapeHtml(plain(block.hint))}</div>` : '';
  const err = error ? `<div class="field-error" data-testid="modal-error">${escapeHtml(error)}</div>` : '';
  return `<div class="field"><label>${label}</label>${control}${hint}${err}</div>`;
}

/** A modal's blocks: input blocks as fields (with the errors the app answered), the rest as in messages. */
export function renderModal(
  view: { id: string; view: Rec; errors?: Record<string, string> },
  ctx: BlocksContext & { channels: { id: string; name: string }[] },
): ModalForPage {
  const blocks = Array.isArray(view.view.blocks) ? view.view.blocks.filter(isRec) : [];
  const parts: string[] = [];
  let run: Rec[] = [];
  const flush = () => {
    if (run.length > 0) parts.push(renderMessageBody('', run, ctx));
    run = [];
  };
  for (const block of blocks) {
    if (block.type !== 'input') {
      run.push(block);
      continue;
    }
    flush();
    parts.push(
      inputField(block, typeof block.block_id === 'string' ? view.errors?.[block.block_id] : undefined, ctx),
    );
  }
  flush();
  return {
    id: view.id,
    title: plain(view.view.title),
    submit: isRec(view.view.submit) ? plain(view.view.submit) : null,
    close: plain(view.view.close) || 'Close',
    html: parts.join(''),
  };
}
