import { UserError } from '@rbm-lab/datasets';

/** One problem in a study file, located in the file that holds the offending text. */
export interface ConfigIssue {
  file: string;
  /** 1-based; 0 when the problem has no position (e.g. a missing file). */
  line: number;
  column: number;
  /** Dotted path of the offending value in the merged study ('' for the whole document). */
  path: string;
  message: string;
  /** 'argument': the problem is in a `--set` argument (`file` is the argument; `column` counts in it). */
  origin?: 'argument';
}

export function formatIssue(issue: ConfigIssue): string {
  const where =
    issue.origin === 'argument'
      ? `${issue.file} (column ${issue.column})`
      : issue.line > 0
        ? `${issue.file}:${issue.line}:${issue.column}`
        : issue.file;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** A study file that cannot be used; lists every problem found, each with file, line and column. */
export class StudyConfigError extends UserError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const header = issues.length === 1 ? 'invalid study config:' : `invalid study config (${issues.length} problems):`;
    super([header, ...issues.map((i) => `  ${formatIssue(i)}`)].join('\n'));
    this.issues = issues;
  }
}
