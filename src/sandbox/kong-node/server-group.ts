import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { sendJson } from './http-io.js';

/** nginx-style connection counters across all of a node's listeners (GET /status `server`, metrics). */
export interface ConnectionStats {
  accepted: number;
  handled: number;
  active: number;
  reading: number;
  writing: number;
  total: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface ServerGroup {
  stats: ConnectionStats;
  add(name: string, handler: Handler): Server;
  listen(server: Server, port: number): Promise<number>;
  /** Closes every server and destroys open (keep-alive) sockets. */
  close(): Promise<void>;
}

export function createServerGroup(host: string, log?: Logger): ServerGroup {
  const stats: ConnectionStats = { accepted: 0, handled: 0, active: 0, reading: 0, writing: 0, total: 0 };
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  return {
    stats,
    add(name, handler) {
      const server = createServer((req, res) => {
        stats.total += 1;
        stats.writing += 1;
        res.on('close', () => {
          stats.writing -= 1;
        });
        handler(req, res).catch((err: unknown) => {
          log?.error(
            { err: err instanceof Error ? err.message : String(err), server: name },
            'simulated kong error',
          );
          if (!res.headersSent)
            sendJson(res, { status: 500, body: { message: 'An unexpected error occurred' } });
          else res.destroy();
        });
      });
      server.on('connection', (socket) => {
        stats.accepted += 1;
        stats.handled += 1;
        stats.active += 1;
        sockets.add(socket);
        socket.on('close', () => {
          stats.active -= 1;
          sockets.delete(socket);
        });
      });
      servers.push(server);
      return server;
    },
    listen: (server, port) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    async close() {
      const closed = servers.map(
        (s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve())),
      );
      for (const socket of sockets) socket.destroy();
      await Promise.all(closed);
    },
  };
}
