import { isSigningAlgorithm, type SigningAlgorithm } from './federation';

/**
 * Reading a JWS compact serialization ourselves, before any crypto: what is refused here never
 * reaches a key lookup or a signature check (RFC 8725 §2–3: allow-list the algorithm, type
 * explicitly, never follow a key reference carried by the token).
 */

/** A kid we are willing to look up: short, with no path, quote or SQL characters. */
export const SAFE_KID = /^[A-Za-z0-9._-]{1,128}$/;

/** Header parameters that point at or embed a key. Honouring one lets the sender pick the key. */
const KEY_REFERENCES = ['jku', 'x5u', 'x5c', 'jwk'] as const;
type KeyReference = (typeof KEY_REFERENCES)[number];

export interface CompactParts {
  header: string;
  payload: string;
  signature: string;
  /** `header.payload`, the bytes the signature covers (RFC 7515 §5.2), as a slice of the input. */
  signingInput: string;
}

const COMPACT = /^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/** Three base64url segments (any may be empty: the caller decides which must not be). */
export function splitCompact(value: string): CompactParts | undefined {
  if (!COMPACT.test(value)) return undefined;
  const first = value.indexOf('.');
  const second = value.indexOf('.', first + 1);
  return { header: value.slice(0, first), payload: value.slice(first + 1, second), signature: value.slice(second + 1), signingInput: value.slice(0, second) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** base64url → UTF-8 → JSON object, or undefined for anything else (array, string, bad UTF-8…). */
export function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  if (segment === '') return undefined;
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export type HeaderProblem =
  | { kind: 'alg-not-allowed'; alg: unknown }
  | { kind: 'typ-invalid'; typ: unknown }
  | { kind: 'crit' }
  | { kind: 'key-reference'; parameter: KeyReference }
  | { kind: 'unencoded-payload' }
  | { kind: 'kid-invalid'; kid: unknown };

export type HeaderInspection = { ok: true; alg: SigningAlgorithm; kid: string } | { ok: false; problem: HeaderProblem };

export interface HeaderRules {
  algorithms: readonly SigningAlgorithm[];
  /** Required typ, compared as a media type (RFC 7515 §4.1.9: "application/" may be omitted, case-insensitive). */
  typ: string | undefined;
  /** Whether a header without typ passes (typ must still match when present). */
  typOptional: boolean;
}

export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** The checks both tokens and event signatures make, in the order their error codes are documented. */
export function inspectHeader(header: Record<string, unknown>, rules: HeaderRules): HeaderInspection {
  const { alg, typ, kid } = header;
  if (!isSigningAlgorithm(alg) || !rules.algorithms.includes(alg)) return { ok: false, problem: { kind: 'alg-not-allowed', alg } };
  if (rules.typ !== undefined) {
    const absentAndAllowed = typ === undefined && rules.typOptional;
    if (!absentAndAllowed && (typeof typ !== 'string' || normalizeTyp(typ) !== normalizeTyp(rules.typ))) return { ok: false, problem: { kind: 'typ-invalid', typ } };
  }
  if (Object.hasOwn(header, 'crit')) return { ok: false, problem: { kind: 'crit' } };
  const reference = KEY_REFERENCES.find((name) => Object.hasOwn(header, name));
  if (reference) return { ok: false, problem: { kind: 'key-reference', parameter: reference } };
  // RFC 7797 b64: we always sign the base64url of the payload; a sender saying otherwise signed something else.
  if (Object.hasOwn(header, 'b64')) return { ok: false, problem: { kind: 'unencoded-payload' } };
  if (typeof kid !== 'string' || !SAFE_KID.test(kid)) return { ok: false, problem: { kind: 'kid-invalid', kid } };
  return { ok: true, alg, kid };
}

/**
 * inspectHeader over a header segment, remembering the segments that passed: a sender signs
 * with the same alg, typ and kid every time, so its header is decoded once rather than per
 * token. Only passing headers are kept — a refused one costs the same each time — at most
 * `maxEntries`, and the set is emptied when full, so a flood of distinct headers costs what it
 * would without the memo.
 */
export class HeaderInspector {
  private readonly passed = new Map<string, HeaderInspection>();

  constructor(
    private readonly rules: HeaderRules,
    private readonly maxEntries = 1024,
  ) {}

  /** Undefined when the segment is not a base64url-encoded JSON object. */
  inspect(segment: string): HeaderInspection | undefined {
    const known = this.passed.get(segment);
    if (known) return known;
    const header = decodeJsonObject(segment);
    if (!header) return undefined;
    const inspection = inspectHeader(header, this.rules);
    if (inspection.ok) {
      if (this.passed.size >= this.maxEntries) this.passed.clear();
      this.passed.set(segment, inspection);
    }
    return inspection;
  }

  /** How many passing headers are remembered. */
  get size(): number {
    return this.passed.size;
  }
}
