import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { defaultSchemasDir, EventValidator, readSchemaDirectory, type CatalogEntry } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { chainHash, SqlEventStore, type ReadAllOptions } from '@passerelle/event-store';
import { EventSignatureVerifier, generateOrganizationKey, InMemoryDirectory, signEvent, type MemberOrganization } from '@passerelle/identity';
import { caseEvent, createScratchDatabase, storedCaseEvent, type ScratchDatabase } from '@passerelle/testing';
import { verifyLog } from './log';
import type * as Parallel from './parallel';

// Verification threads run compiled JavaScript: the build's module, which `npm test` makes first.
const BUILT = join(__dirname, '../../../dist/libs/verification/src/parallel.js');

const CASES = 4;
const PER_CASE = 9;

/**
 * The log checked on threads must read exactly as it reads on one: every way of tampering
 * with PostgreSQL gives the same report, failure and count, whichever thread finds it.
 * Pages and chunks are small, so failures land mid-page, mid-chunk and across them.
 */
describe('verifyLogInParallel reports what verifyLog reports', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let store: SqlEventStore;
  let organizations: MemberOrganization[];
  let catalog: CatalogEntry[];
  let signing: Parameters<typeof signEvent>[1];
  let verifyLogInParallel: typeof Parallel.verifyLogInParallel;
  const org = 'qc.ramq';

  beforeAll(async () => {
    const built = (await import(BUILT)) as typeof Parallel;
    expect(built.canVerifyInParallel()).toBe(true);
    verifyLogInParallel = built.verifyLogInParallel;
    catalog = await readSchemaDirectory(defaultSchemasDir());
    const key = await generateOrganizationKey('ES256', `${org}-1`);
    signing = { privateJwk: key.privateJwk, kid: key.kid, alg: 'ES256' };
    organizations = [{ id: org, name: org, issuers: [`urn:passerelle:issuer:${org}`], roles: ['publisher'], keys: [{ kid: key.kid, alg: 'ES256', jwk: key.publicJwk, validFrom: '2026-01-01T00:00:00Z' }] }];
  });
  beforeEach(async () => {
    scratch = await createScratchDatabase();
    db = await PostgresDatabase.open({ url: scratch.url });
    store = await SqlEventStore.open(db);
    // Cases interleaved in the log, and a stream that is not a case (no publisher to check).
    for (let n = 0; n < PER_CASE; n++) {
      for (let c = 0; c < CASES; c++) {
        const envelope = await caseEvent(org, `case-${c}`, 'ServiceRequested', { service: `s-${n}`, description: `request ${n} of case ${c}`, requestedAt: '2026-11-30T09:00:00Z', provider: org });
        const event = storedCaseEvent(org, envelope);
        event.metadata = { ...event.metadata, receivedAt: '2026-11-30T09:00:01Z', signature: await signEvent(envelope, signing) };
        await store.appendToStream(`case-case-${c}`, [event], n === 0 ? 'no_stream' : BigInt(n - 1));
      }
      await store.appendToStream('hub-notes', [{ id: `note-${n}`, type: 'hub.Noted', data: { n }, metadata: {} }], n === 0 ? 'no_stream' : BigInt(n - 1));
    }
  });
  afterEach(async () => {
    await store.close();
    await db.close();
    await scratch.drop();
  });

  /** Runs `sql` with the append-only trigger off, as a database owner could. */
  async function tamper(...statements: Array<[string, unknown[]]>): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.query('ALTER TABLE es_events DISABLE TRIGGER USER');
      for (const [sql, params] of statements) await tx.query(sql, params);
      await tx.query('ALTER TABLE es_events ENABLE TRIGGER USER');
    });
  }
  const position = async (stream: string, revision: number) => (await db.query<{ position: string }>('SELECT position::text AS position FROM es_events WHERE stream_id = $1 AND revision = $2', [stream, revision])).rows[0]!.position;

  async function both(full: boolean) {
    const options = { pageSize: 7 };
    const one = await verifyLog(store, full ? { ...options, signatures: new EventSignatureVerifier(new InMemoryDirectory(organizations)), validator: new EventValidator(catalog) } : options);
    const threads = await verifyLogInParallel(store, { ...options, workers: 2, ...(full ? { organizations, schemas: catalog.map((e) => e.schema) } : {}) });
    return { one, threads };
  }

  it.each([false, true])('an untouched log verifies the same (signatures and schemas: %s)', async (full) => {
    const { one, threads } = await both(full);
    expect(one).toMatchObject({ ok: true, eventsVerified: CASES * PER_CASE + PER_CASE, streams: CASES + 1 });
    expect(threads).toEqual(one);
  });

  const cases: Array<[string, () => Promise<void>, { kind: string; revision: string }]> = [
    ['a payload changed in place', async () => tamper([`UPDATE es_events SET data = jsonb_set(data, '{data,service}', '"forged"') WHERE position = $1::bigint`, [await position('case-case-2', 3)]]), { kind: 'modified', revision: '3' }],
    ['a row deleted', async () => tamper(['DELETE FROM es_events WHERE position = $1::bigint', [await position('case-case-1', 4)]]), { kind: 'missing', revision: '4' }],
    [
      'two rows swapped',
      async () => {
        const [a, b] = [await position('case-case-0', 2), await position('case-case-0', 5)];
        await tamper(['UPDATE es_events SET revision = revision + 1000 WHERE position IN ($1::bigint, $2::bigint)', [a, b]], ['UPDATE es_events SET revision = CASE WHEN position = $1::bigint THEN 5 ELSE 2 END WHERE position IN ($1::bigint, $2::bigint)', [a, b]]);
      },
      // In log order the stream jumps from 1 to 5: what verifyLog, reading event by event, says.
      { kind: 'missing', revision: '2' },
    ],
    [
      'a payload changed and its own hash recomputed: the next link breaks',
      async () => {
        const at = await position('hub-notes', 6);
        const { rows } = await db.query<{ prev_hash: string; metadata: Record<string, unknown> }>('SELECT prev_hash, metadata FROM es_events WHERE position = $1::bigint', [at]);
        await tamper(['UPDATE es_events SET data = $2::jsonb, hash = $3 WHERE position = $1::bigint', [at, JSON.stringify({ n: 66 }), chainHash(rows[0]!.prev_hash, { n: 66 }, rows[0]!.metadata)]]);
      },
      { kind: 'modified', revision: '7' },
    ],
    // The same event fails its own hash (checked on a thread) and its link (on the main thread): its own hash comes first.
    ['a payload and its link both changed', async () => tamper([`UPDATE es_events SET data = jsonb_set(data, '{actor}', '"someone"'), prev_hash = repeat('1', 64) WHERE position = $1::bigint`, [await position('case-case-3', 7)]]), { kind: 'modified', revision: '7' }],
    ['a tail cut off', async () => tamper(['DELETE FROM es_events WHERE position = $1::bigint', [await position('case-case-3', 8)]]), { kind: 'truncated', revision: '8' }],
  ];

  it.each(cases)('%s: the same failure, where and how', async (_name, change, expected) => {
    await change();
    for (const full of [false, true]) {
      const { one, threads } = await both(full);
      expect(one.failure).toMatchObject(expected);
      expect({ ok: threads.ok, eventsVerified: threads.eventsVerified, checked: threads.checked, failure: threads.failure }).toEqual({ ok: one.ok, eventsVerified: one.eventsVerified, checked: one.checked, failure: one.failure });
    }
  });

  it('a signature replaced, the chain recomputed to hide it: bad-signature from a thread, as on one', async () => {
    const { rows } = await db.query<{ data: Record<string, unknown>; metadata: Record<string, unknown> }>('SELECT data, metadata FROM es_events WHERE stream_id = $1 ORDER BY revision', ['case-case-1']);
    const other = (await db.query<{ metadata: { signature: string } }>('SELECT metadata FROM es_events WHERE position = $1::bigint', [await position('case-case-0', 2)])).rows[0]!.metadata.signature;
    let prev = '0'.repeat(64);
    const updates: Array<[string, unknown[]]> = [];
    for (const [revision, row] of rows.entries()) {
      const metadata = revision === 2 ? { ...row.metadata, signature: other } : row.metadata;
      const hash = chainHash(prev, row.data, metadata);
      updates.push(['UPDATE es_events SET metadata = $3::jsonb, prev_hash = $4, hash = $5 WHERE stream_id = $1 AND revision = $2', ['case-case-1', revision, JSON.stringify(metadata), prev, hash]]);
      prev = hash;
    }
    updates.push(['UPDATE es_streams SET last_hash = $2 WHERE stream_id = $1', ['case-case-1', prev]]);
    await tamper(...updates);

    const chainOnly = await both(false);
    expect(chainOnly.threads).toEqual(chainOnly.one);
    expect(chainOnly.one.ok).toBe(true);
    const { one, threads } = await both(true);
    expect(one.failure).toMatchObject({ kind: 'bad-signature', streamId: 'case-case-1', revision: '2' });
    expect({ eventsVerified: threads.eventsVerified, failure: threads.failure }).toEqual({ eventsVerified: one.eventsVerified, failure: one.failure });
  });

  it('a thread that cannot start fails the verification with its reason, instead of leaving it waiting', async () => {
    const noId = { workers: 2, schemas: [{ type: 'object' }] };
    await expect(verifyLogInParallel(store, noId)).rejects.toThrow('the schema has no $id');
    // The threads fail before the first chunk is sent to them: a slow first read.
    const slow = Object.assign(Object.create(store) as SqlEventStore, { readAllJson: async (options: ReadAllOptions) => (await delay(3_000), store.readAllJson(options)) });
    await expect(verifyLogInParallel(slow, noId)).rejects.toThrow('the schema has no $id');
  });

  it('a time range verifies the same events, trusting each stream where the range starts', async () => {
    const { rows } = await db.query<{ recorded_at: Date }>('SELECT recorded_at FROM es_events ORDER BY position OFFSET 10 LIMIT 1');
    const from = rows[0]!.recorded_at;
    const one = await verifyLog(store, { from, pageSize: 7 });
    const threads = await verifyLogInParallel(store, { from, pageSize: 7, workers: 2 });
    expect(one.ok).toBe(true);
    expect(one.eventsVerified).toBeGreaterThan(0);
    expect(threads).toEqual(one);
  });
});
