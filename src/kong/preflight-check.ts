/** One line of the preflight report (its own module so rule files can share it without a cycle). */
export interface PreflightCheck {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  remedy?: string;
  items?: string[];
}
