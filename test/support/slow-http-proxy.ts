import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
  /** Held back by the delay in force when it arrived. */
  delayedMs: number;
}

export interface SlowHttpProxy {
  url: string;
  /** Every request received, in order (including those whose client gave up). */
  requests: ProxiedRequest[];
  /** Hold each new request this long before forwarding it (0: pass straight through). */
  setDelay(ms: number): void;
  /**
   * The next `times` requests matching `method` and a path containing `pathIncludes` are answered with
   * `status` and `body` by the proxy itself, never reaching the origin (a node refusing one call).
   */
  failNext(
    match: { method: string; pathIncludes: string },
    status: number,
    body: string,
    times?: number,
  ): void;
  close(): Promise<void>;
}

/**
 * A real HTTP proxy in front of one origin (e.g. a simulated Kong node's Admin API) that records
 * what passes and can hold requests back, so a client's timeout fires as against a slow node.
 */
export async function startSlowHttpProxy(target: string): Promise<SlowHttpProxy> {
  const origin = new URL(target);
  const requests: ProxiedRequest[] = [];
  let delayMs = 0;
  const failures: { method: string; pathIncludes: string; status: number; body: string; times: number }[] =
    [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = {
        method: req.method ?? '',
        path: req.url ?? '/',
        body: body.toString(),
        delayedMs: delayMs,
      };
      requests.push(entry);
      const failure = failures.find(
        (f) => f.times > 0 && f.method === entry.method && entry.path.includes(f.pathIncludes),
      );
      if (failure) {
        failure.times -= 1;
        res.writeHead(failure.status, { 'content-type': 'application/json' }).end(failure.body);
        return;
      }
      // The client may give up while we wait; then nothing is forwarded, as a stuck node would do.
      let gone = false;
      res.on('close', () => {
        gone = true;
      });
      const forward = () => {
        if (gone) return;
        const headers = { ...req.headers, host: origin.host };
        const upstream = httpRequest(
          { host: origin.hostname, port: origin.port, method: req.method, path: req.url, headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('proxy: origin unreachable');
        });
        upstream.end(body);
      };
      if (entry.delayedMs > 0) setTimeout(forward, entry.delayedMs).unref();
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setDelay(ms) {
      delayMs = ms;
    },
    failNext(match, status, body, times = 1) {
      failures.push({ ...match, status, body, times });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
