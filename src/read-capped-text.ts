/** A response body as undici gives it: a readable stream of chunks that can be destroyed. */
export interface CappedBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
}

/** Thrown by readCappedText; callers turn it into their own typed error naming the endpoint. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${describeLimit(limit)}`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a response body as UTF-8 text, refusing it (BodyTooLargeError, the stream destroyed) as soon as
 * it passes `limit` bytes, so a misbehaving peer cannot make the bot buffer without bound.
 */
export async function readCappedText(body: CappedBody, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** "16 MiB", "64 KiB" or "1000 bytes": how messages name a cap. */
export function describeLimit(limit: number): string {
  if (limit >= 1024 * 1024 && limit % (1024 * 1024) === 0) return `${limit / (1024 * 1024)} MiB`;
  if (limit >= 1024 && limit % 1024 === 0) return `${limit / 1024} KiB`;
  return `${limit} bytes`;
}
