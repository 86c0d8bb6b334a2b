/** One line of the preflight report; every check file returns these, so it lives apart from the list. */
export interface PreflightCheck {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  remedy?: string;
  items?: string[];
}
