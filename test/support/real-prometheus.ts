import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually.js';

/** A scrape target: its `host:port` and the labels that pick its cluster, e.g. `{ cluster: 'y' }`. */
export interface PrometheusTarget {
  address: string;
  labels: Record<string, string>;
}

export interface RealPrometheus {
  url: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Debian's `prometheus` binary, started on a free port with a generated scrape config (every
 * target scraped every `scrapeSeconds`), storage in a temp dir. Resolves once every target has been
 * scraped at least once.
 */
export async function startRealPrometheus(
  targets: PrometheusTarget[],
  scrapeSeconds = 1,
): Promise<RealPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'kub-prometheus-'));
  const config = {
    global: { scrape_interval: `${scrapeSeconds}s`, scrape_timeout: `${scrapeSeconds}s` },
    scrape_configs: [
      {
        job_name: 'kong',
        static_configs: targets.map((t) => ({ targets: [t.address], labels: t.labels })),
      },
    ],
  };
  // JSON is YAML: no YAML writer needed.
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      async () => {
        const res = await fetch(`${url}/api/v1/targets?state=active`).catch(() => undefined);
        if (!res?.ok) return false;
        const body = (await res.json()) as { data: { activeTargets: { lastScrape: string }[] } };
        const scraped = body.data.activeTargets.filter((t) => !t.lastScrape.startsWith('0001'));
        return scraped.length === targets.length;
      },
      20_000,
      200,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { url, close };
}
