/**
 * Makes outside text (Kong names, versions, error bodies, user input, drift names, failure reasons)
 * safe inside Slack mrkdwn: Slack reads `<…>` as a mention, a channel ping (`<!channel>`), a user group
 * or a link, and `&` starts an entity, so all three are escaped as Slack asks (`&amp;`, `&lt;`, `&gt;`).
 * Everything else is shown as typed. Apply it once, where outside text enters a message; never to the
 * bot's own markup.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
