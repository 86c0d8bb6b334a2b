import { spawn } from 'node:child_process';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';

/** A throwaway database seeded with a realistic Kong configuration of `totalRows` rows. */
export async function createSeededKongDatabase(totalRows: number): Promise<TestDatabase> {
  const db = await createTestDatabase('kub_bench');
  try {
    await seedKongDatabase(db.url, { totalRows, seed: 42 });
  } catch (error) {
    await db.drop();
    throw error;
  }
  return db;
}

/** Milliseconds taken by `fn`, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: Math.round(performance.now() - start), value };
}

/** Runs argv (no shell) with stdout discarded; rejects with the stderr tail on failure. */
export function runQuiet(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`)),
    );
  });
}
