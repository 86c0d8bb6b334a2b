import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RouterWrite {
  y: number;
  /** Y's weight the router had just before this write. */
  before: number;
}

export type WriteFault = 'none' | 'fail_before' | 'fail_after';

/**
 * A load balancer's weight endpoint (the webhook router's protocol) for the model test: it records
 * every write, can hold writes until released (a slow router, so that other steps interleave with a
 * write in flight) and can fail a write before or after it takes effect (a write that landed but
 * answered 500 is what a two-request router leaves half-way).
 */
export interface HoldingRouter {
  url: string;
  y: number;
  writes: RouterWrite[];
  /** Called when a write arrives, before it takes effect: the place to check who allowed it. */
  onWrite: (write: RouterWrite) => Promise<void>;
  holding: boolean;
  heldCount(): number;
  /** Lets every held write through (in arrival order) and waits until they are answered. */
  release(): Promise<void>;
  failNext: WriteFault;
  reset(): void;
  close(): Promise<void>;
}

export async function startHoldingRouter(): Promise<HoldingRouter> {
  const held: Array<() => Promise<void>> = [];
  const router: Omit<HoldingRouter, 'url' | 'close'> = {
    y: 0,
    writes: [],
    onWrite: async () => undefined,
    holding: false,
    failNext: 'none',
    heldCount: () => held.length,
    async release() {
      while (held.length > 0) {
        const next = held.shift();
        await next?.();
      }
    },
    reset() {
      router.y = 0;
      router.writes = [];
      router.holding = false;
      router.failNext = 'none';
      held.length = 0;
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ x: 100 - router.y, y: router.y }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { x: number; y: number };
      const fault = router.failNext;
      router.failNext = 'none';
      // Who allowed a write is judged when it is sent, not when a slow router finally applies it.
      const write = { y: body.y, before: router.y };
      const judged = fault === 'fail_before' ? Promise.resolve() : router.onWrite(write);
      const apply = async () => {
        await judged;
        if (fault === 'fail_before') {
          res.writeHead(500).end('router busy');
          return;
        }
        router.writes.push(write);
        router.y = body.y;
        if (fault === 'fail_after') res.writeHead(500).end('upstream reload reported an error');
        else res.writeHead(204).end();
      };
      if (router.holding) {
        held.push(apply);
        return;
      }
      void apply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(router, {
    url: `http://127.0.0.1:${port}/weights`,
    async close() {
      held.length = 0;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
