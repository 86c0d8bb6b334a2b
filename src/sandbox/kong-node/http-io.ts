import type { ServerResponse } from 'node:http';

/** A Kong-style error or result body with its HTTP status. */
export interface KongReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function sendJson(
  res: ServerResponse,
  reply: KongReply,
  baseHeaders: Record<string, string> = {},
): void {
  const headers: Record<string, string> = { ...baseHeaders, ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/**
 * Parses a JSON or form-encoded Admin API body into an object (Kong accepts both); undefined when
 * the body is not an object.
 */
export function parseAdminBody(
  text: string,
  contentType: string | undefined,
): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(text)) {
      out[k] = /^-?\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
    }
    return out;
  }
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export const notFound = (): KongReply => ({ status: 404, body: { message: 'Not found' } });
export const methodNotAllowed = (): KongReply => ({ status: 405, body: { message: 'Method not allowed' } });
