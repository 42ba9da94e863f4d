/**
 * JSON Schema compatibility, as schema registries define it (Confluent, Apicurio): whether
 * consumers and producers on different versions of a subject's schema can still read each
 * other's data. The question underneath is always "is every instance of the writer's schema
 * an instance of the reader's?", answered by a static, conservative analysis (subschema.ts):
 * what it cannot prove, it reports. See docs/schema-compatibility.md.
 */
import { type Perspective, type Problem } from './reasons';
import { type JsonSchema } from './schema-document';
import { findProblems } from './subschema';

export type { JsonSchema } from './schema-document';

export type CompatibilityMode = 'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

export const COMPATIBILITY_MODES: readonly CompatibilityMode[] = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];

export interface Incompatibility {
  /** JSON pointer into the schema where the difference is, e.g. /properties/address/properties/postalCode/maxLength */
  path: string;
  /** A sentence a person can act on, e.g. "maxLength lowered from 10 to 6: data written with the old schema may be longer" */
  reason: string;
  /** Which check found it: backward = old data read with the new schema; forward = new data read with the old schema */
  direction: 'backward' | 'forward';
  /** Version (1-based, in the `previous` list order) it was checked against, for transitive modes */
  againstVersion?: number;
}

/** Problems that make some data valid against `writer` invalid against `reader` (empty = readable). */
export function readableBy(writer: JsonSchema, reader: JsonSchema): Omit<Incompatibility, 'direction'>[] {
  return findProblems(writer, reader, OLD_WRITES);
}

/**
 * Checks `candidate` against the subject's previous versions (oldest first) under `mode`:
 * BACKWARD: data written with the latest previous version validates against candidate;
 * FORWARD: data written with candidate validates against the latest previous version;
 * FULL: both; *_TRANSITIVE: against every previous version, not just the latest; NONE: always compatible.
 */
export function checkCompatibility(candidate: JsonSchema, previous: JsonSchema[], mode: CompatibilityMode): { compatible: boolean; incompatibilities: Incompatibility[] } {
  const { directions, transitive } = modeRules(mode);
  // Oldest first; a non-transitive mode looks at the latest version only.
  const versions = previous.map((schema, i) => ({ schema, version: i + 1 })).slice(transitive ? 0 : -1);
  const incompatibilities = versions.flatMap(({ schema, version }) =>
    directions.flatMap((direction) =>
      problemsIn(direction, schema, candidate).map((problem): Incompatibility => ({ ...problem, direction, ...(transitive ? { againstVersion: version } : {}) })),
    ),
  );
  return { compatible: incompatibilities.length === 0, incompatibilities };
}

type Direction = Incompatibility['direction'];

/** Reasons are worded from old to new whichever side writes (see reasons.ts). */
const OLD_WRITES: Perspective = { writer: 'old' };
const NEW_WRITES: Perspective = { writer: 'new' };

function problemsIn(direction: Direction, old: JsonSchema, candidate: JsonSchema): Problem[] {
  switch (direction) {
    case 'backward':
      return findProblems(old, candidate, OLD_WRITES); // old data, new reader
    case 'forward':
      return findProblems(candidate, old, NEW_WRITES); // new data, old reader
    default: {
      const unexpected: never = direction;
      return unexpected;
    }
  }
}

function modeRules(mode: CompatibilityMode): { directions: Direction[]; transitive: boolean } {
  switch (mode) {
    case 'NONE':
      return { directions: [], transitive: false };
    case 'BACKWARD':
      return { directions: ['backward'], transitive: false };
    case 'BACKWARD_TRANSITIVE':
      return { directions: ['backward'], transitive: true };
    case 'FORWARD':
      return { directions: ['forward'], transitive: false };
    case 'FORWARD_TRANSITIVE':
      return { directions: ['forward'], transitive: true };
    case 'FULL':
      return { directions: ['backward', 'forward'], transitive: false };
    case 'FULL_TRANSITIVE':
      return { directions: ['backward', 'forward'], transitive: true };
    default: {
      const unexpected: never = mode;
      throw new Error(`Unknown compatibility mode ${String(unexpected)}`);
    }
  }
}
