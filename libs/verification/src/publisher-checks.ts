import type { EventValidator } from '@passerelle/contracts';
import { IdentityError, type EventSignatureVerifier } from '@passerelle/identity';
import { isErased, isSealed, personalMetadataOf } from '@passerelle/privacy';
import { signatureFailure, type FailureKind } from './failure-kinds';

/** A case event as far as its publisher's checks go. */
export interface PublisherCheckInput {
  revision: bigint | string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** Its envelope with sealed personal fields opened, when the auditor holds their key. */
  opened?: Record<string, unknown>;
}

export type PublisherCheck =
  | { ok: true; kid?: string; attested: boolean }
  | { ok: false; check: 'signature' | 'schema'; kind: FailureKind; code: string; message: string; pointer?: string; kid?: string; attested: boolean };

/**
 * The publisher's signature and the event's schema. An event whose personal fields the hub
 * sealed is checked on its plaintext when `opened` holds it (the signature in full). When
 * the plaintext is gone (erased, or not at hand: offline, a whole-log replay), its signature
 * is judged by the hub's record of receipt, which the chain covers: the signature was
 * verified at receipt with the key its header names, that key is the publisher's and was
 * valid then (checked again here); its schema on every field but the sealed ones.
 */
export function checkPublisher(event: PublisherCheckInput, options: { signatures?: EventSignatureVerifier; validator?: EventValidator }): PublisherCheck {
  const personal = personalMetadataOf(event);
  const altered = personal && event.opened ? personal.fields.find((f) => isUnreadable(valueAt(event.opened!, f))) : undefined;
  if (altered) {
    const message = `revision ${event.revision}: the sealed field ${altered} does not open with its citizen's key: its ciphertext was altered after the hub sealed it`;
    return { ok: false, check: 'signature', kind: 'bad-signature', code: 'PRIVACY.CIPHERTEXT_INVALID', message, attested: false };
  }
  const plaintext = personal && event.opened && personal.fields.every((f) => !hidden(valueAt(event.opened!, f))) ? event.opened : undefined;
  const attested = personal !== undefined && plaintext === undefined;
  const envelope = plaintext ?? event.data;
  const jws = typeof event.metadata.signature === 'string' ? event.metadata.signature : undefined;
  let kid: string | undefined;
  if (options.signatures) {
    try {
      const at = new Date(String(event.metadata.receivedAt));
      kid = (attested ? options.signatures.checkKeySync(envelope as { source: string }, jws, at) : options.signatures.verifySync(envelope as { source: string }, jws, at)).kid;
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      return { ok: false, check: 'signature', kind: signatureFailure(err.code), code: err.code, message: `revision ${event.revision}: ${err.message}`, attested };
    }
    if (attested && personal.signatureVerified?.kid !== kid) {
      return { ok: false, check: 'signature', kind: 'bad-signature', code: 'SIGNATURE.INVALID', message: `revision ${event.revision}: the hub's record of receipt names key ${String(personal.signatureVerified?.kid)}, the signature ${kid}`, kid, attested };
    }
  }
  if (options.validator) {
    const result = options.validator.validate(envelope);
    // Sealed or erased fields are not the publisher's values: only the rest is held to the schema.
    const errors = result.valid ? [] : result.errors.filter((e) => !(attested && personal.fields.some((f) => e.pointer === f || e.pointer.startsWith(`${f}/`))));
    if (!result.valid && (errors.length > 0 || !attested || result.code !== 'SCHEMA.INVALID')) {
      const first = errors[0] ?? result.errors[0];
      return { ok: false, check: 'schema', kind: 'schema-invalid', code: result.code, message: `revision ${event.revision} does not match its schema: ${first ? `${first.pointer || '/'} ${first.message}` : result.code}`, pointer: first?.pointer || '/', ...(kid ? { kid } : {}), attested };
    }
  }
  return { ok: true, ...(kid ? { kid } : {}), attested };
}

const hidden = (value: unknown) => isSealed(value) || isErased(value);
const isUnreadable = (value: unknown) => typeof value === 'object' && value !== null && (value as { $unreadable?: unknown }).$unreadable === true;

function valueAt(value: unknown, pointer: string): unknown {
  let at = value;
  for (const part of pointer.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}
