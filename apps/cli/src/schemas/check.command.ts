import { readFile } from 'node:fs/promises';
import { checkCompatibility, COMPATIBILITY_MODES, defaultSchemasDir, inlineCatalogRefs, parseSchemaId, readSchemaDirectory, type CompatibilityMode, type Incompatibility, type JsonSchema } from '@passerelle/contracts';
import { CommandError, type Output } from '../cli-output';
import { HubClient } from '../hub-client';

export interface CheckOptions {
  mode?: string;
  registry?: string;
  json?: boolean;
}

/**
 * `passerelle schemas check <old> <new> [--mode backward]` compares two files;
 * `passerelle schemas check <new> --registry <url>` checks a candidate against the registered
 * versions of its subject under the subject's own mode. 0 compatible, 1 incompatible.
 */
export async function checkCommand(files: string[], options: CheckOptions, output: Output): Promise<number> {
  let result: { compatible: boolean; mode: CompatibilityMode; incompatibilities: Incompatibility[] };
  if (options.registry) {
    if (files.length !== 1) throw new CommandError('with --registry, give one file: the candidate schema');
    const candidate = await readSchema(files[0]!);
    const ref = typeof candidate === 'object' && typeof candidate.$id === 'string' ? parseSchemaId(candidate.$id) : null;
    if (!ref) throw new CommandError(`${files[0]}: its $id must name the subject, e.g. urn:passerelle:schema:case:CaseOpened:v2`);
    const { status, body } = await new HubClient(options.registry).request<typeof result & { message?: string }>(
      'POST',
      `/subjects/${encodeURIComponent(ref.subject)}/compatibility`,
      JSON.stringify(candidate),
    );
    if (status !== 200) throw new CommandError(`the registry refused the check: ${body.message ?? `HTTP ${status}`}`);
    result = body;
  } else {
    if (files.length !== 2) throw new CommandError('give two files: the old schema, then the new one (or one file with --registry)');
    const mode = parseMode(options.mode ?? 'backward');
    const [previous, candidate] = await Promise.all(files.map(readSchema));
    // References to the shared definitions in schemas/ are resolved locally, never fetched.
    const catalog = await readSchemaDirectory(defaultSchemasDir());
    result = { mode, ...checkCompatibility(inlineCatalogRefs(candidate!, catalog), [inlineCatalogRefs(previous!, catalog)], mode) };
  }

  if (options.json) {
    output.out(JSON.stringify(result, null, 2));
  } else if (result.compatible) {
    output.out(`✓ compatible (${result.mode})`);
  } else {
    output.out(`✗ incompatible (${result.mode}): ${result.incompatibilities.length} problem${result.incompatibilities.length === 1 ? '' : 's'}`);
    for (const i of result.incompatibilities) output.out(`    ${i.direction}  ${i.path || '/'}  ${i.reason}`);
  }
  return result.compatible ? 0 : 1;
}

function parseMode(raw: string): CompatibilityMode {
  const mode = raw.toUpperCase().replaceAll('-', '_') as CompatibilityMode;
  if (!COMPATIBILITY_MODES.includes(mode)) {
    throw new CommandError(`--mode ${raw} is not a mode: use one of ${COMPATIBILITY_MODES.map((m) => m.toLowerCase()).join(', ')}`);
  }
  return mode;
}

async function readSchema(file: string): Promise<Exclude<JsonSchema, boolean>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CommandError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    throw new CommandError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new CommandError(`${file} is not a JSON Schema object`);
  return schema as Exclude<JsonSchema, boolean>;
}
