import { describe, expect, it } from 'vitest';
import { REASON_MODAL } from '../../src/slack/blocks/reason-modal-view.js';
import { START_MODAL, START_SHORTCUT } from '../../src/slack/blocks/start-modal-view.js';
import { classifyPayload } from '../../src/slack/guard-slack-events.js';

const form = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
const user = { id: 'U0ANN' };

/** Which interactivity payloads reach Bolt, and which the guard answers itself (Bolt would 404 after 3 s). */
describe('classifyPayload', () => {
  it('passes the two modals the bot listens to and its shortcut; other views and shortcuts are not ours', () => {
    for (const callback of [REASON_MODAL, START_MODAL])
      expect(classifyPayload(form({ type: 'view_submission', user, view: { callback_id: callback } }))).toBe(
        'pass',
      );
    expect(classifyPayload(form({ type: 'view_submission', user, view: { callback_id: 'other' } }))).toBe(
      'ignored',
    );
    expect(classifyPayload(form({ type: 'view_closed', user, view: { callback_id: REASON_MODAL } }))).toBe(
      'ignored',
    );
    expect(classifyPayload(form({ type: 'shortcut', user, callback_id: START_SHORTCUT }))).toBe('pass');
    expect(classifyPayload(form({ type: 'shortcut', user, callback_id: 'other' }))).toBe('ignored');
  });

  it('a submission without a user, or with a view that is not an object, never reaches Bolt', () => {
    expect(classifyPayload(form({ type: 'view_submission', view: { callback_id: REASON_MODAL } }))).toBe(
      'ignored',
    );
    expect(classifyPayload(form({ type: 'view_submission', user, view: null }))).toBe('ignored');
    expect(classifyPayload(form({ type: 'shortcut', user: null, callback_id: START_SHORTCUT }))).toBe(
      'ignored',
    );
    expect(classifyPayload('payload=null')).toBe('malformed');
  });
});
