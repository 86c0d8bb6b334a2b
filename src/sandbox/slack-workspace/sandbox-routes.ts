import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { START_MODAL } from '../../slack/blocks/start-modal-view.js';
import { renderSandboxPage } from '../page/sandbox-page.js';
import { buildChannelView } from './channel-view.js';
import { serveEventStream } from './event-stream.js';
import { handleClick, handleCommand, type InteractionDeps } from './sandbox-interactions.js';
import { clickHome, closeModal, type ModalValues, openHome, submitModal } from './view-interactions.js';
import { mimeType, sendJson } from './web-api-params.js';
import type { SandboxControls, SandboxPageOptions, SandboxUser } from './workspace-types.js';

export const DEFAULT_SANDBOX_CHANNEL = 'C0SANDBOX1';

export const DEFAULT_SANDBOX_USERS: SandboxUser[] = [
  { id: 'U0SBREQ', name: 'riley', label: 'Riley (requester)' },
  { id: 'U0SBAPP', name: 'alex', label: 'Alex (approver)' },
  { id: 'U0SBAP2', name: 'sam', label: 'Sam (approver)' },
  { id: 'U0SBWAT', name: 'jo', label: 'Jo (watcher)' },
];

const faultsSchema = z.object({
  errorRatio: z.number().min(0).max(1),
  addedLatencyMs: z.number().int().min(0).max(60_000),
  brokenRoute: z
    .object({
      route: z.string().min(1).max(200),
      status: z.union([z.literal(404), z.literal(500)], { error: 'status must be 404 or 500' }),
    })
    .nullable()
    .optional(),
});

const rejectedRouteSchema = z.object({ on: z.boolean() });
const dataPlaneSchema = z.object({ outOfSync: z.boolean() });

export interface SandboxRoutesDeps extends InteractionDeps {
  page: SandboxPageOptions;
}

/**
 * The page at `/sandbox` and its small API under `/sandbox/api/…`. Returns false for paths that are
 * not the page's, so the Web API routes can answer them.
 */
export function createSandboxRoutes(deps: SandboxRoutesDeps) {
  const { store, page } = deps;
  const channel = page.channel ?? DEFAULT_SANDBOX_CHANNEL;
  const users = page.users ?? DEFAULT_SANDBOX_USERS;
  store.setChannel(channel, { name: page.channelName ?? 'kong-upgrades' });
  const config = {
    channel,
    command: page.command ?? '/kong-upgrade',
    users,
    controls: page.controls !== undefined,
  };
  const userOf = (id: unknown): SandboxUser | undefined => users.find((u) => u.id === id);

  return async function route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    raw: Buffer,
  ): Promise<boolean> {
    if (path !== '/sandbox' && path !== '/sandbox/' && !path.startsWith('/sandbox/api/')) return false;
    const method = req.method ?? 'GET';
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const body = method === 'POST' ? parseJson(raw) : undefined;

    if (path === '/sandbox' || path === '/sandbox/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(renderSandboxPage());
      return true;
    }
    const api = path.slice('/sandbox/api'.length);
    if (method === 'GET' && api === '/config') return done(sendJson(res, 200, config));
    if (method === 'GET' && api === '/events') return done(serveEventStream(store, req, res));
    if (method === 'GET' && api === '/state') {
      const me = userOf(query.get('user'));
      if (me === undefined) return done(sendJson(res, 400, { ok: false, error: 'unknown_user' }));
      return done(sendJson(res, 200, buildChannelView(store, { channel, me: me.id, users })));
    }
    if (method === 'GET' && api.startsWith('/files/')) {
      const file = store.state.files.get(decodeURIComponent(api.slice('/files/'.length)));
      if (file?.bytes == null) return done(sendJson(res, 404, { ok: false, error: 'file_not_found' }));
      res.writeHead(200, { 'content-type': mimeType(file.filename), 'cache-control': 'no-store' });
      res.end(file.bytes);
      return true;
    }
    if (method === 'POST' && api === '/command') {
      const input = commandSchema.safeParse(body);
      const me = input.success ? userOf(input.data.user) : undefined;
      if (!input.success || me === undefined) return done(badInput(res, input.error?.issues[0]?.message));
      if (isStart(input.data.text)) await resetBeforeStart(deps, channel, me, page.controls);
      const outcome = await handleCommand(deps, {
        channel,
        user: me,
        text: input.data.text,
        command: config.command,
      });
      return done(sendJson(res, 200, outcome));
    }
    if (method === 'POST' && api === '/action') {
      const input = actionSchema.safeParse(body);
      const me = input.success ? userOf(input.data.user) : undefined;
      if (!input.success || me === undefined) return done(badInput(res, input.error?.issues[0]?.message));
      const { user: _id, ...click } = input.data;
      const outcome = await handleClick(deps, { channel, ...click, user: me });
      return done(sendJson(res, outcome.ok || outcome.error !== 'button_not_found' ? 200 : 404, outcome));
    }
    if (method === 'POST' && api === '/view-submit') {
      const input = viewSubmitSchema.safeParse(body);
      const me = input.success ? userOf(input.data.user) : undefined;
      if (!input.success || me === undefined) return done(badInput(res, input.error?.issues[0]?.message));
      const values = input.data.values as ModalValues;
      // The start form is `start` too: Y is emptied first when an earlier run used it (a dry run only reads).
      const form = store.state.views.find((v) => v.id === input.data.viewId && v.user === me.id && !v.closed);
      const dryRun = JSON.stringify(values.options ?? {}).includes('"dry_run"');
      if (form?.view.callback_id === START_MODAL && !dryRun)
        await resetBeforeStart(deps, channel, me, page.controls);
      const outcome = await submitModal(deps, { user: me, viewId: input.data.viewId, values });
      return done(sendJson(res, outcome.ok || outcome.error !== 'button_not_found' ? 200 : 404, outcome));
    }
    if (method === 'POST' && api === '/view-close') {
      const input = viewCloseSchema.safeParse(body);
      const me = input.success ? userOf(input.data.user) : undefined;
      if (!input.success || me === undefined) return done(badInput(res, input.error?.issues[0]?.message));
      return done(sendJson(res, 200, { ok: closeModal(deps, { user: me, viewId: input.data.viewId }) }));
    }
    if (method === 'POST' && api === '/home') {
      const me = userOf(isRecordBody(body) ? body.user : undefined);
      if (me === undefined) return done(badInput(res, undefined));
      return done(sendJson(res, 200, await openHome(deps, me)));
    }
    if (method === 'POST' && api === '/home-action') {
      const input = homeActionSchema.safeParse(body);
      const me = input.success ? userOf(input.data.user) : undefined;
      if (!input.success || me === undefined) return done(badInput(res, input.error?.issues[0]?.message));
      const { user: _id, ...click } = input.data;
      const outcome = await clickHome(deps, { ...click, user: me });
      return done(sendJson(res, outcome.ok || outcome.error !== 'button_not_found' ? 200 : 404, outcome));
    }
    if (
      api === '/controls' ||
      api === '/controls/faults' ||
      api === '/controls/rejected-route' ||
      api === '/controls/data-plane' ||
      api === '/controls/reset'
    ) {
      const controls = page.controls;
      if (controls === undefined) return done(sendJson(res, 404, { ok: false, error: 'no_controls' }));
      if (method === 'GET' && api === '/controls') return done(sendJson(res, 200, await controls.status()));
      if (method === 'POST' && api === '/controls/faults') {
        const faults = faultsSchema.safeParse(body);
        if (!faults.success) return done(badInput(res, faults.error.issues[0]?.message));
        const broken = faults.data.brokenRoute;
        if (broken) {
          // Only a route Y serves: a typo would break nothing and show nothing.
          const known = (await controls.status()).routes ?? [];
          if (!known.includes(broken.route)) {
            return done(badInput(res, `Y has no route named "${broken.route}"; nothing changed.`));
          }
        }
        await controls.setYFaults(faults.data);
        return done(sendJson(res, 200, await controls.status()));
      }
      if (method === 'POST' && api === '/controls/rejected-route' && controls.setRejectedRoute) {
        const toggle = rejectedRouteSchema.safeParse(body);
        if (!toggle.success) return done(badInput(res, toggle.error.issues[0]?.message));
        await controls.setRejectedRoute(toggle.data.on);
        return done(sendJson(res, 200, await controls.status()));
      }
      if (method === 'POST' && api === '/controls/data-plane' && controls.setDataPlaneOutOfSync) {
        const toggle = dataPlaneSchema.safeParse(body);
        if (!toggle.success) return done(badInput(res, toggle.error.issues[0]?.message));
        await controls.setDataPlaneOutOfSync(toggle.data.outOfSync);
        return done(sendJson(res, 200, await controls.status()));
      }
      if (method === 'POST' && api === '/controls/reset' && controls.resetY) {
        const outcome = await controls.resetY({ whenUsed: false });
        return done(sendJson(res, outcome.ok ? 200 : 409, { ...outcome, status: await controls.status() }));
      }
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
    return true;
  };
}

