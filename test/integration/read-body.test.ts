import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { readBody } from '../../src/read-body.js';

let server: Server;
let url: string;

beforeAll(async () => {
  // Echoes the body it read, or the error code and limit when it refused it.
  server = createServer((req, res) => {
    readBody(req, 1024).then(
      (body) => res.writeHead(200).end(`${body.length}:${body.toString('utf8').slice(0, 20)}`),
      (err: unknown) =>
        res.writeHead(413).end(isAppError(err) ? `${err.code} ${String(err.details.limit)}` : 'other error'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function post(body: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url, { method: 'POST', body });
    return { status: res.status, text: await res.text() };
  } catch {
    // The server may cut the upload short once it has refused it.
    return { status: 0, text: '' };
  }
}

describe('readBody', () => {
  it('reads a whole body, multi-byte text included', async () => {
    expect(await post('héllo')).toEqual({ status: 200, text: `${Buffer.byteLength('héllo')}:héllo` });
    expect(await post('x'.repeat(1024))).toMatchObject({
      status: 200,
      text: expect.stringMatching(/^1024:/),
    });
  });

  it('reads an empty body', async () => {
    expect(await post('')).toEqual({ status: 200, text: '0:' });
  });

  it('refuses a body past the limit with E_INVALID_INPUT naming the limit', async () => {
    const answer = await post('x'.repeat(1025));
    // Either the refusal arrived, or the connection was cut: never a 200.
    expect(answer.status).not.toBe(200);
    if (answer.status !== 0) expect(answer).toEqual({ status: 413, text: 'E_INVALID_INPUT 1024' });
  });
});
