/**
 * Runs Apicurio Registry's JSON Schema compatibility catalogue (fixtures/NOTICE.md) against
 * the checker. Every enabled case must agree, except the deliberate disagreements below,
 * which must keep giving the documented answer (docs/schema-compatibility.md lists the same).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type JsonSchema, readableBy } from './compatibility';

/** What holds between `original` and `updated`, in the catalogue's words. */
type Outcome = 'backward' | 'forward' | 'both' | 'none';

interface CatalogueCase {
  enabled: boolean;
  id: string;
  compatibility: Outcome;
  original: JsonSchema;
  updated: JsonSchema;
}

/**
 * Case label (its id, with "#n" when the catalogue reuses the id) → what the checker answers
 * instead, and why the catalogue's expectation is not the right one.
 */
const DELIBERATE_DISAGREEMENTS: Record<string, { checker: Outcome; why: string }> = {
  'Const #2': { checker: 'both', why: 'both schemas pair type "string" with an array const, so neither accepts any instance; an empty schema is readable by any schema, in both directions' },
  'Complex: anyOf 1': { checker: 'both', why: 'anyOf [string, maxLength 5] and anyOf [string, maxLength 10] both accept every instance (maxLength ignores non-strings), so forward holds too' },
  'Complex: oneOf 1': { checker: 'none', why: 'backward is false: "abcdefg" matches exactly one branch of the original (string) but both branches of the updated (string, maxLength 10)' },
  'Complex: oneOf 3': { checker: 'none', why: 'backward is false: "abc" matches the original oneOf [string] but both branches of the updated oneOf [string, maxLength 5]' },
  'Conditional: if': { checker: 'both', why: 'properties.case is an enum of "lower" and "upper", so "lowerCase" never occurs: both if conditions select the same instances and the schemas are equivalent' },
};

const catalogue = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'apicurio-compatibility-test-data.json'), 'utf8')) as { tests: CatalogueCase[] };

const cases = labelled(catalogue.tests).filter(({ testCase }) => testCase.enabled);

/** backward = original's data readable by updated; forward = updated's data readable by original. */
function outcomeOf({ original, updated }: CatalogueCase): Outcome {
  const backward = readableBy(original, updated).length === 0;
  const forward = readableBy(updated, original).length === 0;
  if (backward && forward) return 'both';
  if (backward) return 'backward';
  return forward ? 'forward' : 'none';
}

/** Ids are not unique in the catalogue ("Const" three times): number the repeats. */
function labelled(tests: CatalogueCase[]): Array<{ label: string; testCase: CatalogueCase }> {
  const seen = new Map<string, number>();
  return tests.map((testCase) => {
    const occurrence = (seen.get(testCase.id) ?? 0) + 1;
    seen.set(testCase.id, occurrence);
    const repeated = tests.filter((other) => other.id === testCase.id).length > 1;
    return { label: repeated ? `${testCase.id} #${occurrence}` : testCase.id, testCase };
  });
}

describe('Apicurio JSON Schema compatibility catalogue', () => {
  afterAll(() => {
    const agreeing = cases.filter(({ testCase }) => outcomeOf(testCase) === testCase.compatibility).length;
    const deliberate = Object.keys(DELIBERATE_DISAGREEMENTS).length;
    process.stdout.write(`Apicurio catalogue: ${agreeing}/${cases.length} cases agree (${deliberate} deliberate disagreements, see docs/schema-compatibility.md)\n`);
  });

  it.each(cases.map(({ label, testCase }) => [label, testCase] as const))('%s', (label, testCase) => {
    const disagreement = DELIBERATE_DISAGREEMENTS[label];

    expect(outcomeOf(testCase)).toBe(disagreement?.checker ?? testCase.compatibility);
  });

  it('names only catalogue cases, each one disagreeing', () => {
    const labels = new Map(cases.map(({ label, testCase }) => [label, testCase]));

    for (const [label, { checker }] of Object.entries(DELIBERATE_DISAGREEMENTS)) {
      expect(labels.get(label)?.compatibility).toBeDefined();
      expect(labels.get(label)?.compatibility).not.toBe(checker);
    }
  });

  it('lists the same disagreements as docs/schema-compatibility.md', () => {
    const docs = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'schema-compatibility.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## Deliberate disagreements with the catalogue'));
    const documented = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]);

    expect(documented.sort()).toEqual(Object.keys(DELIBERATE_DISAGREEMENTS).sort());
  });
});
