import { readFile, unlink } from 'node:fs/promises';
import type { Weights } from '../domain/weights.js';
import { AppError } from '../errors.js';
import { sleep } from '../sleep.js';
import { assertWeights } from './assert-weights.js';
import { parseNginxUpstream, renderNginxUpstream } from './nginx-upstream-block.js';
import { listNginxWorkers, reloadTookEffect } from './nginx-workers.js';
import { DEFAULT_ROUTER_TIMEOUT_MS, type RouterRuntimeOptions } from './router-runtime-options.js';
import { outputTail, type RunArgvResult, runArgv } from './run-argv.js';
import type { TrafficRouter } from './traffic-router.js';
import { writeFileAtomic } from './write-file-atomic.js';

export interface NginxRouterOptions {
  upstreamFile: string;
  upstreamName: string;
  xServer: string;
  yServer: string;
  testCommand: string[];
  reloadCommand: string[];
  /**
   * nginx's pid file, when the bot runs on the nginx host. `nginx -s reload` only signals the master,
   * so with this set `apply` waits until the new workers serve and the old ones stopped accepting.
   */
  pidFile?: string;
}

function failure(what: string, argv: readonly string[], r: RunArgvResult, timeoutMs: number): string {
  if (r.spawnError) return `${what} (${argv.join(' ')}) could not start: ${r.spawnError.message}`;
  if (r.timedOut) return `${what} (${argv.join(' ')}) did not finish within ${timeoutMs} ms`;
  if (r.exitCode === null) return `${what} (${argv.join(' ')}) was cancelled`;
  const tail = outputTail(r.stderr || r.stdout);
  return `${what} (${argv.join(' ')}) exited with code ${r.exitCode}${tail ? `: ${tail}` : ''}`;
}

/**
 * Rewrites an nginx upstream file and reloads nginx. The file always matches what nginx serves:
 * if `nginx -t` or the reload fails, the previous bytes are put back before the error is thrown.
 */
export function createNginxRouter(
  options: NginxRouterOptions,
  runtime: RouterRuntimeOptions = {},
): TrafficRouter {
  const timeoutMs = runtime.timeoutMs ?? DEFAULT_ROUTER_TIMEOUT_MS;
  const log = runtime.log;
  // One apply at a time per router: interleaved write/test/restore sequences would corrupt each other.
  let queue: Promise<unknown> = Promise.resolve();

  async function restore(previous: Buffer | undefined): Promise<void> {
    if (previous === undefined) await unlink(options.upstreamFile).catch(() => undefined);
    else await writeFileAtomic(options.upstreamFile, previous);
  }

  async function waitForReload(before: ReadonlySet<number>, pidFile: string): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (reloadTookEffect(before, await listNginxWorkers(pidFile))) return true;
      await sleep(25);
    }
    return false;
  }

  async function applyNow(weights: Weights, signal?: AbortSignal): Promise<void> {
    const previous = await readFile(options.upstreamFile).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new AppError('E_ROUTER_APPLY', `Could not read ${options.upstreamFile}: ${err.message}.`, {
        cause: err,
      });
    });
    const text = renderNginxUpstream(options, weights);
    try {
      await writeFileAtomic(options.upstreamFile, text);
    } catch (err) {
      throw new AppError(
        'E_ROUTER_APPLY',
        `Could not write ${options.upstreamFile} (${(err as Error).message}). ` +
          'Check that the bot may write to that directory; traffic did not move.',
        { cause: err },
      );
    }
    const test = await runArgv(options.testCommand, { timeoutMs, signal });
    if (test.exitCode !== 0) {
      await restore(previous);
      throw new AppError(
        'E_ROUTER_APPLY',
        `nginx rejected the new upstream: ${failure('the config test', options.testCommand, test, timeoutMs)}. ` +
          `The previous ${options.upstreamFile} was put back and traffic did not move; fix the nginx ` +
          'configuration (or xServer/yServer) and retry.',
        { details: { exitCode: test.exitCode, timedOut: test.timedOut } },
      );
    }
    const pidFile = options.pidFile;
    const before = new Set(pidFile ? (await listNginxWorkers(pidFile)).map((w) => w.pid) : []);
    const reload = await runArgv(options.reloadCommand, { timeoutMs, signal });
    if (reload.exitCode !== 0) {
      await restore(previous);
      throw new AppError(
        'E_ROUTER_APPLY',
        `${failure('The nginx reload', options.reloadCommand, reload, timeoutMs)}. The previous ` +
          `${options.upstreamFile} was put back; check that nginx is running, then retry.`,
        { retryable: true, details: { exitCode: reload.exitCode, timedOut: reload.timedOut } },
      );
    }
    if (pidFile && !(await waitForReload(before, pidFile))) {
      await restore(previous);
      throw new AppError(
        'E_ROUTER_APPLY',
        `nginx did not start new worker processes within ${timeoutMs} ms of the reload, so it is most likely ` +
          `still serving the previous split. The previous ${options.upstreamFile} was put back; read nginx's ` +
          'error_log, fix the cause and retry.',
        { retryable: true },
      );
    }
    log?.info({ weights, file: options.upstreamFile }, 'nginx upstream applied');
  }

  return {
    kind: 'nginx',
    async read() {
      const text = await readFile(options.upstreamFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new AppError(
          'E_ROUTER_READBACK',
          `Could not read the nginx upstream file ${options.upstreamFile} (${err.code ?? err.message}). ` +
            'Apply a weight first (e.g. 100 % X) or fix traffic.nginx.upstreamFile.',
          { cause: err },
        );
      });
      const parsed = parseNginxUpstream(options, text);
      if (!parsed.ok) {
        throw new AppError(
          'E_ROUTER_READBACK',
          `${options.upstreamFile} is not an upstream file written by this bot for upstream ` +
            `"${options.upstreamName}" (${options.xServer}, ${options.yServer}) [${parsed.reason}]. ` +
            'It was edited by hand or the config changed; apply the intended weight again to rewrite it.',
          { details: { reason: parsed.reason } },
        );
      }
      return parsed.weights;
    },
    apply(weights, signal) {
      assertWeights(weights);
      const run = queue.then(() => applyNow(weights, signal));
      queue = run.catch(() => undefined);
      return run;
    },
    describe(weights) {
      return (
        `nginx: write upstream ${options.upstreamName} (${options.xServer} ${weights.x} %, ${options.yServer} ` +
        `${weights.y} %) to ${options.upstreamFile}, ${options.testCommand.join(' ')}, ${options.reloadCommand.join(' ')}`
      );
    },
  };
}
