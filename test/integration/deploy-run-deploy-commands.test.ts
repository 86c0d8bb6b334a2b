import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kongPgEnv } from '../../src/deploy/kong-pg-env.js';
import { runDeployCommands } from '../../src/deploy/run-deploy-commands.js';
import { type AppError, isAppError } from '../../src/errors.js';

const NODE = process.execPath;
const ENV = { PATH: `${dirname(NODE)}:/usr/local/bin:/usr/bin:/bin` };
const node = (code: string) => [NODE, '-e', code];

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected the promise to reject');
}

/** Running, not a zombie: where PID 1 does not reap orphans, a killed grandchild stays a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Live `sleep <seconds>` processes. */
function sleepers(seconds: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8') === `sleep\0${seconds}\0`;
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(alive);
}

describe('runDeployCommands', () => {
  it('test helper: a running process is alive', () => {
    expect(alive(process.pid)).toBe(true);
  });

  it('runs the commands in order, without a shell, and keeps each tail', async () => {
    const started: number[] = [];
    const ended: number[] = [];
    const { steps } = await runDeployCommands({
      commands: [node('console.log("one"); console.error("err-one")'), ['echo', '$HOME', '&&', 'false']],
      timeoutMs: 10_000,
      env: ENV,
      onStepStart: (i) => {
        started.push(i);
      },
      onStepEnd: (i) => {
        ended.push(i);
      },
    });
    expect(started).toEqual([0, 1]);
    expect(ended).toEqual([0, 1]);
    expect(steps.map((s) => s.exitCode)).toEqual([0, 0]);
    expect(steps[0]?.tail.sort()).toEqual(['err-one', 'one']);
    // No shell: "$HOME" and "&&" reach echo literally.
    expect(steps[1]?.tail).toEqual(['$HOME && false']);
    expect(steps[1]?.argv).toEqual(['echo', '$HOME', '&&', 'false']);
    expect(steps[0]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps only the last lines of a chatty command', async () => {
    const { steps } = await runDeployCommands({
      commands: [node('for (let i = 1; i <= 100; i++) console.log("line " + i)')],
      timeoutMs: 10_000,
      env: ENV,
      tailLines: 20,
    });
    expect(steps[0]?.tail).toHaveLength(20);
    expect(steps[0]?.tail[0]).toBe('line 81');
    expect(steps[0]?.tail[19]).toBe('line 100');
  });

  it('stops at the first failure with E_DEPLOY_FAILED naming the command and its tail', async () => {
    const ran: number[] = [];
    const err = await failure(
      runDeployCommands({
        commands: [
          node('console.log("ok")'),
          node('console.log("Database has pending migrations"); process.exit(4)'),
          node('console.log("must not run")'),
        ],
        timeoutMs: 10_000,
        env: ENV,
        onStepEnd: (i, step) => {
          ran.push(step.exitCode ?? -1);
          expect(i).toBe(ran.length - 1);
        },
      }),
    );
    expect(err.code).toBe('E_DEPLOY_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('exited with code 4');
    expect(err.message).toContain('Database has pending migrations');
    expect(err.message).toContain(NODE);
    expect(err.details).toMatchObject({ index: 1, exitCode: 4, completed: 1 });
    expect(err.details.tail).toEqual(['Database has pending migrations']);
    expect(typeof err.details.remedy).toBe('string');
    expect(ran).toEqual([0, 4]);
  });

  it('names a missing binary and runs nothing after it', async () => {
    const ended: number[] = [];
    const err = await failure(
      runDeployCommands({
        commands: [['kong-does-not-exist', 'migrations', 'up'], node('console.log(1)')],
        timeoutMs: 10_000,
        env: ENV,
        onStepEnd: (i) => {
          ended.push(i);
        },
      }),
    );
    expect(err.code).toBe('E_DEPLOY_FAILED');
    expect(err.message).toBe(
      'The deploy command "kong-does-not-exist" (deploy.commands[0]) was not found on the worker, so nothing ran.',
    );
    expect(String(err.details.remedy)).toContain('full path');
    expect(ended).toEqual([]);
  });

  it('on timeout kills the whole process group and fails with E_DEPLOY_TIMEOUT', async () => {
    const pids: number[] = [];
    const started = Date.now();
    // sh starts sleep in the background and prints its pid: the grandchild must die too.
    const err = await failure(
      runDeployCommands({
        commands: [['sh', '-c', 'sleep 30 & echo $!; echo waiting; wait']],
        timeoutMs: 500,
        env: ENV,
        killAfterMs: 1000,
        onOutput: (line) => {
          if (/^\d+$/.test(line)) pids.push(Number(line));
        },
      }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err.code).toBe('E_DEPLOY_TIMEOUT');
    expect(err.message).toContain('deploy timeout of 1 s');
    expect(err.message).toContain('waiting');
    expect(pids).toHaveLength(1);
    const pid = pids[0] ?? 0;
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  });

  it('times out a plain [sleep, 30] too, and the process is gone', async () => {
    // A duration no other process uses, so the process can be found by its command line.
    const seconds = `30.${Date.now() % 100_000}`;
    const promise = runDeployCommands({
      commands: [['sleep', seconds]],
      timeoutMs: 500,
      env: ENV,
      killAfterMs: 500,
    });
    await new Promise((r) => setTimeout(r, 200));
    const running = sleepers(seconds);
    expect(running).toHaveLength(1);
    const err = await failure(promise);
    expect(err.code).toBe('E_DEPLOY_TIMEOUT');
    expect(err.details.exitCode).toBeNull();
    expect(alive(running[0] ?? 0)).toBe(false);
    expect(sleepers(seconds)).toEqual([]);
  });

  it('escalates to SIGKILL when a command ignores SIGTERM', async () => {
    const pids: number[] = [];
    const started = Date.now();
    const err = await failure(
      runDeployCommands({
        commands: [
          node('process.on("SIGTERM", () => {}); console.log(process.pid); setInterval(() => {}, 1000)'),
        ],
        timeoutMs: 500,
        killAfterMs: 300,
        env: ENV,
        onOutput: (line) => pids.push(Number(line)),
      }),
    );
    expect(err.code).toBe('E_DEPLOY_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(alive(pids[0] ?? 0)).toBe(false);
  });

  it('honours the abort signal (retryable: a retry runs the commands again)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('run moved on')), 200);
    const err = await failure(
      runDeployCommands({
        commands: [['sleep', '30']],
        timeoutMs: 30_000,
        env: ENV,
        signal: controller.signal,
      }),
    );
    expect(err.code).toBe('E_DEPLOY_FAILED');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('cancelled');
    const pre = await failure(
      runDeployCommands({
        commands: [['sleep', '30']],
        timeoutMs: 30_000,
        env: ENV,
        signal: controller.signal,
      }),
    );
    expect(pre.message).toContain('cancelled');
  });

  it("passes Y's connection settings in the environment and scrubs secrets from the output", async () => {
    const env = { ...ENV, ...kongPgEnv('postgres://kong:p%40ss-W0rd!@db-y:5432/kong_y') };
    const { steps } = await runDeployCommands({
      commands: [
        node('console.log(process.env.KONG_PG_DATABASE)'),
        node(
          'console.log("pw=" + process.env.KONG_PG_PASSWORD); console.error("url=postgres://kong:p%40ss-W0rd!@db-y"); console.log("token tok-123456")',
        ),
      ],
      timeoutMs: 10_000,
      env,
      secrets: ['tok-123456'],
    });
    expect(steps[0]?.tail).toEqual(['kong_y']);
    const tail = steps[1]?.tail.join('\n') ?? '';
    expect(tail).toContain('pw=****');
    expect(tail).toContain('url=postgres://kong:****@db-y');
    expect(tail).toContain('token ****');
    expect(tail).not.toContain('W0rd');
    expect(tail).not.toContain('tok-123456');
  });

  it('scrubs secrets from the command shown in messages', async () => {
    const err = await failure(
      runDeployCommands({
        commands: [[NODE, '-e', 'process.exit(2)', '--', '--token=tok-abcdef']],
        timeoutMs: 10_000,
        env: ENV,
        secrets: ['tok-abcdef'],
      }),
    );
    expect(err.message).toContain('--token=****');
    expect(err.message).not.toContain('tok-abcdef');
    expect(err.message).toContain('It printed nothing.');
  });
});
