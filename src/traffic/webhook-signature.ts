import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=<hex HMAC-SHA256 of the exact body>`, the value of the X-Signature header. */
export function signWebhookBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of an X-Signature header against the exact bytes received. */
export function verifyWebhookSignature(
  body: string | Buffer,
  header: string | undefined | null,
  secret: string,
): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(signWebhookBody(body, secret), 'utf8');
  const actual = Buffer.from(header.trim(), 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
