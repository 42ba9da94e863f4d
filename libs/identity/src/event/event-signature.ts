import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { IdentityError } from '../errors';
import { isSigningAlgorithm, SIGNING_ALGORITHMS, type FederationDirectory, type MemberOrganization, type SigningAlgorithm } from '../federation';
import { HeaderInspector, SAFE_KID, splitCompact, type HeaderProblem } from '../jws-header';
import { createSignature, keyMismatch } from '../keys/algorithms';
import { KeyCache } from '../keys/key-cache';
import { keyStateAt, type KeyState } from '../keys/key-validity';
import { canonicalEventBytes } from './canonical-event';

/**
 * Publisher signatures over case events: JWS compact serialization with a detached payload
 * (RFC 7515 Appendix F), "<protected>..<signature>", where the payload is the JCS form of the
 * envelope (canonicalEventBytes). The signing input is therefore the standard one:
 *   ASCII(BASE64URL(protected)) || "." || BASE64URL(JCS(envelope minus commit attributes))
 * so any JOSE library can produce or check it by putting the payload back.
 */

/**
 * Explicit type of an event signature (RFC 8725 §3.11). Optional on input, for signers that set
 * only alg and kid, but a token's typ (at+jwt, JWT) is refused: one signed object cannot pass as
 * the other.
 */
export const EVENT_SIGNATURE_TYP = 'passerelle-event+jws';

/** Injection token for the EventSignatureVerifier. */
export const EVENT_SIGNATURE_VERIFIER = Symbol('EventSignatureVerifier');

/** A signature's protected header and signature together stay far below this (RSA-8192: ~1.4 KB). */
const MAX_SIGNATURE_CHARS = 8192;

const ORG_SOURCE = /^urn:passerelle:org:(.+)$/;

export interface PrivateSigningKey {
  privateJwk: JsonWebKey;
  kid: string;
  alg: SigningAlgorithm;
}

export interface EventSignatureVerification {
  organization: MemberOrganization;
  kid: string;
  alg: SigningAlgorithm;
}

export interface EventSignatureOptions {
  /** Algorithms accepted in an event signature; default: all four. */
  algorithms?: SigningAlgorithm[];
}

// Imported private keys, by the JWK object given: a publisher signing a stream of events parses its key once.
const privateKeys = new WeakMap<JsonWebKey, KeyObject>();

function importPrivateKey(key: PrivateSigningKey): KeyObject {
  const cached = privateKeys.get(key.privateJwk);
  if (cached && !keyMismatch(key.alg, cached)) return cached;
  if (typeof key.privateJwk.d !== 'string') throw new TypeError(`signing key ${key.kid} is not a private JWK`);
  const imported = createPrivateKey({ key: key.privateJwk, format: 'jwk' });
  const mismatch = keyMismatch(key.alg, imported);
  if (mismatch) throw new TypeError(`signing key ${key.kid}: ${mismatch}`);
  privateKeys.set(key.privateJwk, imported);
  return imported;
}

