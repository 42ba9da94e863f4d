import { cpus } from 'node:os';
import { defaultSchemasDir, readSchemaDirectory, EventValidator } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { SqlEventStore, type EventToAppend } from '@passerelle/event-store';
import { EventSignatureVerifier, generateOrganizationKey, InMemoryDirectory, signEvent, type MemberOrganization } from '@passerelle/identity';
import { verifyLog, verifyLogInParallel } from '@passerelle/verification';
import type { Infrastructure } from './infrastructure';
import { median, type Figure } from './measure';

const EVENTS = 100_000;
const CASES = 1_000;

/**
 * Audit replay of 100k signed case events on PostgreSQL: full verification (chain, ES256
 * publisher signatures with pre-imported keys, schemas, heads) on one thread and on every
 * core, and the chain alone; beside them, reading the same log with no check at all.
 */
export async function replayBenchmark(infra: Infrastructure): Promise<Figure[]> {
  const url = await infra.database();
  const db = await PostgresDatabase.open({ url, max: 10 });
  const store = await SqlEventStore.open(db);
  const catalog = await readSchemaDirectory(defaultSchemasDir());
  const orgs = await Promise.all(['qc.ramq', 'qc.mess', 'qc.saaq'].map(async (id) => ({ id, key: await generateOrganizationKey('ES256', `${id}-1`) })));
  const organizations: MemberOrganization[] = orgs.map(({ id, key }) => ({ id, name: id, issuers: [`urn:passerelle:issuer:${id}`], roles: ['publisher'], keys: [{ kid: key.kid, alg: 'ES256', jwk: key.publicJwk, validFrom: '2026-01-01T00:00:00Z' }] }));

  process.stderr.write(`bench: replay: writing ${EVENTS} signed events in ${CASES} cases…\n`);
  const perCase = EVENTS / CASES;
  let next = 0;
  const writer = async () => {
    while (next < CASES) {
      const c = next++;
      const { id, key } = orgs[c % orgs.length]!;
      const caseId = `case-${c}`;
      const events: EventToAppend[] = [];
      for (let n = 0; n < perCase; n++) {
        const envelope = {
          specversion: '1.0',
          id: `evt-${c}-${n}`,
          source: `urn:passerelle:org:${id}`,
          type: 'passerelle.case.ServiceRequested.v1',
          time: '2026-11-30T09:00:00Z',
          datacontenttype: 'application/json',
          dataschema: 'urn:passerelle:schema:case:ServiceRequested:v1',
          caseid: caseId,
          channel: 'counter',
          actor: 'agent-7f3a',
          dataclassification: 'internal',
          data: { service: `svc-${n}`, description: 'x'.repeat(600), requestedAt: '2026-11-30T09:00:00Z', provider: id },
        };
        const signature = await signEvent(envelope, { privateJwk: key.privateJwk, kid: key.kid, alg: 'ES256' });
        events.push({ id: `${id}/${envelope.id}`, type: envelope.type, data: envelope, metadata: { publisher: id, publishedBy: `${id}/agent`, receivedAt: '2026-11-30T09:00:01Z', signature, category: 'service', audience: [id] } });
      }
      await store.appendToStream(`case-${caseId}`, events, 'no_stream');
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));

  const directory = new InMemoryDirectory(organizations);
  const validator = new EventValidator(catalog);
  const figures: Figure[] = [];
  const rounds = async (name: string, run: () => Promise<{ ok: boolean; eventsVerified: number }>, count = 3) => {
    const rates: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      const report = await run();
      if (!report.ok || report.eventsVerified !== EVENTS) throw new Error(`${name}: the untouched log did not verify (${JSON.stringify(report)})`);
      rates.push(EVENTS / ((performance.now() - start) / 1000));
    }
    return rates;
  };

  const reading = await rounds('read', async () => {
    let n = 0;
    for (let page = await store.readAll({ limit: 1_000 }); page.length > 0; page = await store.readAll({ fromPosition: page.at(-1)!.position, limit: 1_000 })) n += page.length;
    return { ok: true, eventsVerified: n };
  });
  const baseline = { name: 'reading the log, no checks', value: median(reading), rounds: reading };
  const workers = cpus().length;
  const figure = (benchmark: string, rates: number[], extra: Pick<Figure, 'goal' | 'note'> = {}): Figure => ({ benchmark, unit: 'events/s', value: median(rates), rounds: rates, baseline, ratio: median(rates) / baseline.value, ...extra });
  figures.push(figure('replay chain only, 1 thread', await rounds('chain', () => verifyLog(store))));
  figures.push(
    figure(`replay chain only, ${workers} hashing threads`, await rounds(`chain, ${workers} threads`, () => verifyLogInParallel(store, { workers })), {
      goal: { value: 100_000 },
      note: "the main thread reads and checks each link; the threads check each event's own hash",
    }),
  );
  figures.push(figure('replay full, 1 thread', await rounds('full, one thread', () => verifyLog(store, { signatures: new EventSignatureVerifier(directory), validator }), 2)));
  figures.push(
    figure(`replay full, ${workers} verification threads`, await rounds(`full, ${workers} threads`, () => verifyLogInParallel(store, { workers, organizations, schemas: catalog.map((e) => e.schema) })), {
      goal: { value: 10_000 },
      note: 'chain, ES256 signatures with pre-imported keys, schemas, heads; the main thread reads and checks the links, the threads the rest',
    }),
  );
  await store.close();
  await db.close();
  return figures;
}
