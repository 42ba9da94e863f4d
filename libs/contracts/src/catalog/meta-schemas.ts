import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemasDir } from './schema-catalog';

/** The dialect of the event schemas: JSON Schema 2020-12 with the sharing vocabulary. */
export const DIALECT_META_ID = 'urn:passerelle:meta:dialect:v1';
export const SHARING_VOCABULARY_META_ID = 'urn:passerelle:meta:sharing-vocabulary:v1';
export const SHARING_VOCABULARY = 'urn:passerelle:vocab:sharing:v1';

export interface MetaSchemas {
  dialect: Record<string, unknown>;
  vocabulary: { properties: Record<string, unknown> } & Record<string, unknown>;
  /** The vocabulary's keywords: x-classification, x-category. */
  keywords: string[];
}

let loaded: MetaSchemas | undefined;

/**
 * schemas/meta/: what an integrator's validator loads to know our keywords. Read once;
 * they are part of the repository, not of the registry (they describe schemas, not events).
 */
export function metaSchemas(dir = defaultSchemasDir()): MetaSchemas {
  if (loaded && dir === defaultSchemasDir()) return loaded;
  const read = (file: string) => JSON.parse(readFileSync(join(dir, 'meta', file), 'utf8')) as Record<string, unknown>;
  const vocabulary = read('sharing-vocabulary.meta.json') as MetaSchemas['vocabulary'];
  const result = { dialect: read('dialect.meta.json'), vocabulary, keywords: Object.keys(vocabulary.properties) };
  if (dir === defaultSchemasDir()) loaded = result;
  return result;
}
