import type { IncomingMessage, RequestListener } from 'node:http';
import { isValidSlackRequest } from '@slack/bolt';
import type { Logger } from 'pino';
import { readBody } from '../read-body.js';
import { REASON_MODAL } from './blocks/reason-modal-view.js';
import { START_MODAL, START_SHORTCUT } from './blocks/start-modal-view.js';
import { COMMAND_NAME } from './usage.js';

const EVENTS_PATH = '/slack/events';
const MAX_BODY_BYTES = 1_000_000;

/** The modals the bot has a submission listener for. */
const VIEW_CALLBACKS: readonly string[] = [REASON_MODAL, START_MODAL];
// Slack sends `enterprise: null` outside Enterprise Grid (Bolt expects that); the rest are objects.
const OBJECT_FIELDS = ['channel', 'team', 'container', 'message', 'view', 'state'];

export type PayloadVerdict = 'pass' | 'malformed' | 'ignored';

/**
 * What Bolt would mishandle: a `payload` that is not a JSON object (`payload=null` makes its receiver
 * throw outside any handler and never answer), and requests no listener of the bot matches (other
 * interactivity types, clicks without an action, other commands, forms that are neither): Bolt
 * answers those with 404 only after 3 s. Everything else goes to Bolt unchanged.
 */
export function classifyPayload(form: string): PayloadVerdict {
  const fields = new URLSearchParams(form);
  const payload = fields.get('payload');
  if (payload === null) {
    if (fields.get('ssl_check') !== null) return 'pass';
    return fields.get('command') === COMMAND_NAME ? 'pass' : 'ignored';
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return 'malformed';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'malformed';
  const { type, actions, user } = parsed as { type?: unknown; actions?: unknown; user?: unknown };
  const first: unknown = Array.isArray(actions) ? actions[0] : undefined;
  // Bolt reads `actions[0].action_id` and `user.id` before any listener runs; it throws without them.
  const hasAction = isRecord(first) && typeof first.action_id === 'string';
  const hasUser = isRecord(user) && typeof user.id === 'string';
  // …and `channel.id`, `team.id` and the like wherever those keys exist: a null there throws as well.
  const body = parsed as Record<string, unknown>;
  const shaped =
    OBJECT_FIELDS.every((k) => !(k in body) || isRecord(body[k])) &&
    (body.enterprise === undefined || body.enterprise === null || isRecord(body.enterprise));
  if (!hasUser || !shaped) return 'ignored';
  if (type === 'block_actions') return hasAction ? 'pass' : 'ignored';
  // Modal submissions and the shortcut the bot has listeners for; anything else is not ours.
  if (type === 'view_submission') {
    const view = body.view as Record<string, unknown> | undefined;
    return typeof view?.callback_id === 'string' && VIEW_CALLBACKS.includes(view.callback_id)
      ? 'pass'
      : 'ignored';
  }
  if (type === 'shortcut') return body.callback_id === START_SHORTCUT ? 'pass' : 'ignored';
  return 'ignored';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The path Bolt routes on: the request target parsed as a URL (so `/slack/./events`, `/slack/events#x`,
 * `%2E` dot segments and absolute-form targets such as `http://any/slack/events` all land on
 * `/slack/events`), exactly as its HTTP receiver does; null when the target is not a URL at all.
 */
export function routedPath(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

/**
 * Wraps Bolt's request listener: reads the body of every request Bolt would route to its events
 * endpoint once, at most 1 MB (Bolt reuses it as `rawBody`; its own read has no limit and comes before
 * the signature check), answers what Bolt would mishandle itself (401 unless validly signed, then 400 for a
 * malformed payload, 200 for one the bot ignores), and passes the rest on.
 */
export function guardSlackEvents(
  listener: RequestListener,
  options: { signingSecret: string; log: Logger },
): RequestListener {
  return (req, res) => {
    // Declared sizes past the limit are refused on any path, before a byte of the body is read.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return void res.writeHead(413, { connection: 'close' }).end();
    const path = routedPath(req.url);
    if (path === null) return void res.writeHead(400, { connection: 'close' }).end();
    if (req.method?.toUpperCase() !== 'POST' || path !== EVENTS_PATH) return listener(req, res);
    readBody(req, MAX_BODY_BYTES).then(
      (body) => {
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
        const text = body.toString('utf8');
        const verdict = req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')
          ? classifyPayload(text)
          : 'pass';
        if (verdict === 'pass') return listener(req, res);
        const signed = isValidSlackRequest({
          signingSecret: options.signingSecret,
          body: text,
          headers: {
            'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
            'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp'] ?? 0),
          },
        });
        if (!signed) return void res.writeHead(401).end();
        options.log.info({ verdict }, 'interactivity payload not handled by the bot; acknowledged');
        res.writeHead(verdict === 'malformed' ? 400 : 200).end();
      },
      () => {
        if (!res.headersSent) res.writeHead(413, { connection: 'close' }).end();
      },
    );
  };
}
