import { readFile } from 'node:fs/promises';
import type { ValidationIssue, ValidationResult } from '@passerelle/contracts';
import { CommandError, formatIssue, type Output } from '../cli-output';
import { HubClient } from '../hub-client';
import { localValidator } from './catalog-source';

export interface ValidateOptions {
  registry?: string;
  type?: string;
  json?: boolean;
}

interface FileResult {
  file: string;
  valid: boolean;
  type?: string;
  code?: string;
  errors: ValidationIssue[];
}

/** `passerelle schemas validate <file>...`: 0 when every file is valid, 1 otherwise. */
export async function validateCommand(files: string[], options: ValidateOptions, output: Output): Promise<number> {
  const results: FileResult[] = [];
  for (const file of files) {
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch (err) {
      throw new CommandError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    results.push({ file, ...(options.registry ? await remote(raw, options) : await local(raw, options)) });
  }
  if (options.json) {
    output.out(JSON.stringify(results, null, 2));
  } else {
    for (const r of results) {
      output.out(r.valid ? `✓ ${r.file}  ${r.type ?? ''}`.trimEnd() : `✗ ${r.file}  ${r.code}`);
      for (const issue of r.errors) output.out(formatIssue(issue));
    }
    const invalid = results.filter((r) => !r.valid).length;
    output.out(`${results.length - invalid} valid, ${invalid} invalid`);
  }
  return results.every((r) => r.valid) ? 0 : 1;
}

async function local(raw: Buffer, options: ValidateOptions): Promise<Omit<FileResult, 'file'>> {
  const validator = await localValidator();
  let result: ValidationResult<unknown>;
  if (options.type) {
    let data: unknown;
    try {
      data = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return { valid: false, code: 'ENVELOPE.MALFORMED', errors: [{ pointer: '', keyword: 'json', message: `is not valid JSON: ${(err as Error).message}` }] };
    }
    result = validator.validateData(options.type, data);
  } else {
    result = validator.parse(raw);
  }
  return result.valid
    ? { valid: true, type: options.type ?? (result.value as { type: string }).type, errors: [] }
    : { valid: false, code: result.code, errors: result.errors };
}

async function remote(raw: Buffer, options: ValidateOptions): Promise<Omit<FileResult, 'file'>> {
  const client = new HubClient(options.registry!);
  const path = options.type ? `/validate?type=${encodeURIComponent(options.type)}` : '/validate';
  const { status, body } = await client.request<{ valid?: boolean; type?: string; code?: string; message?: string; errors?: ValidationIssue[] }>('POST', path, raw);
  if (status === 200) return { valid: Boolean(body.valid), type: body.type, code: body.code, errors: body.errors ?? [] };
  // The registry refused the request itself: too large, or not JSON.
  return { valid: false, code: body.code ?? `HTTP.${status}`, errors: [{ pointer: '', keyword: 'request', message: body.message ?? `HTTP ${status}` }] };
}
