import { describe, expect, it } from 'vitest';
import { type BlocksContext, findButton, renderMessageBody } from '../../src/sandbox/page/render-blocks.js';
import { renderMrkdwn } from '../../src/sandbox/page/render-mrkdwn.js';

const ctx: BlocksContext = {
  userName: (id) => ({ U0ANN: 'ann' })[id],
  channelName: (id) => ({ C0OPS: 'ops' })[id],
  fileUrl: (id) => `/files/${id}`,
};
const md = (text: string) => renderMrkdwn(text, ctx);

describe('renderMrkdwn', () => {
  it('formats bold, italic, strike, code, pre, quotes and line breaks', () => {
    expect(md('*bold* and _it_ and ~gone~')).toBe('<b>bold</b> and <i>it</i> and <s>gone</s>');
    expect(md('run `kong migrations up` now')).toBe('run <code>kong migrations up</code> now');
    expect(md('```a *not bold*\nb```')).toBe('<pre>a *not bold*\nb</pre>');
    expect(md('> quoted\nnext')).toBe('<blockquote>quoted</blockquote><br>next');
    expect(md('2*3*4 snake_case_name')).toBe('2*3*4 snake_case_name');
  });

  it('renders mentions, channels, links, dates and emoji', () => {
    expect(md('<@U0ANN> <@U0BOB> <#C0OPS> <#C0X|misc> <!here>')).toBe(
      '<span class="mention">@ann</span> <span class="mention">@U0BOB</span> ' +
        '<span class="mention">#ops</span> <span class="mention">#misc</span> <span class="mention">@here</span>',
    );
    expect(md('see <https://ex.com/a?b=1&amp;c=2|the docs>')).toBe(
      'see <a href="https://ex.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the docs</a>',
    );
    expect(md('<!date^1700000000^{date_short}|Nov 14>')).toBe(
      '<time datetime="2023-11-14T22:13:20.000Z" title="Nov 14">2023-11-14 22:13 UTC</time>',
    );
    expect(md(':white_check_mark: done :no_such_emoji:')).toBe('✅ done :no_such_emoji:');
    expect(md('*<@U0ANN> approved*')).toBe('<b><span class="mention">@ann</span> approved</b>');
  });

  it('renders as Slack does what the bot really sends: italics around words with underscores, every shortcode', () => {
    expect(md("_Not compared, Kong's own bookkeeping: schema_meta, locks._")).toBe(
      '<i>Not compared, Kong&#39;s own bookkeeping: schema_meta, locks.</i>',
    );
    // Shortcodes come from Slack's own table (aliases too), and their underscores are not italics.
    expect(
      md(':twisted_rightwards_arrows: _shift_ :octagonal_sign: :double_vertical_bar: :thumbsup: :+1:'),
    ).toBe('🔀 <i>shift</i> 🛑 ⏸️ 👍 👍');
    expect(md('_ not italic _ and a_b_c')).toBe('_ not italic _ and a_b_c');
  });

  it('keeps Slack permalinks to this workspace on the page, and shows {ago} as a moving time', () => {
    expect(md('<https://slack.com/archives/C0SANDBOX1/p1700000000000100|run card>')).toBe(
      '<a href="#" class="msg-link" data-testid="message-link" data-ts="1700000000.000100">run card</a>',
    );
    expect(md('<https://acme.slack.com/archives/C0SANDBOX1/p1700000000000100?thread_ts=1|x>')).toContain(
      'data-ts="1700000000.000100"',
    );
    const at = Math.floor(Date.now() / 1000) - 300;
    expect(md(`<!date^${at}^{ago}|earlier>`)).toMatch(/data-ago="\d+">5 minutes ago<\/time>$/);
  });

  it('never lets markup or unsafe links through', () => {
    expect(md('&lt;img src=x onerror=alert(1)&gt;')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(md('<javascript:alert(1)|click>')).toBe('click');
    expect(md('"quotes" & \'apostrophes\'')).toBe('&quot;quotes&quot; &amp; &#39;apostrophes&#39;');
    expect(md('`<b>` \uE0000\uE000')).toBe('<code>&lt;b&gt;</code> 0');
    expect(md('<https://x.y/"onmouseover="a|x>')).toContain('href="https://x.y/&quot;onmouseover=&quot;a"');
  });
});

describe('renderMessageBody', () => {
  it('shows text as mrkdwn when there are no blocks', () => {
    expect(renderMessageBody('*hi*', null, ctx)).toBe('<div class="blk-text"><b>hi</b></div>');
    expect(renderMessageBody('*hi*', [], ctx)).toBe('<div class="blk-text"><b>hi</b></div>');
  });

  it('renders header, section fields, context, divider, image and unknown blocks', () => {
    const html = renderMessageBody(
      'fallback',
      [
        { type: 'header', text: { type: 'plain_text', text: 'Run <prod-7> :rocket:' } },
        {
          type: 'section',
          text: { type: 'plain_text', text: '*not bold*' },
          fields: [{ type: 'mrkdwn', text: '*Phase*' }],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: '_small_' }] },
        { type: 'divider' },
        { type: 'image', image_url: 'https://ex.com/c.png', alt_text: 'chart "X"' },
        { type: 'image', slack_file: { id: 'F1' }, alt_text: 'up' },
        { type: 'image', image_url: 'javascript:alert(1)', alt_text: 'bad' },
        { type: 'video' },
      ],
      ctx,
    );
    expect(html).not.toContain('fallback');
    expect(html).toContain('<div class="blk-header">Run &lt;prod-7&gt; 🚀</div>');
    expect(html).toContain('<div class="blk-text">*not bold*</div>');
    expect(html).toContain('<div class="blk-field"><b>Phase</b></div>');
    expect(html).toContain('<div class="blk-context"><span><i>small</i></span></div>');
    expect(html).toContain('<hr class="blk-divider">');
    expect(html).toContain('src="https://ex.com/c.png" alt="chart &quot;X&quot;"');
    expect(html).toContain('src="/files/F1"');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('[image: bad]');
    expect(html).toContain('[unsupported block: video]');
  });

  it('renders buttons with style, ids and an escaped confirm dialog', () => {
    const blocks = [
      {
        type: 'actions',
        block_id: 'gate.g1',
        elements: [
          {
            type: 'button',
            action_id: 'gate.approve',
            style: 'danger',
            value: 'g1',
            text: { type: 'plain_text', text: 'Roll back' },
            confirm: {
              title: { type: 'plain_text', text: 'Sure?' },
              text: { type: 'mrkdwn', text: 'Send *100 %* to X' },
              confirm: { type: 'plain_text', text: 'Roll back' },
              deny: { type: 'plain_text', text: 'No' },
              style: 'danger',
            },
          },
          {
            type: 'button',
            action_id: 'docs',
            url: 'https://ex.com',
            text: { type: 'plain_text', text: 'Docs' },
          },
        ],
      },
    ];
    const html = renderMessageBody('', blocks, ctx);
    expect(html).toContain(
      '<button type="button" class="btn btn-danger" data-testid="action-button" data-action-id="gate.approve" data-block-id="gate.g1" data-block-index="0" data-confirm="',
    );
    const confirm = /data-confirm="([^"]*)"/.exec(html)?.[1] ?? '';
    const decoded = JSON.parse(
      confirm
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    );
    expect(decoded).toEqual({
      title: 'Sure?',
      html: 'Send <b>100 %</b> to X',
      confirm: 'Roll back',
      deny: 'No',
      style: 'danger',
    });
    expect(html).toContain('<a class="btn" href="https://ex.com"');
  });
});

