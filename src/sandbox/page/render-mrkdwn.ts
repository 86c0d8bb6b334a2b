/**
 * A small, safe renderer of Slack's mrkdwn to HTML for the sandbox page. Everything from the bot is
 * escaped first; only tags this file writes reach the page. Links allow http(s) and mailto only.
 */

export interface MrkdwnContext {
  /** Display name of a user id, for `<@U…>`. */
  userName(id: string): string | undefined;
  /** Name of a channel id, for `<#C…>`. */
  channelName(id: string): string | undefined;
}

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  no_entry: '⛔',
  rotating_light: '🚨',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  rocket: '🚀',
  tada: '🎉',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  red_circle: '🔴',
  white_circle: '⚪',
  arrow_right: '➡️',
  arrows_counterclockwise: '🔄',
  leftwards_arrow_with_hook: '↩️',
  lock: '🔒',
  unlock: '🔓',
  bar_chart: '📊',
  chart_with_upwards_trend: '📈',
  chart_with_downwards_trend: '📉',
  floppy_disk: '💾',
  package: '📦',
  mag: '🔍',
  gear: '⚙️',
  stopwatch: '⏱️',
  pause_button: '⏸️',
  arrow_forward: '▶️',
  black_square_for_stop: '⏹️',
  stop_sign: '🛑',
  information_source: 'ℹ️',
  question: '❓',
  thumbsup: '👍',
  '+1': '👍',
  thumbsdown: '👎',
  eyes: '👀',
  fire: '🔥',
  construction: '🚧',
  test_tube: '🧪',
  scales: '⚖️',
  traffic_light: '🚦',
  vertical_traffic_light: '🚦',
  clipboard: '📋',
  memo: '📝',
  wave: '👋',
  skull: '💀',
  zap: '⚡',
};

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Slack sends `&`, `<`, `>` escaped in message text; undo that before our own escaping. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function renderEmoji(escaped: string): string {
  return escaped.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

export function safeUrl(url: string): string | undefined {
  return /^(https?:\/\/|mailto:)/i.test(url) ? url : undefined;
}

/** `<!date^1700000000^{date_short} {time}|fallback>` shown as UTC, the fallback as its title. */
function renderDate(inner: string): string {
  const [spec = '', fallback = ''] = inner.split('|');
  const epoch = Number(spec.split('^')[1]);
  if (!Number.isFinite(epoch)) return escapeHtml(fallback);
  const iso = new Date(epoch * 1000).toISOString();
  const shown = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `<time datetime="${escapeHtml(iso)}" title="${escapeHtml(fallback)}">${escapeHtml(shown)}</time>`;
}

function renderToken(inner: string, ctx: MrkdwnContext): string {
  const [target = '', label] = inner.split('|', 2);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const name = label ?? ctx.userName(id) ?? id;
    return `<span class="mention">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    const name = label ?? ctx.channelName(id) ?? id;
    return `<span class="mention">#${escapeHtml(name)}</span>`;
  }
  if (target.startsWith('!date^')) return renderDate(unescapeSlack(inner));
  if (target.startsWith('!subteam^'))
    return `<span class="mention">@${escapeHtml(label ?? target.slice(9))}</span>`;
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(target.slice(1))}</span>`;
  const url = safeUrl(unescapeSlack(target));
  const text = escapeHtml(unescapeSlack(label ?? target));
  return url === undefined
    ? text
    : `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${text}</a>`;
}

/** Renders one mrkdwn string to HTML. */
export function renderMrkdwn(text: string, ctx: MrkdwnContext): string {
  const held: string[] = [];
  // Placeholders keep already-rendered pieces out of the formatting passes.
  const hold = (html: string) => `\uE000${held.push(html) - 1}\uE000`;
  let out = text
    .replace(/\uE000/g, '')
    .replace(/```([\s\S]*?)```/g, (_, code: string) => hold(`<pre>${escapeHtml(unescapeSlack(code))}</pre>`))
    .replace(/`([^`\n]+)`/g, (_, code: string) => hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`))
    .replace(/<([^<>\n]+)>/g, (_, inner: string) => hold(renderToken(inner, ctx)));
  out = escapeHtml(unescapeSlack(out));
  const edge = '(^|[\\s(\\uE000])';
  const end = '(?=$|[\\s).,!?:;\\uE000])';
  out = out
    .replace(new RegExp(`${edge}\\*([^*\\n]+?)\\*${end}`, 'g'), '$1<b>$2</b>')
    .replace(new RegExp(`${edge}_([^_\\n]+?)_${end}`, 'g'), '$1<i>$2</i>')
    .replace(new RegExp(`${edge}~([^~\\n]+?)~${end}`, 'g'), '$1<s>$2</s>');
  out = renderEmoji(out)
    .replace(/(^|\n)&gt; ?([^\n]*)/g, '$1<blockquote>$2</blockquote>')
    .replace(/\n/g, '<br>');
  return out.replace(/\uE000(\d+)\uE000/g, (_, i: string) => held[Number(i)] ?? '');
}

/** plain_text objects: escaped, with emoji shortcodes when `emoji` is not false. */
export function renderPlain(text: string, emoji = true): string {
  const escaped = escapeHtml(text);
  return emoji ? renderEmoji(escaped) : escaped;
}
