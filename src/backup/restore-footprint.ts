import type pg from 'pg';

/**
 * The user objects a database held before a restore, by OID (builtins, below 16384, are never ours).
 * Recorded with the restore marker before pg_restore starts, so that a retry drops exactly what this
 * run's restore created (and whatever was added after it), and nothing that was in Y before the run.
 */
export interface RestoreFootprint {
  namespaces: string[];
  relations: string[];
  routines: string[];
  types: string[];
  extensions: string[];
}

const FIRST_USER_OID = 16384;

const QUERIES: Record<keyof RestoreFootprint, string> = {
  namespaces: `SELECT oid::text FROM pg_namespace WHERE oid >= ${FIRST_USER_OID}`,
  relations: `SELECT oid::text FROM pg_class WHERE oid >= ${FIRST_USER_OID} AND relkind IN ('r','p','v','m','S','f')`,
  routines: `SELECT oid::text FROM pg_proc WHERE oid >= ${FIRST_USER_OID}`,
  types: `SELECT oid::text FROM pg_type WHERE oid >= ${FIRST_USER_OID}`,
  extensions: `SELECT oid::text FROM pg_extension WHERE oid >= ${FIRST_USER_OID}`,
};

export async function readFootprint(client: pg.ClientBase): Promise<RestoreFootprint> {
  const out = {} as RestoreFootprint;
  for (const [key, sql] of Object.entries(QUERIES) as [keyof RestoreFootprint, string][]) {
    out[key] = (await client.query<{ oid: string }>(sql)).rows.map((r) => r.oid);
  }
  return out;
}

// Objects created since the footprint, with how to drop each. Objects of an extension go with it;
// temporary and toast schemas are the server's own.
const CREATED_SQL = `
  WITH ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e'),
       keep AS (SELECT oid FROM pg_namespace WHERE nspname = $6)
  SELECT 1 AS ord, 'SCHEMA' AS kind, quote_ident(n.nspname) AS name FROM pg_namespace n
   WHERE n.oid >= ${FIRST_USER_OID} AND NOT n.oid::text = ANY($1) AND n.nspname <> $6
     AND n.nspname NOT LIKE 'pg\\_%'
  UNION ALL
  SELECT 2, 'EXTENSION', quote_ident(e.extname) FROM pg_extension e
   WHERE e.oid >= ${FIRST_USER_OID} AND NOT e.oid::text = ANY($5)
  UNION ALL
  SELECT 3, CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                           WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
         c.oid::regclass::text FROM pg_class c
   WHERE c.oid >= ${FIRST_USER_OID} AND c.relkind IN ('r','p','v','m','S','f') AND NOT c.oid::text = ANY($2)
     AND c.oid NOT IN (SELECT objid FROM ext) AND c.relnamespace NOT IN (SELECT oid FROM keep)
  UNION ALL
  SELECT 4, CASE p.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
         p.oid::regprocedure::text FROM pg_proc p
   WHERE p.oid >= ${FIRST_USER_OID} AND NOT p.oid::text = ANY($3) AND p.oid NOT IN (SELECT objid FROM ext)
     AND p.pronamespace NOT IN (SELECT oid FROM keep)
  UNION ALL
  SELECT 5, 'TYPE', format_type(t.oid, NULL) FROM pg_type t
   WHERE t.oid >= ${FIRST_USER_OID} AND NOT t.oid::text = ANY($4) AND t.oid NOT IN (SELECT objid FROM ext)
     AND t.typnamespace NOT IN (SELECT oid FROM keep)
     AND t.typtype IN ('c','d','e','r','m') AND t.typcategory <> 'A'
     AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
  ORDER BY 1, 3`;

/**
 * Drops every object created since `before` (in one transaction, by the caller): new schemas with all
 * they hold, then new extensions, relations, routines and types in schemas that existed before. Each
 * drop is IF EXISTS … CASCADE, as an earlier drop may already have taken an object with it. Returns
 * what it dropped, for the log.
 */
export async function dropCreatedSince(
  client: pg.ClientBase,
  before: RestoreFootprint,
  /** The bot's own marker schema, which is never dropped. */
  keepSchema: string,
): Promise<string[]> {
  const created = await client.query<{ kind: string; name: string }>(CREATED_SQL, [
    before.namespaces,
    before.relations,
    before.routines,
    before.types,
    before.extensions,
    keepSchema,
  ]);
  const dropped: string[] = [];
  const newSchemas = created.rows.filter((r) => r.kind === 'SCHEMA').map((r) => r.name);
  for (const { kind, name } of created.rows) {
    // Whatever lives in a new schema goes with the schema.
    if (kind !== 'SCHEMA' && newSchemas.some((s) => name.startsWith(`${s}.`))) continue;
    await client.query(`DROP ${kind} IF EXISTS ${name} CASCADE`);
    dropped.push(`${kind.toLowerCase()} ${name}`);
  }
  return dropped;
}
