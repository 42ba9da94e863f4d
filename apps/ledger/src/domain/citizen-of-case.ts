import type { CaseFile } from './case-file';

/**
 * Whose data key seals a case's personal fields: the citizen the case's CaseOpened names (the
 * owner's pseudonym of them), as the case file holds it. The one place that says so, so that
 * it can become a hub-side citizen id without touching the rest. Undefined before the case is
 * opened (nothing personal can be recorded then).
 */
export function citizenOfCase(state: CaseFile): string | undefined {
  return state.status === 'unopened' ? undefined : state.citizen;
}