/** Signs `envelope` as its publisher; returns "<protected>..<signature>". */
export async function signEvent(envelope: object, key: PrivateSigningKey): Promise<string> {
  if (!isSigningAlgorithm(key.alg)) throw new TypeError(`alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  // A kid the verifier would refuse makes a signature nobody can check: fail at the signer.
  if (!SAFE_KID.test(key.kid)) throw new TypeError('kid must match ^[A-Za-z0-9._-]{1,128}$');
  const privateKey = importPrivateKey(key);
  const protectedHeader = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: EVENT_SIGNATURE_TYP })).toString('base64url');
  const signature = createSignature(key.alg, privateKey, signingInput(protectedHeader, envelope));
  return `${protectedHeader}..${signature.toString('base64url')}`;
}

function signingInput(protectedHeader: string, envelope: object): Buffer {
  const payload = Buffer.from(canonicalEventBytes(envelope)).toString('base64url');
  return Buffer.from(`${protectedHeader}.${payload}`, 'latin1');
}

/**
 * Checks a publisher's signature with node:crypto on keys imported once (KeyCache): this is on
 * the ingest path and on every audit replay, where jose's per-call WebCrypto hop would dominate.
 * The work is synchronous; `verify` exists for the async API, `verifySync` for tight replay loops.
 */
export class EventSignatureVerifier {
  private readonly algorithms: readonly SigningAlgorithm[];
  private readonly headers: HeaderInspector;

  constructor(
    private readonly directory: FederationDirectory,
    private readonly keys: KeyCache = new KeyCache(),
    options: EventSignatureOptions = {},
  ) {
    this.algorithms = [...(options.algorithms ?? SIGNING_ALGORITHMS)];
    this.headers = new HeaderInspector({ algorithms: this.algorithms, typ: EVENT_SIGNATURE_TYP, typOptional: true });
  }

  /**
   * Verifies `jws` over `envelope` as published by the org named in envelope.source, with the
   * key valid at `at` (ingest: now; audit: the recorded receive time).
   */
  async verify(envelope: { source: string } & object, jws: string | undefined, at: Date): Promise<EventSignatureVerification> {
    return this.verifySync(envelope, jws, at);
  }

  verifySync(envelope: { source: string } & object, jws: string | undefined, at: Date): EventSignatureVerification {
    const { organization, kid, alg, imported, parts } = this.resolve(envelope, jws, at);
    const signature = Buffer.from(parts.signature, 'base64url');
    if (!imported.check(signingInput(parts.header, envelope), signature)) {
      throw new IdentityError('SIGNATURE.INVALID', `the signature does not match the event with key ${kid} of ${organization.id}`);
    }
    return { organization, kid, alg };
  }

  /**
   * Everything `verifySync` checks but the signature's bytes: a well-formed detached JWS whose
   * key is one of the source's, valid at `at`. For an event whose signed plaintext is gone
   * (erased personal data): the hub verified the bytes at receipt and recorded it; an auditor
   * can still check that the key named was the publisher's and valid then.
   */
  checkKeySync(envelope: { source: string } & object, jws: string | undefined, at: Date): EventSignatureVerification {
    const { organization, kid, alg } = this.resolve(envelope, jws, at);
    return { organization, kid, alg };
  }

  private resolve(envelope: { source: string } & object, jws: string | undefined, at: Date) {
    if (Number.isNaN(at.getTime())) throw new TypeError('the verification instant is not a valid date');
    if (jws === undefined || jws === '') throw new IdentityError('SIGNATURE.MISSING', 'the event carries no signature');
    if (typeof jws !== 'string' || jws.length > MAX_SIGNATURE_CHARS) throw new IdentityError('SIGNATURE.MALFORMED', 'the signature is not a compact JWS of a sensible size');
    const parts = splitCompact(jws);
    if (!parts || parts.header === '' || parts.payload !== '' || parts.signature === '') {
      throw new IdentityError('SIGNATURE.MALFORMED', 'the signature must be a detached compact JWS: <protected>..<signature>');
    }
    const inspection = this.headers.inspect(parts.header);
    if (!inspection) throw new IdentityError('SIGNATURE.MALFORMED', 'the signature header is not a JSON object');
    if (!inspection.ok) throw headerError(inspection.problem, this.algorithms);
    const { alg, kid } = inspection;

    const source: unknown = envelope.source;
    const organizationId = typeof source === 'string' ? ORG_SOURCE.exec(source)?.[1] : undefined;
    const organization = organizationId === undefined ? undefined : this.directory.organization(organizationId);
    if (!organization) throw new IdentityError('SIGNATURE.SOURCE_UNKNOWN', `source ${JSON.stringify(String(source).slice(0, 120))} is not a member organization`);
    // Only the source's own keys: an event signed by org A and claiming to come from org B finds no A kid under B.
    const record = organization.keys.find((key) => key.kid === kid);
    if (!record) throw new IdentityError('SIGNATURE.KEY_UNKNOWN', `key ${kid} is not a key of ${organization.id}`);
    if (record.alg !== alg) throw new IdentityError('SIGNATURE.INVALID', `key ${kid} of ${organization.id} is registered for ${record.alg}, the signature says ${alg}`);
    assertValidAt(keyStateAt(record, at), organization, kid, at);
    const imported = this.keys.publicKey(organization.id, record);
    if (!imported.ok) throw new IdentityError('SIGNATURE.KEY_UNKNOWN', `key ${kid} of ${organization.id} is not usable: ${imported.reason}`);
    return { organization, kid, alg, imported, parts };
  }
}

function headerError(problem: HeaderProblem, algorithms: readonly SigningAlgorithm[]): IdentityError {
  switch (problem.kind) {
    case 'alg-not-allowed':
      return new IdentityError('SIGNATURE.MALFORMED', `alg ${JSON.stringify(String(problem.alg).slice(0, 40))} is not allowed; allowed: ${algorithms.join(', ')}`);
    case 'typ-invalid':
      return new IdentityError('SIGNATURE.MALFORMED', `typ must be ${EVENT_SIGNATURE_TYP} when present`);
    case 'crit':
      return new IdentityError('SIGNATURE.MALFORMED', 'the signature header has crit; no extension is supported');
    case 'key-reference':
      return new IdentityError('SIGNATURE.MALFORMED', `the signature header carries "${problem.parameter}"; keys come from the federation registry only`);
    case 'unencoded-payload':
      return new IdentityError('SIGNATURE.MALFORMED', 'the signature header has b64; the payload is signed base64url-encoded');
    case 'kid-invalid':
      return new IdentityError('SIGNATURE.MALFORMED', 'the signature header needs a kid matching ^[A-Za-z0-9._-]{1,128}$');
    default: {
      const unhandled: never = problem;
      throw new TypeError(`unhandled header problem ${JSON.stringify(unhandled)}`);
    }
  }
}

function assertValidAt(state: KeyState, organization: MemberOrganization, kid: string, at: Date): void {
  const key = `key ${kid} of ${organization.id}`;
  switch (state.kind) {
    case 'valid':
      return;
    case 'revoked':
      throw new IdentityError('SIGNATURE.KEY_REVOKED', `${key} was revoked at ${state.revokedAt}; nothing presented from then on is valid (checked at ${at.toISOString()})`);
    case 'retired':
      throw new IdentityError('SIGNATURE.KEY_NOT_VALID_AT_TIME', `${key} was retired at ${state.validUntil}, before ${at.toISOString()}`);
    case 'not-yet-valid':
      throw new IdentityError('SIGNATURE.KEY_NOT_VALID_AT_TIME', `${key} is valid only from ${state.validFrom}, after ${at.toISOString()}`);
    default: {
      const unhandled: never = state;
      throw new TypeError(`unhandled key state ${JSON.stringify(unhandled)}`);
    }
  }
}
