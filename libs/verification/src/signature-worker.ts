import { parentPort, workerData } from 'node:worker_threads';
import { describeSchema, EventValidator } from '@passerelle/contracts';
import { EventSignatureVerifier, IdentityError, InMemoryDirectory, type MemberOrganization } from '@passerelle/identity';
import { signatureFailure } from './failure-kinds';
import type { WorkItem, WorkResult } from './parallel-protocol';

/**
 * One thread of parallel log verification: checks publisher signatures and schemas of the
 * case events it is sent, in chunks, and answers with the first failure of each chunk.
 */
const { organizations, schemas } = workerData as { organizations: MemberOrganization[]; schemas: unknown[] };
const verifier = new EventSignatureVerifier(new InMemoryDirectory(organizations));
const validator = new EventValidator(schemas.map((s) => describeSchema(s)));

parentPort!.on('message', (chunk: { id: number; items: WorkItem[] }) => {
  let failure: WorkResult['failure'];
  for (const item of chunk.items) {
    try {
      verifier.verifySync(item.envelope as { source: string }, item.signature, new Date(item.receivedAt));
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      failure = { ordinal: item.ordinal, kind: signatureFailure(err.code), message: `revision ${item.revision}: ${err.message}` };
      break;
    }
    const result = validator.validate(item.envelope);
    if (!result.valid) {
      const first = result.errors[0];
      failure = { ordinal: item.ordinal, kind: 'schema-invalid', message: `revision ${item.revision} does not match its schema: ${first ? `${first.pointer || '/'} ${first.message}` : result.code}` };
      break;
    }
  }
  parentPort!.postMessage({ id: chunk.id, failure } satisfies WorkResult);
});
