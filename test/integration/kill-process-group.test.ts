import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { killProcessGroup } from '../../src/kill-process-group.js';

/** Running, not merely a zombie waiting to be reaped (a killed orphan may stay one in a container). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

describe('killProcessGroup', () => {
  it('stops the child and what it started', async () => {
    // The shell starts a grandchild and prints its pid; killing only the shell would leave it running.
    const child = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const grandchild = Number(chunk.toString('utf8').trim());
    expect(alive(grandchild)).toBe(true);
    const exited = once(child, 'exit');
    killProcessGroup(child, 'SIGKILL');
    await exited;
    for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive(grandchild)).toBe(false);
  });

  it('does nothing for a group already gone, or a child that never started', async () => {
    const child = spawn('true', [], { detached: true, stdio: 'ignore' });
    await once(child, 'exit');
    expect(() => killProcessGroup(child, 'SIGTERM')).not.toThrow();
    expect(() => killProcessGroup({ pid: undefined }, 'SIGTERM')).not.toThrow();
  });
});
