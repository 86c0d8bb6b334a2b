/** True when two `file → sha256` maps list the same files with the same checksums (key order aside: jsonb reorders keys). */
export function sameManifestFiles(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}
