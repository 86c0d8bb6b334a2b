import type { KongReply } from './http-io.js';

/** Kong's page size rules (kong/api/endpoints.lua, dao): default 100, 1..1000, else 400 code 9. */
export function parsePageSize(raw: string | null): number | KongReply {
  if (raw === null) return 100;
  const invalid = (message: string): KongReply => ({
    status: 400,
    body: { code: 9, name: 'invalid size', message },
  });
  const n = Number(raw);
  if (raw.trim() === '' || Number.isNaN(n)) return invalid('size must be a number');
  if (!Number.isInteger(n) || n < 1 || n > 1000) return invalid('size must be an integer between 1 and 1000');
  return n;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Kong's Postgres offset token: base64 (standard alphabet, no padding) of the JSON array of the last primary key. */
export function encodeOffset(lastId: string): string {
  return Buffer.from(JSON.stringify([lastId]))
    .toString('base64')
    .replace(/=+$/, '');
}

export function decodeOffset(token: string): string | KongReply {
  const invalid = (why: string): KongReply => ({
    status: 400,
    body: { code: 7, name: 'invalid offset', message: `'${token}' is not a valid offset: ${why}` },
  });
  if (!/^[A-Za-z0-9+/]+$/.test(token) || token.length % 4 === 1) return invalid('bad base64 encoding');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return invalid('bad json encoding');
  }
  if (!Array.isArray(value) || typeof value[0] !== 'string' || !UUID.test(value[0])) {
    return invalid('bad json encoding');
  }
  return value[0];
}

export interface NextPathInput {
  /** "/routes", or "/upstreams/<key as given>/targets" for nested collections. */
  collectionPath: string;
  offset: string;
  nested: boolean;
  rawTags: string | null;
  rawSize: string | null;
}

/** `next` exactly as Kong builds it: tags and size are carried only for top-level collections. */
export function nextPath(i: NextPathInput): string {
  let path = `${i.collectionPath}?offset=${encodeURIComponent(i.offset)}`;
  if (!i.nested) {
    if (i.rawTags !== null) path += `&tags=${encodeURIComponent(i.rawTags)}`;
    if (i.rawSize !== null) path += `&size=${i.rawSize}`;
  }
  return path;
}

export const isUuid = (s: string): boolean => UUID.test(s);
