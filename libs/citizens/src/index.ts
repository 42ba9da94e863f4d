// Pairwise pseudonymous citizen ids: the hub-side citizen directory and the pseudonym function.
export { CITIZEN_FIELD, CitizenDirectory, UnknownPseudonym } from './citizen-directory';
export { isHubPseudonym, pseudonymOf, PSEUDONYM_PREFIX } from './pseudonym';
export { CitizensModule } from './citizens.module';
