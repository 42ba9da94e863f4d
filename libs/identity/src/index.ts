// @passerelle/identity: the federation's crypto core. Import from here only.
export {
  FEDERATION_DIRECTORY,
  InMemoryDirectory,
  isRole,
  isSigningAlgorithm,
  ROLES,
  SIGNING_ALGORITHMS,
  type FederationDirectory,
  type KeyRecord,
  type MemberOrganization,
  type Role,
  type SigningAlgorithm,
} from './federation';
export { IDENTITY_ERROR_CODES, IDENTITY_ERRORS, IdentityError, type IdentityErrorCode } from './errors';
export { inspectPublicJwk, jwkThumbprint, KeyCache, type PublicKeyInspection } from './keys/key-cache';
export { keyStateAt, type KeyState } from './keys/key-validity';
export { SAFE_KID } from './jws-header';
export { DEFAULT_TOKEN_POLICY, resolveTokenPolicy, type TokenPolicy } from './token/token-policy';
export { TOKEN_VERIFIER, TokenVerifier, type TokenVerifierStats, type VerifiedCaller } from './token/token-verifier';
export { canonicalEventBytes, UNSIGNED_ATTRIBUTES } from './event/canonical-event';
export {
  EVENT_SIGNATURE_TYP,
  EVENT_SIGNATURE_VERIFIER,
  EventSignatureVerifier,
  signEvent,
  type EventSignatureOptions,
  type EventSignatureVerification,
  type PrivateSigningKey,
} from './event/event-signature';
export { generateOrganizationKey, mintToken, type OrganizationKey, type TokenClaims } from './dev/dev-tools';
export { devIssuer, KeyFileError, readKeyFile, writeKeyFiles, type PrivateKeyFile } from './dev/key-files';
export { evolve, initialFederation, type FederationEvent, type FederationState } from './registry/federation-events';
export { FederationLog, type RecordedFederationEvent } from './registry/federation-log';
export { HubKeyRing, HubKeyRingError, type HubKeyEntry, type HubKeyRingFile, type HubToken } from './kafka/hub-key-ring';
