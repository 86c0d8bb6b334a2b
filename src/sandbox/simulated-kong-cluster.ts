import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { AppError } from '../errors.js';
import {
  type SimulatedKongNode,
  type SimulatedKongNodeOptions,
  startSimulatedKongNode,
} from './simulated-kong-node.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

export interface SimulatedKongClusterOptions
  extends Omit<SimulatedKongNodeOptions, 'adminPort' | 'proxyPort' | 'statusPort' | 'nodeId'> {
  /** How many traditional nodes share the database (1–50). */
  nodes: number;
}

export interface SimulatedKongCluster {
  nodes: SimulatedKongNode[];
  /** The first node's Admin API (any node's would do: they share the database). */
  adminUrl: string;
  /** A round-robin balancer over every node's proxy, as a real cluster sits behind one. */
  proxyUrl: string;
  /** Every node's Status API /metrics, in node order. */
  metricsUrls: string[];
  close(): Promise<void>;
}

/**
 * Several simulated Kong nodes on one Kong database behind a round-robin balancer: a traditional
 * cluster as it really runs. Each node keeps its own counters and /metrics, and its own faults, so
 * one node can fail alone (5xx, or a /metrics that does not answer) while the others stay healthy.
 */
export async function startSimulatedKongCluster(
  opts: SimulatedKongClusterOptions,
): Promise<SimulatedKongCluster> {
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > 50) {
    throw new AppError('E_INVALID_INPUT', 'A simulated Kong cluster has 1 to 50 nodes.');
  }
  const { nodes: count, ...nodeOptions } = opts;
  const nodes: SimulatedKongNode[] = [];
  try {
    for (let i = 0; i < count; i++) nodes.push(await startSimulatedKongNode(nodeOptions));
  } catch (error) {
    await Promise.allSettled(nodes.map((n) => n.close()));
    throw error;
  }
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  let next = 0;
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const node = nodes[next++ % nodes.length] as SimulatedKongNode;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    try {
      const up = await request(new URL(req.url ?? '/', node.proxyUrl), {
        method: (req.method ?? 'GET') as 'GET',
        headers,
        body: hasBody ? req : null,
        dispatcher: agent,
        signal: AbortSignal.timeout(30_000),
      });
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      res.writeHead(up.statusCode, out);
      for await (const chunk of up.body) res.write(chunk);
      res.end();
    } catch {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('node failed');
    }
  };
  const server: Server = createServer((req, res) => {
    forward(req, res).catch(() => res.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    nodes,
    adminUrl: nodes[0]?.adminUrl ?? '',
    proxyUrl: `http://127.0.0.1:${port}`,
    metricsUrls: nodes.map((n) => n.metricsUrl),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await agent.close().catch(() => undefined);
      await Promise.allSettled(nodes.map((n) => n.close()));
    },
  };
}
