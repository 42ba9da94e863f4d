import { checkCompatibility, parseSchemaId, type CompatibilityMode, type Incompatibility, type JsonSchema } from '@passerelle/contracts';

export type RegistrationDecision =
  | { accepted: true; version: number }
  | { accepted: false; code: 'SCHEMA.WRONG_VERSION'; message: string }
  | { accepted: false; code: 'SCHEMA.INCOMPATIBLE'; message: string; incompatibilities: Incompatibility[] };

/**
 * Whether `candidate` may become the next version of `subject`, given the versions already
 * registered (oldest first) and the subject's compatibility mode. Versions are never reused
 * or skipped: the candidate's $id must name exactly the next one.
 */
export function decideRegistration(subject: string, candidate: { $id: string } & Record<string, unknown>, previous: JsonSchema[], mode: CompatibilityMode): RegistrationDecision {
  const next = previous.length + 1;
  const ref = parseSchemaId(candidate.$id);
  if (!ref || ref.subject !== subject || ref.version !== next) {
    const expected = `urn:passerelle:schema:${subject.replaceAll('.', ':')}:v${next}`;
    return { accepted: false, code: 'SCHEMA.WRONG_VERSION', message: `$id must be ${expected}: the next version of ${subject} is ${next}` };
  }
  const { compatible, incompatibilities } = checkCompatibility(candidate, previous, mode);
  if (!compatible) {
    return {
      accepted: false,
      code: 'SCHEMA.INCOMPATIBLE',
      message: `version ${next} of ${subject} breaks its ${mode} compatibility (${incompatibilities.length} problem${incompatibilities.length === 1 ? '' : 's'})`,
      incompatibilities,
    };
  }
  return { accepted: true, version: next };
}
