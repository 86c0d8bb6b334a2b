import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request/response helpers shared by the workspace's Web API, upload and response_url handlers. */

export type Params = Record<string, unknown>;
export type Reply = { ok: boolean; [key: string]: unknown };

const JSON_FIELDS = ['blocks', 'attachments', 'files', 'metadata', 'view'];
/** Uploads (charts) come through the same server, so bodies may be large. */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;

export function fail(error: string, messages?: string[]): Reply {
  return messages === undefined
    ? { ok: false, error }
    : { ok: false, error, response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } };
}

export function str(p: Params, key: string): string | undefined {
  const v = p[key];
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function blocksOf(p: Params): unknown[] | null {
  return Array.isArray(p.blocks) ? p.blocks : null;
}

export function hasContent(p: Params): boolean {
  const text = str(p, 'text');
  const blocks = blocksOf(p);
  return (
    (text !== undefined && text !== '') ||
    (blocks !== null && blocks.length > 0) ||
    p.attachments !== undefined
  );
}

export function mimeType(filename: string): string {
  const ext = filename.split('.').pop()?.toLowerCase();
  const types: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    svg: 'image/svg+xml',
    txt: 'text/plain',
  };
  return types[ext ?? ''] ?? 'application/octet-stream';
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** Query string plus form, JSON or multipart body; JSON-valued form fields (blocks, files…) decoded. */
export async function parseParams(req: IncomingMessage, raw: Buffer): Promise<Params> {
  const params: Params = {};
  for (const [k, v] of new URL(req.url ?? '/', 'http://x').searchParams) params[k] = v;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json' && raw.length > 0) {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (isRecord(parsed)) Object.assign(params, parsed);
  } else if (type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) params[k] = v;
  } else if (type === 'multipart/form-data') {
    const form = await new Response(raw, {
      headers: { 'content-type': req.headers['content-type'] ?? '' },
    }).formData();
    for (const [k, v] of form) params[k] = typeof v === 'string' ? v : `<file ${v.size} bytes>`;
  }
  for (const key of JSON_FIELDS) {
    const v = params[key];
    if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try {
        params[key] = JSON.parse(v);
      } catch {
        // Left as a string: the method answers invalid_blocks_format, as Slack does.
      }
    }
  }
  return params;
}
