import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../src/traffic/webhook-signature.js';

export interface DeployWebhookRequest {
  headers: IncomingMessage['headers'];
  body: string;
  signatureValid: boolean;
}

export interface FakeDeployWebhook {
  url: string;
  requests: DeployWebhookRequest[];
  /** How the next requests are answered (default 202 with a small JSON body). */
  answer(status: number, body: string): void;
  /** Never answer (to exercise timeouts). */
  hang(): void;
  /** Called with each correctly signed request, e.g. to "deploy" a simulated Y. */
  onDeploy?: (body: unknown) => void;
  close(): Promise<void>;
}

/** A CI system's deploy endpoint: verifies X-Signature like a real receiver would (401 when wrong). */
export async function startFakeDeployWebhook(
  secret: string,
  options: { acceptLegacy?: boolean } = {},
): Promise<FakeDeployWebhook> {
  let status = 202;
  let reply = '{"accepted":true}';
  let hanging = false;
  const fake: Omit<FakeDeployWebhook, 'url' | 'close'> = {
    requests: [],
    answer(s, b) {
      status = s;
      reply = b;
    },
    hang() {
      hanging = true;
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signatureValid = verifyWebhookSignature(
        body,
        req.headers['x-signature'] as string | undefined,
        req.headers['x-signature-timestamp'] as string | undefined,
        secret,
        options,
      );
      fake.requests.push({ headers: req.headers, body, signatureValid });
      if (hanging) return;
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      if (!signatureValid) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad signature"}');
        return;
      }
      fake.onDeploy?.(JSON.parse(body));
      res.writeHead(status, { 'content-type': 'application/json' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/deploy`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
