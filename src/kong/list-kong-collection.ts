import type { Logger } from 'pino';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { KongHttp } from './create-kong-http.js';
import { describeZodError } from './describe-zod-error.js';
import { kongPageSchema } from './kong-schemas.js';

export interface ListCollectionOptions {
  pageSize: number;
  signal?: AbortSignal;
  allow404?: boolean;
  log?: Logger;
  /** Safety net against a server that invents new offsets forever. */
  maxPages?: number;
}

/**
 * Turns a `next` link into a path relative to the admin URL. Kong's code sends `/routes?offset=…`; its docs
 * show `http://localhost:8001/routes?offset=…`. Only path and query of an absolute link are used, so the
 * token is never sent to a host other than the configured one.
 */
function nextPath(next: string, pageSize: number): { path: string; offset: string | null } {
  const u = new URL(next, 'http://kong.invalid');
  // Nested collections do not carry `size` into `next`; keep pages large.
  if (!u.searchParams.has('size')) u.searchParams.set('size', String(pageSize));
  return { path: `${u.pathname}${u.search}`, offset: u.searchParams.get('offset') };
}

/** Lists every item of a collection (`{data, next, offset}` pages), validating each item with `schema`. */
export async function listKongCollection<S extends z.ZodType>(
  http: KongHttp,
  path: string,
  schema: S,
  options: ListCollectionOptions,
): Promise<z.infer<S>[]> {
  const items: z.infer<S>[] = [];
  const seen = new Set<string>();
  const maxPages = options.maxPages ?? 100_000;
  const endpoint = `GET ${path}`;
  let current: string | null = `${path}?size=${options.pageSize}`;
  for (let page = 0; current !== null; page++) {
    if (page >= maxPages) {
      throw new AppError(
        'E_KONG_BAD_RESPONSE',
        `${http.subject} kept returning more pages for ${endpoint} after ${maxPages} pages. Check the node; pagination seems broken.`,
        { details: { cluster: http.cluster, endpoint, pages: page } },
      );
    }
    const body = await http.getJson(current, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(page === 0 && options.allow404 ? { allow404: true } : {}),
    });
    if (body === undefined) return [];
    const parsed = kongPageSchema.safeParse(body);
    if (!parsed.success) {
      throw new AppError(
        'E_KONG_BAD_RESPONSE',
        `${http.subject} answered ${endpoint} with a page of an unexpected shape (${describeZodError(parsed.error)}). Check that the adminUrl points at a Kong Admin API of a supported version.`,
        { details: { cluster: http.cluster, endpoint, page } },
      );
    }
    const data = parsed.data.data;
    for (let i = 0; i < data.length; i++) {
      const item = schema.safeParse(data[i]);
      if (!item.success) {
        throw new AppError(
          'E_KONG_BAD_RESPONSE',
          `${http.subject} answered ${endpoint} with an entity of an unexpected shape (page ${page + 1}, ${describeZodError(item.error, ['data', i])}). Check that the adminUrl points at a Kong Admin API of a supported version.`,
          { details: { cluster: http.cluster, endpoint, page, index: i } },
        );
      }
      items.push(item.data);
    }
    const next = parsed.data.next;
    if (next === null || next === undefined || next === '') {
      current = null;
    } else {
      const { path: p, offset } = nextPath(next, options.pageSize);
      const key = parsed.data.offset ?? offset ?? p;
      if (seen.has(key)) {
        throw new AppError(
          'E_KONG_BAD_RESPONSE',
          `${http.subject} returned the same page offset twice while listing ${endpoint}, which would loop forever. Check the node (or a proxy in front of it) for caching of Admin API responses.`,
          { details: { cluster: http.cluster, endpoint, page } },
        );
      }
      seen.add(key);
      current = p;
    }
    options.log?.debug({ cluster: http.cluster, endpoint, page: page + 1, total: items.length }, 'Kong page');
  }
  return items;
}
