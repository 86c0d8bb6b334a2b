// Kept beside the validated config rather than in it: the schema's output stays the user's keys only.
const known = new WeakMap<object, readonly string[]>();

/**
 * Records secret values that belong to a loaded config (or one of its environments) but are not
 * visible in its keys: every `${VAR}` substitution, and the worker's values of the variables
 * `deploy.env` names.
 */
export function rememberConfigSecrets(owner: object, values: readonly string[]): void {
  known.set(owner, [...(known.get(owner) ?? []), ...values]);
}

/** The values recorded for a config or environment object ([] for one built by hand). */
export function configSecrets(owner: object | undefined): readonly string[] {
  return owner === undefined ? [] : (known.get(owner) ?? []);
}
