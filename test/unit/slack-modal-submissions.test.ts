import { describe, expect, it } from 'vitest';
import { readReason } from '../../src/domain/reason-required.js';
import { readReasonSubmission, reasonModalView } from '../../src/slack/blocks/reason-modal-view.js';
import { readStartSubmission, startModalView } from '../../src/slack/blocks/start-modal-view.js';

const GATE = '0b6f7c2e-3a41-4a8e-9d3c-2f1e5b7a9c10';
const ENVS = ['prod', 'stage'];

describe('the reason modal', () => {
  const view = reasonModalView({
    gateId: GATE,
    action: 'reject',
    for: 'reject',
    title: 'Shift 5 %',
    runId: 'prod-1',
  });
  const submitted = (reason: unknown, ticket: unknown = '', meta = view.private_metadata) => ({
    ...view,
    private_metadata: meta,
    state: { values: { reason: { value: { value: reason } }, ticket: { value: { value: ticket } } } },
  });

  it('reads the gate, the action and a trimmed reason with its ticket', () => {
    expect(readReasonSubmission(submitted('  Y is slow \u0000', ' OPS-1 '))).toEqual({
      ok: true,
      gateId: GATE,
      action: 'reject',
      reason: { text: 'Y is slow', ticket: 'OPS-1' },
    });
    expect(readReasonSubmission(submitted('ok', null))).toMatchObject({ reason: { ticket: null } });
  });

  it('names the field of a blank or too long reason, or a ticket that is not one word', () => {
    expect(readReasonSubmission(submitted(' \n '))).toEqual({
      ok: false,
      errors: { reason: 'Please write a reason.' },
    });
    expect(readReasonSubmission(submitted('x'.repeat(501)))).toMatchObject({
      errors: { reason: expect.any(String) },
    });
    expect(readReasonSubmission(submitted('ok', 'OPS 1'))).toMatchObject({
      errors: { ticket: expect.any(String) },
    });
    expect(readReason('ok', `T-${'1'.repeat(70)}`)).toMatchObject({ ok: false, field: 'ticket' });
  });

  it('a form that is not ours (metadata forged or garbled) reads as nothing, with no field to blame', () => {
    for (const meta of [
      '',
      '{',
      JSON.stringify({ gateId: 'nope', action: 'reject' }),
      JSON.stringify({ gateId: GATE, action: 'delete' }),
    ])
      expect(readReasonSubmission(submitted('ok', '', meta))).toEqual({ ok: false, errors: {} });
    expect(readReasonSubmission(null)).toEqual({ ok: false, errors: {} });
  });
});

describe('the start form', () => {
  const view = startModalView({
    environments: [
      { name: 'prod', steps: [5, 25, 50, 100] },
      { name: 'stage', steps: [50, 100] },
    ],
    channel: 'C0OPS',
  });
  const submitted = (values: Record<string, unknown>, meta = view.private_metadata) => ({
    ...view,
    private_metadata: meta,
    state: {
      values: Object.fromEntries(Object.entries(values).map(([block, v]) => [block, { value: v }])),
    },
  });
  const env = (name: string) => ({ selected_option: { value: name } });

  it('is the command it stands for: environment, steps and dry run', () => {
    expect(readStartSubmission(submitted({ environment: env('prod') }), ENVS)).toMatchObject({
      ok: true,
      text: 'start prod',
      channelId: 'C0OPS',
    });
    expect(
      readStartSubmission(
        submitted({
          environment: env('stage'),
          steps: { value: ' 10, 50 ,100% ' },
          options: { selected_options: [{ value: 'dry_run' }] },
        }),
        ENVS,
      ),
    ).toMatchObject({
      ok: true,
      text: 'start stage --steps 10,50,100 --dry-run',
      command: { steps: [10, 50, 100], dryRun: true },
    });
  });

  it('names the field at fault and creates nothing: unknown environment, bad steps, no channel', () => {
    expect(readStartSubmission(submitted({ environment: env('qa') }), ENVS)).toMatchObject({
      ok: false,
      errors: { environment: expect.any(String) },
    });
    expect(
      readStartSubmission(submitted({ environment: env('prod'), steps: { value: '50,25' } }), ENVS),
    ).toMatchObject({ ok: false, errors: { steps: expect.any(String) } });
    expect(
      readStartSubmission(submitted({ environment: env('prod'), steps: { value: '5;rm -rf' } }), ENVS),
    ).toMatchObject({ ok: false, errors: { steps: expect.any(String) } });
    const noChannel = startModalView({ environments: [{ name: 'prod', steps: [100] }], channel: null });
    expect(JSON.stringify(noChannel.blocks)).toContain('conversations_select');
    expect(
      readStartSubmission(submitted({ environment: env('prod') }, noChannel.private_metadata), ENVS),
    ).toMatchObject({
      ok: false,
      errors: { channel: expect.any(String) },
    });
    expect(
      readStartSubmission(
        submitted(
          { environment: env('prod'), channel: { selected_conversation: 'C0PICKED' } },
          noChannel.private_metadata,
        ),
        ENVS,
      ),
    ).toMatchObject({ ok: true, channelId: 'C0PICKED' });
    expect(readStartSubmission(submitted({ environment: env('prod') }, '{'), ENVS)).toMatchObject({
      ok: false,
    });
  });

  it('preselects the only environment', () => {
    const one = startModalView({ environments: [{ name: 'prod', steps: [100] }], channel: 'C0OPS' });
    expect(JSON.stringify(one.blocks)).toContain('initial_option');
    expect(JSON.stringify(view.blocks)).not.toContain('initial_option');
  });
});
