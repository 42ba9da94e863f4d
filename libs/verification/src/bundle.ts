import { describeSchema, EventValidator } from '@passerelle/contracts';
import { EventSignatureVerifier, InMemoryDirectory, type KeyRecord } from '@passerelle/identity';
import type { JWK } from 'jose';
import { CheckpointError, openCheckpoint } from './checkpoint';
import { verifyStream, type VerifiableEvent, type VerificationReport } from './history';
import { verifyInclusion, type ProofStep, type StreamHead } from './merkle';

/**
 * Everything needed to verify one case with no server and no network: its events with their
 * signatures and chain, the head the store recorded, the latest signed checkpoint with the
 * proof that names this case's head, the public keys (with their validity history) of every
 * organization that published, the hub's public keys, and the schemas.
 */
export interface AuditBundle {
  format: 'passerelle-audit-bundle/1';
  caseId: string;
  streamId: string;
  exportedAt: string;
  events: BundledEvent[];
  head: { revision: string; hash: string } | null;
  checkpoint: { jws: string; head: StreamHead; proof: ProofStep[] } | null;
  hubKeys: JWK[];
  organizations: Array<{ id: string; name: string; keys: KeyRecord[] }>;
  schemas: unknown[];
}

export interface BundledEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  revision: string;
  position: string;
  prevHash: string;
  hash: string;
  recordedAt: string;
}

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** Verifies a bundle on its own: chain, signatures with the bundled key history, schemas, head, checkpoint. */
export async function verifyBundle(bundle: AuditBundle): Promise<VerificationReport & { checkpoint?: { position: string; at: string } }> {
  if (bundle?.format !== 'passerelle-audit-bundle/1') throw new BundleError(`not an audit bundle (format ${JSON.stringify(bundle?.format)}): export one with passerelle audit export`);
  const directory = new InMemoryDirectory(bundle.organizations.map((o) => ({ id: o.id, name: o.name, issuers: [], roles: [], keys: o.keys })));
  let validator: EventValidator;
  try {
    validator = new EventValidator(bundle.schemas.map((s) => describeSchema(s)));
  } catch (err) {
    throw new BundleError(`the bundle's schemas do not compile: ${(err as Error).message}`);
  }
  const events: VerifiableEvent[] = bundle.events.map((e) => ({ ...e, streamId: bundle.streamId, revision: BigInt(e.revision), position: BigInt(e.position) }));

  let checkpointed: { revision: bigint; hash: string } | undefined;
  let checkpoint: { position: string; at: string } | undefined;
  if (bundle.checkpoint) {
    let payload;
    try {
      payload = await openCheckpoint(bundle.checkpoint.jws, bundle.hubKeys);
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      return failed(bundle, 'checkpoint-mismatch', err.message);
    }
    const { head, proof } = bundle.checkpoint;
    if (head.streamId !== bundle.streamId || !verifyInclusion(head, proof, payload.root)) {
      return failed(bundle, 'checkpoint-mismatch', `the checkpoint of ${payload.at} does not contain the head the bundle claims for ${bundle.streamId}`);
    }
    checkpointed = { revision: BigInt(head.revision), hash: head.hash };
    checkpoint = { position: payload.position, at: payload.at };
  }
  const report = verifyStream(bundle.streamId, events, { signatures: new EventSignatureVerifier(directory), validator }, {
    head: bundle.head ? { revision: BigInt(bundle.head.revision), hash: bundle.head.hash } : undefined,
    checkpointed,
  });
  return checkpoint ? { ...report, checkpoint } : report;
}

function failed(bundle: AuditBundle, kind: 'checkpoint-mismatch', message: string): VerificationReport {
  return { ok: false, streams: 1, eventsVerified: 0, checked: ['checkpoint'], failure: { kind, streamId: bundle.streamId, message } };
}
