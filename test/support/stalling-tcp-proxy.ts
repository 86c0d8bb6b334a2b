import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

export interface StallingTcpProxy {
  port: number;
  /**
   * From now on nothing passes in either direction and no connection is closed: the way a
   * connection behaves when a NAT or a load balancer dropped it silently, or the server's machine died.
   */
  stall(): void;
  /** Traffic passes again (connections stalled meanwhile stay dead). */
  resume(): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of host:port that can stall every connection it carries. */
export async function startStallingTcpProxy(host: string, port: number): Promise<StallingTcpProxy> {
  const sockets = new Set<Socket>();
  let stalled = false;
  const server = createServer((client) => {
    const upstream = connect({ host, port });
    let dead = stalled;
    sockets.add(client).add(upstream);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (stalled) dead = true;
        if (!dead) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      if (dead) return; // a stalled connection is never seen to close
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', () => undefined);
    upstream.on('close', end).on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
