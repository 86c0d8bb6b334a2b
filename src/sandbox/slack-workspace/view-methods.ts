import { validateBlocks } from './block-kit-checks.js';
import type { MethodHandler } from './chat-methods.js';
import { fail, isRecord, type Reply, str } from './web-api-params.js';
import type { WorkspaceStore } from './workspace-store.js';
import type { WorkspaceView } from './workspace-types.js';

/** Slack's view limits (Block Kit reference: modals and Home tabs). */
const LIMITS = { blocks: 100, title: 24, button: 24, callbackId: 255, privateMetadata: 3000 };
const TRIGGER_MS = 3000;

/**
 * `views.open`, `views.update` and `views.publish` as Slack answers them: a trigger_id is usable once
 * and for 3 s (`expired_trigger_id`), a modal needs a short plain-text title, a Home tab is `type: home`,
 * and the blocks obey Block Kit's limits (`invalid_arguments` with messages otherwise).
 */
export function createViewMethods(store: WorkspaceStore): Record<string, MethodHandler> {
  const { state } = store;
  let seq = 0;
  const nextId = () => `V${String(++seq).padStart(8, '0')}`;
  const viewJson = (v: WorkspaceView) => ({
    id: v.id,
    team_id: store.team.id,
    app_id: store.bot.appId,
    bot_id: store.bot.botId,
    ...v.view,
    state: { values: {} },
    hash: `${v.at.getTime()}.${v.id}`,
  });

  return {
    'views.open': (p) => {
      const triggerId = str(p, 'trigger_id');
      if (triggerId === undefined || triggerId === '')
        return fail('invalid_arguments', ['missing trigger_id']);
      const issued = state.triggers.get(triggerId);
      const at = issued?.at ?? Number(triggerId.split('.')[0]);
      if (!Number.isFinite(at)) return fail('invalid_trigger_id');
      if (issued?.used === true || store.now() - at > TRIGGER_MS) return fail('expired_trigger_id');
      const view = checkView(p.view, 'modal');
      if ('error' in view) return view.error;
      if (issued) issued.used = true;
      const v: WorkspaceView = {
        id: nextId(),
        kind: 'modal',
        user: issued?.user ?? null,
        view: view.view,
        closed: false,
        at: new Date(store.now()),
        updates: [],
      };
      state.views.push(v);
      store.notifyView(v.user);
      return { ok: true, view: viewJson(v) };
    },
    'views.update': (p) => {
      const v = state.views.find((x) => x.kind === 'modal' && x.id === str(p, 'view_id'));
      if (v === undefined) return fail('not_found');
      const view = checkView(p.view, 'modal');
      if ('error' in view) return view.error;
      v.view = view.view;
      v.updates.push({ at: new Date(store.now()), view: view.view });
      store.notifyView(v.user);
      return { ok: true, view: viewJson(v) };
    },
    'views.publish': (p) => {
      const user = str(p, 'user_id');
      if (user === undefined || !/^[UW][A-Z0-9]+$/.test(user))
        return fail('invalid_arguments', ['bad user_id']);
      const view = checkView(p.view, 'home');
      if ('error' in view) return view.error;
      const old = state.views.find((x) => x.kind === 'home' && x.user === user);
      if (old) {
        old.view = view.view;
        old.updates.push({ at: new Date(store.now()), view: view.view });
        store.notifyView(user);
        return { ok: true, view: viewJson(old) };
      }
      const v: WorkspaceView = {
        id: nextId(),
        kind: 'home',
        user,
        view: view.view,
        closed: false,
        at: new Date(store.now()),
        updates: [],
      };
      state.views.push(v);
      store.notifyView(user);
      return { ok: true, view: viewJson(v) };
    },
  };
}

function checkView(
  raw: unknown,
  kind: 'modal' | 'home',
): { view: Record<string, unknown> } | { error: Reply } {
  if (!isRecord(raw)) return { error: fail('invalid_arguments', ['view must be an object']) };
  const problems: string[] = [];
  if (raw.type !== kind) problems.push(`view.type must be ${kind} [json-pointer:/view/type]`);
  if (kind === 'modal') {
    const title = isRecord(raw.title) ? raw.title : null;
    if (title?.type !== 'plain_text' || typeof title.text !== 'string' || title.text.length === 0)
      problems.push('a modal needs a plain_text title [json-pointer:/view/title]');
    else if (title.text.length > LIMITS.title)
      problems.push(`must be less than ${LIMITS.title + 1} characters [json-pointer:/view/title/text]`);
    for (const key of ['submit', 'close'] as const) {
      const b = raw[key];
      if (b !== undefined && (!isRecord(b) || typeof b.text !== 'string' || b.text.length > LIMITS.button))
        problems.push(`must be less than ${LIMITS.button + 1} characters [json-pointer:/view/${key}/text]`);
    }
  }
  if (typeof raw.callback_id === 'string' && raw.callback_id.length > LIMITS.callbackId)
    problems.push('callback_id too long [json-pointer:/view/callback_id]');
  if (typeof raw.private_metadata === 'string' && raw.private_metadata.length > LIMITS.privateMetadata)
    problems.push('private_metadata too long [json-pointer:/view/private_metadata]');
  const blocks = Array.isArray(raw.blocks) ? raw.blocks : null;
  if (blocks === null) problems.push('missing required field: blocks [json-pointer:/view/blocks]');
  else if (blocks.length > LIMITS.blocks)
    problems.push(`no more than ${LIMITS.blocks} items allowed [json-pointer:/view/blocks]`);
  else {
    // Input blocks are views-only; the message validator checks every other block.
    const bad = validateBlocks(blocks.filter((b) => !(isRecord(b) && b.type === 'input')));
    if (bad !== null)
      problems.push(
        ...(bad.response_metadata?.messages ?? [bad.error]).map((m) => m.replace(/^\[ERROR\] /, '')),
      );
    if (kind === 'modal' && blocks.some((b) => isRecord(b) && b.type === 'input') && raw.submit === undefined)
      problems.push('a modal with input blocks needs a submit button [json-pointer:/view/submit]');
  }
  if (problems.length > 0) return { error: fail('invalid_arguments', problems) };
  return { view: raw };
}
