import type { ServerResponse } from 'node:http';
import { fail, sendJson } from './web-api-params.js';
import type { WorkspaceFault } from './workspace-types.js';

/** Applies a queued fault; returns true when the request has been answered by it (a delay answers nothing). */
export async function applyFault(fault: WorkspaceFault | undefined, res: ServerResponse): Promise<boolean> {
  if (fault === undefined) return false;
  if (typeof fault === 'string') {
    sendJson(res, 200, fail(fault));
    return true;
  }
  if ('delayMs' in fault) {
    await new Promise((r) => setTimeout(r, fault.delayMs));
    return false;
  }
  if (fault.status === 429 && 'retryAfter' in fault) {
    res.setHeader('retry-after', String(fault.retryAfter));
    sendJson(res, 429, fail('ratelimited'));
    return true;
  }
  const body = 'body' in fault && fault.body !== undefined ? fault.body : JSON.stringify(fail('fatal_error'));
  res.writeHead(fault.status, { 'content-type': 'application/json' }).end(body);
  return true;
}