describe('findButton', () => {
  const blocks = [
    { type: 'section', text: { type: 'mrkdwn', text: 'x' }, accessory: { type: 'button', action_id: 'acc' } },
    { type: 'actions', elements: [{ type: 'button', action_id: 'a', value: '1' }] },
    { type: 'actions', block_id: 'named', elements: [{ type: 'button', action_id: 'a', value: '2' }] },
  ];
  it('finds by action_id within the named or indexed block, accessories included', () => {
    expect(findButton(blocks, { actionId: 'acc' })).toMatchObject({ blockId: 'b0' });
    expect(findButton(blocks, { actionId: 'a' })?.button.value).toBe('1');
    expect(findButton(blocks, { actionId: 'a', blockId: 'named' })?.button.value).toBe('2');
    expect(findButton(blocks, { actionId: 'a', blockIndex: 2 })?.button.value).toBe('2');
  });
  it('a block with its own id is found by it after the message changed (an image inserted above it)', () => {
    const updated = [{ type: 'image', image_url: 'https://x/c.png', alt_text: 'chart' }, ...blocks];
    expect(findButton(updated, { actionId: 'a', blockId: 'named', blockIndex: 2 })?.button.value).toBe('2');
    // A block without an id is only ever its position.
    expect(findButton(updated, { actionId: 'a', blockId: 'b1', blockIndex: 1 })).toBeUndefined();
    expect(findButton(blocks, { actionId: 'a', blockIndex: 0 })).toBeUndefined();
  });
  it('finds nothing for unknown actions, wrong blocks or no blocks', () => {
    expect(findButton(blocks, { actionId: 'zzz' })).toBeUndefined();
    expect(findButton(blocks, { actionId: 'acc', blockId: 'named' })).toBeUndefined();
    expect(findButton(null, { actionId: 'a' })).toBeUndefined();
  });
});
