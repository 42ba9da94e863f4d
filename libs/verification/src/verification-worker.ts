import { parentPort, workerData } from 'node:worker_threads';
import type { MemberOrganization } from '@passerelle/identity';
import { ownHashProblem } from './own-hash';
import type { WorkItem, WorkResult } from './parallel-protocol';
import type { PublisherCheck, PublisherCheckInput } from './publisher-checks';

/**
 * One thread of parallel log verification: checks the own hash of every event it is sent, in
 * chunks, and the publisher signatures and schemas of case events when given the federation's
 * members or the schemas; answers with the first failure of each chunk. The signature and
 * schema checks, and what they load (a few hundred milliseconds of modules), only then.
 */
const { organizations, schemas } = workerData as { organizations?: MemberOrganization[]; schemas?: unknown[] };

type PublisherChecks = (event: PublisherCheckInput) => PublisherCheck;

async function publisherChecks(): Promise<PublisherChecks | undefined> {
  if (!organizations && !schemas) return undefined;
  const [{ describeSchema, EventValidator }, { EventSignatureVerifier, InMemoryDirectory }, { checkPublisher }] = await Promise.all([import('@passerelle/contracts'), import('@passerelle/identity'), import('./publisher-checks.js')]);
  const options = {
    ...(organizations ? { signatures: new EventSignatureVerifier(new InMemoryDirectory(organizations)) } : {}),
    ...(schemas ? { validator: new EventValidator(schemas.map((s) => describeSchema(s))) } : {}),
  };
  return (event) => checkPublisher(event, options);
}

function check(items: WorkItem[], publisher: PublisherChecks | undefined): Omit<WorkResult, 'id'> {
  let attested = 0;
  for (const item of items) {
    const event = { revision: item.revision, prevHash: item.prevHash, hash: item.hash, data: JSON.parse(item.data) as Record<string, unknown>, metadata: JSON.parse(item.metadata) as Record<string, unknown> };
    const problem = ownHashProblem(event);
    if (problem) return { failure: { ordinal: item.ordinal, check: 'hash', kind: 'modified', message: problem }, attested };
    if (!item.publisher || !publisher) continue;
    const result = publisher(event);
    if (!result.ok) return { failure: { ordinal: item.ordinal, check: 'publisher', kind: result.kind, message: result.message }, attested };
    if (result.attested) attested += 1;
  }
  return { attested };
}

const ready = publisherChecks();
// Chunks are answered in the order they come: each waits on the same promise.
parentPort!.on('message', (chunk: { id: number; items: WorkItem[] }) => {
  void ready.then((publisher) => parentPort!.postMessage({ id: chunk.id, ...check(chunk.items, publisher) } satisfies WorkResult));
});