/** `start <env>` that changes something (a dry run only reads). */
function isStart(text: string): boolean {
  const words = text.trim().split(/\s+/);
  // `start` alone only opens the start form; its submission resets Y when it starts a run.
  return words[0]?.toLowerCase() === 'start' && words.length > 1 && !words.includes('--dry-run');
}

/**
 * Before a new upgrade, the sandbox empties Y when an earlier run left its restore there (the real
 * restore refuses a filled database), and says so to the one who typed `start`. A refusal (a run is
 * still active) is left to the bot, which explains it.
 */
async function resetBeforeStart(
  deps: SandboxRoutesDeps,
  channel: string,
  user: SandboxUser,
  controls: SandboxControls | undefined,
): Promise<void> {
  if (controls?.resetY === undefined) return;
  let note: string | undefined;
  try {
    const outcome = await controls.resetY({ whenUsed: true });
    if (outcome.reset) note = outcome.message;
  } catch (error) {
    note = `The sandbox could not reset Y: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (note !== undefined) {
    deps.store.addEphemeral({
      channel,
      user: user.id,
      threadTs: null,
      text: note,
      blocks: null,
      from: 'slackbot',
    });
  }
}

const commandSchema = z.object({ user: z.string(), text: z.string().max(4000) });
const actionSchema = z.object({
  user: z.string(),
  ts: z.string().regex(/^\d+\.\d+$/),
  ephemeral: z.boolean().default(false),
  actionId: z.string().min(1),
  blockId: z.string().optional(),
  blockIndex: z.number().int().min(0).optional(),
});

const viewSubmitSchema = z.object({
  user: z.string(),
  viewId: z.string().regex(/^V[0-9A-Z]+$/),
  values: z.record(z.string().max(255), z.record(z.string().max(255), z.record(z.string(), z.unknown()))),
});
const viewCloseSchema = z.object({ user: z.string(), viewId: z.string() });
const homeActionSchema = z.object({
  user: z.string(),
  actionId: z.string().min(1),
  blockId: z.string().optional(),
  blockIndex: z.number().int().min(0).optional(),
});

function isRecordBody(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function done(_: unknown): true {
  return true;
}

function badInput(res: ServerResponse, message: string | undefined): void {
  sendJson(res, 400, { ok: false, error: 'invalid_input', message: message ?? 'unknown user' });
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
