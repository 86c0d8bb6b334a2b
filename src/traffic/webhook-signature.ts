import { createHmac, timingSafeEqual } from 'node:crypto';

/** Seconds a receiver accepts between `X-Signature-Timestamp` and its own clock, either way. */
export const SIGNATURE_WINDOW_SECONDS = 300;

export interface WebhookSignatureHeaders {
  'x-signature': string;
  /** Absent only in the legacy scheme (`legacySignature: true`). */
  'x-signature-timestamp'?: string;
}

function hmac(secret: string, ...parts: (string | Buffer)[]): string {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return `sha256=${mac.digest('hex')}`;
}

/**
 * The legacy scheme: `sha256=<hex HMAC-SHA256 of the exact body>`. A captured request can be replayed
 * for ever, so the bot sends it only with `legacySignature: true`.
 */
export function signWebhookBody(body: string | Buffer, secret: string): string {
  return hmac(secret, body);
}

/**
 * The signature headers of a webhook call: `X-Signature-Timestamp: <unix seconds>` and
 * `X-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, so a receiver that checks the
 * timestamp is within SIGNATURE_WINDOW_SECONDS of its clock refuses replays of old calls.
 */
export function webhookSignatureHeaders(
  body: string | Buffer,
  secret: string,
  options: { now?: Date; legacy?: boolean } = {},
): WebhookSignatureHeaders {
  if (options.legacy) return { 'x-signature': signWebhookBody(body, secret) };
  const timestamp = String(Math.floor((options.now ?? new Date()).getTime() / 1000));
  return { 'x-signature': hmac(secret, `${timestamp}.`, body), 'x-signature-timestamp': timestamp };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface VerifyWebhookOptions {
  /** The receiver's clock (default now). */
  now?: Date;
  /** Also accept the legacy body-only signature when no timestamp is sent. */
  acceptLegacy?: boolean;
}

/**
 * What a receiver checks (the sandbox's balancer does exactly this): the timestamp is a whole number of
 * seconds within 5 minutes of its clock and the HMAC covers `<timestamp>.<exact body bytes>`;
 * constant-time comparison. The body-only scheme passes only with `acceptLegacy`.
 */
export function verifyWebhookSignature(
  body: string | Buffer,
  signature: string | undefined | null,
  timestamp: string | undefined | null,
  secret: string,
  options: VerifyWebhookOptions = {},
): boolean {
  if (typeof signature !== 'string') return false;
  if (timestamp === undefined || timestamp === null || timestamp === '') {
    return options.acceptLegacy === true && same(signature.trim(), signWebhookBody(body, secret));
  }
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  const skew = Math.abs((options.now ?? new Date()).getTime() / 1000 - Number(timestamp));
  if (skew > SIGNATURE_WINDOW_SECONDS) return false;
  return same(signature.trim(), hmac(secret, `${timestamp}.`, body));
}
