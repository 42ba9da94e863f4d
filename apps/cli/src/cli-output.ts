import type { ValidationIssue } from '@passerelle/contracts';

/** Where a command writes; injected so commands can be run and read in tests. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** A failure that ends the command with exit code 2: usage, unreadable file, unreachable registry. */
export class CommandError extends Error {}

export function formatIssue(issue: ValidationIssue): string {
  const found = issue.actual === undefined ? '' : ` (found ${JSON.stringify(issue.actual)})`;
  return `    ${issue.pointer || '/'}  ${issue.keyword}: ${issue.message}${found}`;
}
