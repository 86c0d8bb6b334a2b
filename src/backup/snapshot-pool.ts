import pg from 'pg';

export interface SnapshotPool {
  /** Runs `fn` on a free connection; every connection sees the same snapshot of the database. */
  run<T>(fn: (client: pg.Client) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * `size` connections in REPEATABLE READ READ ONLY transactions sharing one exported snapshot, so a
 * check that runs many queries in parallel still compares one consistent state of the database.
 */
export async function openSnapshotPool(databaseUrl: string, size: number): Promise<SnapshotPool> {
  const clients: pg.Client[] = [];
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return client;
  };
  try {
    const leader = await connect();
    const snap = await leader.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const id = snap.rows[0]?.id ?? '';
    const others = await Promise.all(
      Array.from({ length: Math.max(0, size - 1) }, async () => {
        const client = await connect();
        await client.query(`SET TRANSACTION SNAPSHOT '${id.replaceAll("'", "''")}'`);
        return client;
      }),
    );
    const free: pg.Client[] = [leader, ...others];
    const waiting: { resolve: (c: pg.Client) => void; reject: (e: Error) => void }[] = [];
    let closed = false;
    const acquire = (): Promise<pg.Client> => {
      if (closed) return Promise.reject(new Error('snapshot pool closed'));
      const client = free.pop();
      return client !== undefined
        ? Promise.resolve(client)
        : new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    };
    const release = (client: pg.Client): void => {
      const next = waiting.shift();
      if (next !== undefined) next.resolve(client);
      else free.push(client);
    };
    return {
      async run(fn) {
        const client = await acquire();
        try {
          return await fn(client);
        } finally {
          release(client);
        }
      },
      async close() {
        closed = true;
        for (const w of waiting.splice(0)) w.reject(new Error('snapshot pool closed'));
        await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      },
    };
  } catch (error) {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    throw error;
  }
}
