/** Replaces the password (from the child's PGPASSWORD) wherever it shows up in tool output. */
export function redactSecrets(text: string, env: Record<string, string>): string {
  const password = env.PGPASSWORD;
  if (password === undefined || password === '') return text;
  return text.split(password).join('***');
}
