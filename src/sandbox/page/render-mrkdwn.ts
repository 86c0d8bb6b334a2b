import { createRequire } from 'node:module';
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

/**
 * Slack's shortcodes come from iamcal's emoji-data (the `emoji-datasource` package), so the page uses
 * the same table: every name Slack knows, aliases included (`+1` and `thumbsup`).
 */
let emojiByName: Map<string, string> | undefined;
function emojiTable(): Map<string, string> {
  if (emojiByName) return emojiByName;
  const rows = createRequire(import.meta.url)('emoji-datasource/emoji.json') as Array<{
    unified: string;
    short_names: string[];
  }>;
  emojiByName = new Map();
  for (const row of rows) {
    const char = String.fromCodePoint(...row.unified.split('-').map((hex) => Number.parseInt(hex, 16)));
    for (const name of row.short_names) emojiByName.set(name, char);
  }
  return emojiByName;
}

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
  return escaped.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => emojiTable().get(name) ?? whole);
}

export function safeUrl(url: string): string | undefined {
  return /^(https?:\/\/|mailto:)/i.test(url) ? url : undefined;
}

/**
 * A Slack message permalink (`https://<team>.slack.com/archives/C…/p1700000000000100`) points at a
 * message of this workspace: the page shows it in place instead of leaving for slack.com.
 * Returns the message's ts.
 */
export function sandboxMessageLink(url: string): string | undefined {
  const m = /^https:\/\/(?:[a-z0-9-]+\.)?slack\.com\/archives\/[A-Z0-9]+\/p(\d{7,})(?:\?.*)?$/.exec(url);
  const digits = m?.[1];
  return digits === undefined ? undefined : `${digits.slice(0, -6)}.${digits.slice(-6)}`;
}

/** `<!date^1700000000^{date_short} {time}|fallback>` shown as UTC, the fallback as its title. */
function renderDate(inner: string): string {
  const [spec = '', fallback = ''] = inner.split('|');
  const [, epochText, format = ''] = spec.split('^');
  const epoch = Number(epochText);
  if (!Number.isFinite(epoch)) return escapeHtml(fallback);
  const iso = new Date(epoch * 1000).toISOString();
  // {ago} is relative and keeps moving in Slack; the page script refreshes it every few seconds.
  if (format.includes('{ago}')) {
    return `<time datetime="${escapeHtml(iso)}" title="${escapeHtml(fallback)}" data-ago="${epoch}">${escapeHtml(agoText(epoch * 1000, Date.now()))}</time>`;
  }
  const shown = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `<time datetime="${escapeHtml(iso)}" title="${escapeHtml(fallback)}">${escapeHtml(shown)}</time>`;
}

/** Slack's `{ago}`: "just now", "5 minutes ago", "2 hours ago". */
export function agoText(atMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - atMs) / 1000));
  if (s < 60) return s < 10 ? 'just now' : `${s} seconds ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} hour${h === 1 ? '' : 's'} ago`;
  const d = Math.floor(h / 24);
  return `${d} day${d === 1 ? '' : 's'} ago`;
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
  const inSandbox = sandboxMessageLink(unescapeSlack(target));
  if (inSandbox !== undefined) {
    const text = escapeHtml(unescapeSlack(label ?? target));
    return `<a href="#" class="msg-link" data-testid="message-link" data-ts="${escapeHtml(inSandbox)}">${text}</a>`;
  }
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
  // Shortcodes first: their underscores (`:twisted_rightwards_arrows:`) are not italics.
  out = renderEmoji(escapeHtml(unescapeSlack(out)));
  const edge = '(^|[\\s(\\uE000])';
  const end = '(?=$|[\\s).,!?:;\\uE000])';
  out = out
    .replace(new RegExp(`${edge}\\*([^*\\s](?:[^\\n]*?[^*\\s])?)\\*${end}`, 'g'), '$1<b>$2</b>')
    .replace(new RegExp(`${edge}_([^_\\s](?:[^\\n]*?[^_\\s])?)_${end}`, 'g'), '$1<i>$2</i>')
    .replace(new RegExp(`${edge}~([^~\\s](?:[^\\n]*?[^~\\s])?)~${end}`, 'g'), '$1<s>$2</s>');
  out = out.replace(/(^|\n)&gt; ?([^\n]*)/g, '$1<blockquote>$2</blockquote>').replace(/\n/g, '<br>');
  return out.replace(/\uE000(\d+)\uE000/g, (_, i: string) => held[Number(i)] ?? '');
}

/** plain_text objects: escaped, with emoji shortcodes when `emoji` is not false. */
export function renderPlain(text: string, emoji = true): string {
  const escaped = escapeHtml(text);
  return emoji ? renderEmoji(escaped) : escaped;
}
