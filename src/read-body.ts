import type { IncomingMessage } from 'node:http';
import { AppError } from './errors.js';

/**
 * The whole body of an incoming request, refused (E_INVALID_INPUT, details.limit) as soon as it grows
 * past `limit` bytes so a client cannot make the process buffer without bound.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      throw new AppError('E_INVALID_INPUT', `The request body is larger than ${limit} bytes; send less.`, {
        details: { limit },
      });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
