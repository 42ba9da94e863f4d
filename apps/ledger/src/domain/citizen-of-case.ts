import type { CaseFile } from './case-file';

/**
 * Whose data key seals a case's personal fields: the citizen the case's CaseOpened names, as
 * the case file holds it — the hub-side citizen id where the citizen directory runs (the
 * ledger folds every publisher's reference to it), so one citizen has one key whichever
 * members name them. Undefined before the case is opened (nothing personal recorded then).
 */
export function citizenOfCase(state: CaseFile): string | undefined {
  return state.status === 'unopened' ? undefined : state.citizen;
}
