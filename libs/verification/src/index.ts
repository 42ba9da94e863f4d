// @passerelle/verification: how an auditor proves a history was neither altered, reordered
// nor truncated, and who published each event — on the hub, in the CLI, or offline.
export { checkEachEvent, type CheckOutcome, type EventChecks } from './event-checks';
export { HistoryVerifier, verifyStream, type CaseEvidence, type Failure, type FailureKind, type VerifiableEvent, type VerificationReport, type VerifierOptions } from './history';
export { inclusionProof, leafHash, merkleRoot, sortHeads, verifyInclusion, type ProofStep, type StreamHead } from './merkle';
export { CHECKPOINT_TYP, CheckpointError, openCheckpoint, signCheckpoint, type CheckpointPayload, type HubSigningKey } from './checkpoint';
export { BundleError, verifyBundle, type AuditBundle, type BundledEvent } from './bundle';
export { verifyLog, type LogVerificationOptions } from './log';
export { canVerifyInParallel, verifyLogInParallel, type ParallelOptions } from './parallel';
