import { PostgresDatabase } from '@passerelle/database';
import { SqlEventStore, type EventToAppend } from '@passerelle/event-store';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { randomUUID } from 'node:crypto';
import type { Infrastructure } from './infrastructure';
import { compareWith, type Figure } from './measure';

/** A case event as the ledger stores it: a ~1.1 KB envelope and its metadata. */
function caseEvent(caseId: string, n: number): EventToAppend {
  const envelope = {
    specversion: '1.0',
    id: `evt-${randomUUID()}`,
    source: 'urn:passerelle:org:qc.ramq',
    type: 'passerelle.case.ServiceRequested.v1',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: 'urn:passerelle:schema:case:ServiceRequested:v1',
    caseid: caseId,
    channel: 'counter',
    actor: 'agent-7f3a',
    dataclassification: 'internal',
    data: { service: `svc-${n}`, description: 'x'.repeat(600), requestedAt: new Date().toISOString(), provider: 'qc.ramq' },
  };
  return {
    id: `qc.ramq/${envelope.id}`,
    type: envelope.type,
    data: envelope,
    metadata: { publisher: 'qc.ramq', publishedBy: 'qc.ramq/agent', receivedAt: new Date().toISOString(), signature: 'e'.repeat(120), category: 'service', audience: ['qc.mess', 'qc.ramq'] },
  };
}

/**
 * Append throughput of the PostgreSQL store (expected revision, idempotency check, hash
 * chain, ordered positions) against, in the same shape (the same batch per statement, the
 * same number of writers) and round for round: raw INSERTs of the same rows into a plain
 * table with the same columns, and Emmett's PostgreSQL event store (a peer that checks the
 * expected version and orders its log, but neither hashes nor checks event ids) appending
 * the same events to its own tables in the same database.
 */
export async function appendBenchmark(infra: Infrastructure): Promise<Figure[]> {
  const url = await infra.database();
  const db = await PostgresDatabase.open({ url, max: 16 });
  const store = await SqlEventStore.open(db);
  const emmett = getPostgreSQLEventStore(url);
  await db.query(`CREATE TABLE raw_events (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id text NOT NULL, revision bigint NOT NULL, id text NOT NULL UNIQUE,
    type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL, prev_hash text NOT NULL, hash text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, revision))`);
  const figures: Figure[] = [];
  try {
    for (const [batch, writers] of [
      [1, 1],
      [100, 1],
      [1, 8],
      [100, 8],
    ] as const) {
      const perWriter = batch === 1 ? 250 : 2_000;
      const total = perWriter * writers;
      const ours = async () => {
        await Promise.all(
          Array.from({ length: writers }, async () => {
            const stream = `case-${randomUUID()}`;
            let expected: bigint | 'no_stream' = 'no_stream';
            for (let done = 0; done < perWriter; done += batch) {
              const result = await store.appendToStream(stream, Array.from({ length: batch }, (_, i) => caseEvent(stream, done + i)), expected);
              expected = result.nextExpectedRevision;
            }
          }),
        );
      };
      const raw = async () => {
        await Promise.all(
          Array.from({ length: writers }, async () => {
            const stream = `case-${randomUUID()}`;
            for (let done = 0; done < perWriter; done += batch) {
              const events = Array.from({ length: batch }, (_, i) => caseEvent(stream, done + i));
              await db.query(
                `INSERT INTO raw_events (stream_id, revision, id, type, data, metadata, prev_hash, hash)
                 SELECT $1, e.revision::bigint, e.id, e.type, e.data::jsonb, e.metadata::jsonb, e.h, e.h
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS e(revision, id, type, data, metadata, h)`,
                [
                  stream,
                  events.map((_, i) => String(done + i)),
                  events.map((e) => e.id),
                  events.map((e) => e.type),
                  events.map((e) => JSON.stringify(e.data)),
                  events.map((e) => JSON.stringify(e.metadata)),
                  events.map(() => '0'.repeat(64)),
                ],
              );
            }
          }),
        );
      };
      const peer = async () => {
        await Promise.all(
          Array.from({ length: writers }, async () => {
            const stream = `case-${randomUUID()}`;
            let expected: bigint | typeof STREAM_DOES_NOT_EXIST = STREAM_DOES_NOT_EXIST;
            for (let done = 0; done < perWriter; done += batch) {
              const events = Array.from({ length: batch }, (_, i) => caseEvent(stream, done + i)).map((e) => ({ type: e.type, data: e.data, metadata: e.metadata! }));
              const result: { nextExpectedStreamVersion: bigint } = await emmett.appendToStream(stream, events, { expectedStreamVersion: expected });
              expected = result.nextExpectedStreamVersion;
            }
          }),
        );
      };
      figures.push(
        ...(await compareWith(
          `append batch ${batch}, ${writers} writer${writers > 1 ? 's' : ''}`,
          'events/s',
          total,
          ours,
          [
            { name: 'raw INSERT, same rows', run: raw, goalRatio: 0.8 },
            { name: 'Emmett PostgreSQL store, same events', run: peer, goalRatio: 1.0, label: 'vs Emmett' },
          ],
          { rounds: 5, warmupRounds: 1 },
        )),
      );
    }
  } finally {
    await emmett.close();
    await store.close();
    await db.close();
  }
  return figures;
}
