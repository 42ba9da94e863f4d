import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { defaultSchemasDir, eventTypeOf, EventValidator, readSchemaDirectory, schemaIdOf } from '@passerelle/contracts';
import { compare, type Figure } from './measure';

const EVENTS = 20_000;

/**
 * Validation throughput: the project's validator (envelope, type lookup, data, cross-checks
 * and error shaping) against raw compiled ajv running the same schemas on the same events.
 */
export async function validateBenchmark(): Promise<Figure[]> {
  const dir = defaultSchemasDir();
  const entries = await readSchemaDirectory(dir);
  const validator = new EventValidator(entries);

  // The same ajv options, schemas and vocabulary: the baseline does the schema work alone.
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addVocabulary(['x-classification', 'x-category']);
  for (const entry of [...entries].sort((a, b) => Number(a.subject.includes('.')) - Number(b.subject.includes('.')))) ajv.addSchema(entry.schema);
  const rawEnvelope = ajv.getSchema('urn:passerelle:schema:envelope:v1')!;

  const envelope = JSON.parse(readFileSync(join(dir, 'envelope/v1.example.json'), 'utf8')) as Record<string, unknown>;
  const events = entries
    .filter((e) => e.subject.includes('.'))
    .map((e) => {
      const folder = join(dir, e.file!, '..');
      const example = readdirSync(folder).find((f) => f === `v${e.version}.example.json`)!;
      return { ...envelope, type: eventTypeOf(e), dataschema: schemaIdOf(e), dataclassification: e.classification, data: JSON.parse(readFileSync(join(folder, example), 'utf8')) };
    });
  const docs = Array.from({ length: EVENTS }, (_, i) => ({ ...events[i % events.length]!, id: `evt-${i}` }));
  const rawData = new Map(events.map((e) => [e.type as string, ajv.getSchema(e.dataschema as string)!]));

  let invalid = 0;
  const ours = () => {
    for (const doc of docs) if (!validator.validate(doc).valid) invalid++;
  };
  const raw = () => {
    for (const doc of docs) if (!rawEnvelope(doc) || !rawData.get(doc.type as string)!(doc.data)) invalid++;
  };
  const figure = await compare('validate', 'events/s', EVENTS, ours, { name: 'raw compiled ajv', run: raw }, { goalRatio: 0.9, note: `${events.length} event types, valid events` });
  if (invalid > 0) throw new Error(`validate benchmark: ${invalid} events were invalid; the benchmark measures valid ones`);
  return [figure];
}
