import { readdir, readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseSchemaId, type SchemaRef } from './schema-id';

export type Classification = 'public' | 'internal' | 'personal' | 'confidential';
export const CLASSIFICATIONS: readonly Classification[] = ['public', 'internal', 'personal', 'confidential'];

/** A JSON Schema document as stored: an object with a `$id`. */
export type SchemaDocument = { $id: string; [keyword: string]: unknown };

export interface CatalogEntry extends SchemaRef {
  id: string;
  schema: SchemaDocument;
  /** Event schemas carry both; the envelope and shared definitions carry neither. */
  classification?: Classification;
  category?: string;
  /** Where it was read from, relative to the schemas folder, when it came from files. */
  file?: string;
}

/** A schema that cannot join the catalog; the message says which file and why. */
export class CatalogError extends Error {
  readonly code = 'SCHEMA.INVALID_DOCUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

/** Checks the parts of a schema the hub relies on, and describes it as a catalog entry. */
export function describeSchema(schema: unknown, file?: string): CatalogEntry {
  const where = file ? `${file}: ` : '';
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new CatalogError(`${where}a schema must be a JSON object`);
  }
  const doc = schema as Record<string, unknown>;
  if (typeof doc.$id !== 'string') throw new CatalogError(`${where}the schema has no $id`);
  const ref = parseSchemaId(doc.$id);
  if (!ref) {
    throw new CatalogError(`${where}$id "${doc.$id}" is not of the form urn:passerelle:schema:<context>:<EventType>:v<N>`);
  }
  // Plain 2020-12, or the dialect that declares our vocabulary (schemas/meta/dialect.meta.json).
  if (doc.$schema !== 'https://json-schema.org/draft/2020-12/schema' && doc.$schema !== 'urn:passerelle:meta:dialect:v1') {
    throw new CatalogError(`${where}$schema must be https://json-schema.org/draft/2020-12/schema or urn:passerelle:meta:dialect:v1`);
  }
  const entry: CatalogEntry = { ...ref, id: doc.$id, schema: doc as SchemaDocument, file };
  const isEvent = ref.subject.includes('.');
  if (isEvent) {
    const classification = doc['x-classification'];
    if (!CLASSIFICATIONS.includes(classification as Classification)) {
      throw new CatalogError(`${where}x-classification must be one of ${CLASSIFICATIONS.join(', ')}`);
    }
    if (typeof doc['x-category'] !== 'string') throw new CatalogError(`${where}x-category is missing`);
    entry.classification = classification as Classification;
    entry.category = doc['x-category'];
  }
  return entry;
}

/** Reads every `*.schema.json` under `dir` (examples beside them are skipped). */
export async function readSchemaDirectory(dir: string): Promise<CatalogEntry[]> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.schema.json')).sort();
  const entries: CatalogEntry[] = [];
  for (const file of files) {
    const path = join(dir, file);
    let schema: unknown;
    try {
      schema = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw new CatalogError(`${relative(dir, path)}: not valid JSON (${(err as Error).message})`);
    }
    entries.push(describeSchema(schema, relative(dir, path)));
  }
  return entries;
}

/**
 * The repository's `schemas/` folder: PASSERELLE_SCHEMAS_DIR if set, else the nearest
 * `schemas/` above this file (in the source tree or in dist/).
 */
export function defaultSchemasDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PASSERELLE_SCHEMAS_DIR) return resolve(env.PASSERELLE_SCHEMAS_DIR);
  return join(projectRoot(), 'schemas');
}

/** The folder holding Passerelle's package.json and schemas/, found above this file. */
export function projectRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'schemas', 'envelope', 'v1.schema.json')) && existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new CatalogError('no schemas/ folder found above the program: set PASSERELLE_SCHEMAS_DIR');
}

/** Passerelle's version, from its package.json. */
export function projectVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
