import { parentPort, workerData } from 'node:worker_threads';
import { describeSchema, EventValidator } from '@passerelle/contracts';
import { EventSignatureVerifier, InMemoryDirectory, type MemberOrganization } from '@passerelle/identity';
import { checkPublisher } from './publisher-checks';
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
  let attested = 0;
  for (const item of chunk.items) {
    const check = checkPublisher({ revision: item.revision, data: item.envelope, metadata: item.metadata }, { signatures: verifier, validator });
    if (!check.ok) {
      failure = { ordinal: item.ordinal, kind: check.kind, message: check.message };
      break;
    }
    if (check.attested) attested += 1;
  }
  parentPort!.postMessage({ id: chunk.id, failure, attested } satisfies WorkResult);
});
