import { createHmac } from 'node:crypto';
import { isValidSlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import {
  buildBlockActionsBody,
  buildBlockActionsPayload,
  buildSlashCommandBody,
  type SlackSignatureHeaders,
  signSlackRequest,
} from '../../src/slack/sign-slack-request.js';

/** Bolt's verifier takes the timestamp header already parsed as a number. */
function asBoltHeaders(h: SlackSignatureHeaders) {
  return {
    'x-slack-signature': h['x-slack-signature'],
    'x-slack-request-timestamp': Number(h['x-slack-request-timestamp']),
  };
}

describe('signSlackRequest', () => {
  it("matches the worked example in Slack's request-verification docs", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
      '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
      '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(
      signSlackRequest({ body, signingSecret: '8f742231b10e8888abcd99yyyzzz85a5', timestamp: 1531420618 }),
    ).toEqual({
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'x-slack-request-timestamp': '1531420618',
    });
  });

  it('is HMAC-SHA256 of v0:<ts>:<body> computed from the definition', () => {
    const body = 'payload=%7B%22a%22%3A1%7D';
    const expected = createHmac('sha256', 's3cret').update(`v0:1700000000:${body}`).digest('hex');
    expect(
      signSlackRequest({ body, signingSecret: 's3cret', timestamp: 1700000000 })['x-slack-signature'],
    ).toBe(`v0=${expected}`);
  });

  it('changes with any byte of body, secret or timestamp', () => {
    const base = signSlackRequest({ body: 'a=1', signingSecret: 's', timestamp: 1 })['x-slack-signature'];
    expect(signSlackRequest({ body: 'a=2', signingSecret: 's', timestamp: 1 })['x-slack-signature']).not.toBe(
      base,
    );
    expect(signSlackRequest({ body: 'a=1', signingSecret: 't', timestamp: 1 })['x-slack-signature']).not.toBe(
      base,
    );
    expect(signSlackRequest({ body: 'a=1', signingSecret: 's', timestamp: 2 })['x-slack-signature']).not.toBe(
      base,
    );
  });

  it("defaults the timestamp to now, in seconds, and Bolt's own verifier accepts it", () => {
    const body = buildSlashCommandBody({ text: 'status prod-7' });
    const before = Math.floor(Date.now() / 1000);
    const headers = signSlackRequest({ body, signingSecret: 'bolt-secret' });
    const ts = Number(headers['x-slack-request-timestamp']);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(before + 1);
    expect(isValidSlackRequest({ signingSecret: 'bolt-secret', body, headers: asBoltHeaders(headers) })).toBe(
      true,
    );
    expect(isValidSlackRequest({ signingSecret: 'other', body, headers: asBoltHeaders(headers) })).toBe(
      false,
    );
  });

  it("Bolt's verifier refuses a timestamp older than five minutes", () => {
    const body = 'a=1';
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const headers = signSlackRequest({ body, signingSecret: 's', timestamp: old });
    expect(isValidSlackRequest({ signingSecret: 's', body, headers: asBoltHeaders(headers) })).toBe(false);
  });
});

describe('buildSlashCommandBody', () => {
  it('sends exactly the fields Slack sends, in order, form-encoded with + for spaces', () => {
    const body = buildSlashCommandBody({
      text: 'start prod --steps 5,25,50,100',
      user_id: 'U1',
      channel_id: 'C1',
    });
    const params = new URLSearchParams(body);
    expect([...params.keys()]).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
    ]);
    expect(params.get('text')).toBe('start prod --steps 5,25,50,100');
    expect(params.get('command')).toBe('/kong-upgrade');
    expect(params.get('is_enterprise_install')).toBe('false');
    expect(body).toContain('text=start+prod+--steps+5%2C25%2C50%2C100');
    expect(body).toContain('command=%2Fkong-upgrade');
  });
});

describe('buildBlockActionsPayload / buildBlockActionsBody', () => {
  it('builds the block_actions shape Slack sends for a button click', () => {
    const payload = buildBlockActionsPayload({
      userId: 'U0BOB0001',
      channelId: 'C0OPS0001',
      messageTs: '1754000000.000100',
      actionId: 'gate_approve',
      value: '42',
      blockId: 'gate:42',
      responseUrl: 'http://127.0.0.1:1/response/x',
      actionTs: '1754000012.345678',
    });
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0BOB0001', team_id: 'T0KONG001' },
      container: {
        type: 'message',
        message_ts: '1754000000.000100',
        channel_id: 'C0OPS0001',
        is_ephemeral: false,
      },
      channel: { id: 'C0OPS0001' },
      message: { ts: '1754000000.000100', type: 'message' },
      response_url: 'http://127.0.0.1:1/response/x',
      is_enterprise_install: false,
      actions: [
        {
          type: 'button',
          action_id: 'gate_approve',
          block_id: 'gate:42',
          value: '42',
          action_ts: '1754000012.345678',
          text: { type: 'plain_text' },
        },
      ],
    });
  });

  it('omits value when none is given and form-encodes the JSON under payload', () => {
    const payload = buildBlockActionsPayload({
      userId: 'U1',
      channelId: 'C1',
      messageTs: '1.000001',
      actionId: 'a & b=c',
      responseUrl: 'http://x/response/1',
    });
    expect(payload.actions[0]).not.toHaveProperty('value');
    const body = buildBlockActionsBody(payload);
    expect(body.startsWith('payload=')).toBe(true);
    expect([...new URLSearchParams(body).keys()]).toEqual(['payload']);
    expect(JSON.parse(new URLSearchParams(body).get('payload') ?? '')).toEqual(payload);
  });
});
