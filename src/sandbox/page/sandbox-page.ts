export function renderSandboxPage(): string {
  return '<!doctype html><title>sandbox</title>';
}
