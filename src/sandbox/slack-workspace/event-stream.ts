import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WorkspaceChange, WorkspaceStore } from './workspace-store.js';

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events for the page: one `change` event per thing a channel would show differently;
 * the page re-reads its view. A comment line every 15 s keeps proxies from closing the stream.
 */
export function serveEventStream(store: WorkspaceStore, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write('retry: 1000\n\n');
  const send = (change: WorkspaceChange) => res.write(`event: change\ndata: ${JSON.stringify(change)}\n\n`);
  const unsubscribe = store.subscribe(send);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  req.on('close', stop);
  res.on('close', stop);
}
