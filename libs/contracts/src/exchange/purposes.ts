/**
 * The federation's catalogue of purposes: what a grant may serve and what a read must state
 * (GDPR art. 5(1)(b), purpose limitation). Small and closed on purpose: a purpose outside it
 * is refused (`ACCESS.UNKNOWN_PURPOSE`), so two organizations never mean different things by
 * one word. Served at `GET /federation/purposes`.
 */
export const PURPOSES = {
  'eligibility-check': 'Check whether the citizen is entitled to a service or benefit',
  'service-delivery': 'Deliver the service the case is about',
  audit: 'Audit or inspect how the case was handled',
} as const satisfies Record<string, string>;

export type Purpose = keyof typeof PURPOSES;

export const PURPOSE_CODES = Object.keys(PURPOSES) as Purpose[];

/**
 * What a grant serves when it names no purpose (every AccessGranted v1, whose `purpose` is a
 * free text; v1 is not upcast, its data being v2's without `purposes`) and what a read serves
 * when it states none: the service the case is about.
 */
export const DEFAULT_PURPOSE: Purpose = 'service-delivery';

export function isPurpose(value: unknown): value is Purpose {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PURPOSES, value);
}

/** A read's stated purpose: a catalogue code, optionally followed by `; ` and a free-text note. */
export interface StatedPurpose {
  purpose: Purpose;
  note?: string;
}

export type PurposeStatement = { ok: true; stated: StatedPurpose } | { ok: false; code: 'ACCESS.UNKNOWN_PURPOSE'; message: string };

/**
 * Reads a `Passerelle-Purpose` header: `<code>` or `<code>; <note>`; absent or blank means
 * {@link DEFAULT_PURPOSE}. Anything else is refused with the catalogue named.
 */
export function parsePurposeHeader(raw: string | undefined): PurposeStatement {
  if (raw === undefined || raw.trim() === '') return { ok: true, stated: { purpose: DEFAULT_PURPOSE } };
  const cut = raw.indexOf(';');
  const code = (cut < 0 ? raw : raw.slice(0, cut)).trim();
  const note = cut < 0 ? '' : raw.slice(cut + 1).trim().slice(0, 200);
  if (!isPurpose(code)) {
    return { ok: false, code: 'ACCESS.UNKNOWN_PURPOSE', message: `purpose ${JSON.stringify(code.slice(0, 60))} is not in the federation's catalogue (${PURPOSE_CODES.join(', ')}); state it as "<purpose>" or "<purpose>; <note>"` };
  }
  return { ok: true, stated: { purpose: code, ...(note ? { note } : {}) } };
}
