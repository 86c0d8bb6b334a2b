import type { IncomingMessage } from 'node:http';
import { AppError } from './errors.js';

/**
 * The whole body of an incoming request, refused (E_INVALID_INPUT, details.limit) as soon as it grows
 * past `limit` bytes so a client cannot make the process buffer without bound (the request is then
 * destroyed). Plain stream events, not `for await`: this runs on every Slack request.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.destroy();
        reject(
          new AppError('E_INVALID_INPUT', `The request body is larger than ${limit} bytes; send less.`, {
            details: { limit },
          }),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
