import { inboundTopic, type CaseEventEnvelope } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { chainHash, EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { MESSAGE_BUS, type MessageBus } from '@passerelle/messaging';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, createScratchDatabase, inboundMessage, type ScratchDatabase, type TestOrganization } from '@passerelle/testing';
import { verifyBundle, type AuditBundle, type VerificationReport } from '@passerelle/verification';
import { randomUUID } from 'node:crypto';
import { ALL_COMPONENTS } from '../apps/hub/src/components';

/**
 * Tampering with the store behind the hub's back, straight in PostgreSQL, as someone with
 * database access would: each way must fail verification at the right revision, with the
 * right kind. An untouched store verifies.
 */
describe('audit: tampering with PostgreSQL is found, where and how it happened', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let hub: RunningTarget;
  let store: EventStore;
  let a: TestOrganization;
  let b: TestOrganization;
  let auditorToken: () => Promise<string>;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await PostgresDatabase.open({ url: scratch.url });
    a = await admitTestOrganization(db, ['publisher']);
    b = await admitTestOrganization(db, ['publisher']);
    const auditor = await admitTestOrganization(db, ['auditor']);
    auditorToken = () => auditor.token(['auditor']);
    // The whole hub on this database, its in-process bus carrying the inbound events.
    hub = await runTarget('hub', ALL_COMPONENTS, { DATABASE_URL: scratch.url, PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_CHECKPOINT_INTERVAL: '0' });
    store = hub.app.get(EVENT_STORE);
  }, 60_000);
  afterAll(async () => {
    await hub?.app.close();
    await db?.close();
    await scratch?.drop();
  });

  /** A case of five events: opened by A, B invited and granted, two service requests. */
  async function recordedCase(publisher: TestOrganization = a): Promise<{ caseId: string; envelopes: CaseEventEnvelope[] }> {
    const a = publisher;
    const caseId = `case-${randomUUID().slice(0, 8)}`;
    const now = () => new Date().toISOString();
    const envelopes = [
      await caseEvent(a.id, caseId, 'CaseOpened', { owner: a.id, citizen: 'cit-1', title: 'Tamper', openedAt: now() }),
      await caseEvent(a.id, caseId, 'ParticipantInvited', { organization: b.id, role: 'contributor', invitedBy: a.id, reason: 'r' }),
      await caseEvent(a.id, caseId, 'AccessGranted', { organization: b.id, categories: ['service'], purpose: 'p', grantedBy: a.id }),
      await caseEvent(a.id, caseId, 'ServiceRequested', { service: 's1', description: 'one', requestedAt: now(), provider: a.id }),
      await caseEvent(a.id, caseId, 'ServiceRequested', { service: 's2', description: 'two', requestedAt: now(), provider: a.id }),
    ];
    // In two sendings, so that the hub receives the last two a little later than the first three.
    const bus = hub.app.get<MessageBus>(MESSAGE_BUS);
    for (const [part, revision] of [[envelopes.slice(0, 3), 2n], [envelopes.slice(3), 4n]] as const) {
      await bus.publish(inboundTopic(a.id), await Promise.all(part.map((e) => inboundMessage(a, e))));
      const deadline = Date.now() + 60_000;
      while ((await store.streamHead(`case-${caseId}`))?.revision !== revision) {
        if (Date.now() > deadline) throw new Error('the case was not recorded');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return { caseId, envelopes };
  }

  async function audit<T = VerificationReport>(path: string, method = 'GET'): Promise<T> {
    const response = await fetch(`${hub.url}/audit${path}`, { method, headers: { authorization: `Bearer ${await auditorToken()}` } });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as T;
  }
  const verify = (caseId: string) => audit(`/cases/${caseId}/verification`);

  /** Runs `sql` with the append-only trigger off, as a database owner could. */
  async function tamper(...statements: Array<[string, unknown[]]>): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.query('ALTER TABLE es_events DISABLE TRIGGER USER');
      for (const [sql, params] of statements) await tx.query(sql, params);
      await tx.query('ALTER TABLE es_events ENABLE TRIGGER USER');
    });
  }

  /** Recomputes every hash of the stream and its recorded head: a forger covering their tracks. */
  async function rechain(caseId: string): Promise<void> {
    const { rows } = await db.query<{ position: string; data: Record<string, unknown>; metadata: Record<string, unknown> }>(
      'SELECT position::text AS position, data, metadata FROM es_events WHERE stream_id = $1 ORDER BY revision',
      [`case-${caseId}`],
    );
    let prev = '0'.repeat(64);
    const updates: Array<[string, unknown[]]> = [];
    for (const row of rows) {
      const hash = chainHash(prev, row.data, row.metadata);
      updates.push(['UPDATE es_events SET prev_hash = $2, hash = $3 WHERE position = $1::bigint', [row.position, prev, hash]]);
      prev = hash;
    }
    updates.push(['UPDATE es_streams SET last_hash = $2, revision = $3 WHERE stream_id = $1', [`case-${caseId}`, prev, rows.length - 1]]);
    await tamper(...updates);
  }

  const at = (caseId: string, revision: number) => `SELECT position FROM es_events WHERE stream_id = 'case-${caseId}' AND revision = ${revision}`;

  it('verifies an untouched case: chain, signatures, schemas and recorded head', async () => {
    const { caseId } = await recordedCase();
    expect(await verify(caseId)).toEqual({ ok: true, streams: 1, eventsVerified: 5, checked: ['chain', 'signatures', 'schemas', 'head'] });
  });

  it('a payload changed in place → modified, at that revision', async () => {
    const { caseId } = await recordedCase();
    await tamper([`UPDATE es_events SET data = jsonb_set(data, '{data,description}', '"changed"') WHERE position = (${at(caseId, 3)})`, []]);
    expect(await verify(caseId)).toMatchObject({ ok: false, eventsVerified: 3, failure: { kind: 'modified', revision: '3' } });
  });

  it('the per-event checks put the only red badge on the changed event, and the others stay green', async () => {
    const { caseId } = await recordedCase();
    type Checks = { report: VerificationReport; events: Array<{ revision: string; chain: { ok: boolean; code?: string }; signature: { ok: boolean; code?: string; kid?: string }; schema: { ok: boolean } }> };
    const before = await audit<Checks>(`/cases/${caseId}/checks`);
    expect(before.events.map((e) => [e.chain.ok, e.signature.ok, e.schema.ok])).toEqual(Array(5).fill([true, true, true]));
    await tamper([`UPDATE es_events SET data = jsonb_set(data, '{data,description}', '"changed"') WHERE position = (${at(caseId, 3)})`, []]);

    const after = await audit<Checks>(`/cases/${caseId}/checks`);
    expect(after.report).toMatchObject({ ok: false, failure: { kind: 'modified', revision: '3' } });
    expect(after.events.map((e) => e.chain.ok)).toEqual([true, true, true, false, true]);
    // The signature covered the original content: it no longer matches either.
    expect(after.events[3]).toMatchObject({ chain: { code: 'modified' }, signature: { ok: false, code: 'SIGNATURE.INVALID', kid: expect.any(String) }, schema: { ok: true } });
  });

  it('a row deleted → missing, at its revision', async () => {
    const { caseId } = await recordedCase();
    await tamper([`DELETE FROM es_events WHERE position = (${at(caseId, 2)})`, []]);
    expect(await verify(caseId)).toMatchObject({ ok: false, failure: { kind: 'missing', revision: '2' } });
  });

  it('two rows swapped → reordered, where the order breaks', async () => {
    const { caseId } = await recordedCase();
    await tamper(
      [`UPDATE es_events SET revision = 1000 WHERE position = (${at(caseId, 2)})`, []],
      [`UPDATE es_events SET revision = 2 WHERE position = (${at(caseId, 3)})`, []],
      [`UPDATE es_events SET revision = 3 WHERE stream_id = 'case-${caseId}' AND revision = 1000`, []],
    );
    expect(await verify(caseId)).toMatchObject({ ok: false, failure: { kind: 'reordered', revision: '2' } });
  });

  it('a tail cut off → truncated, where the recorded head says events should be', async () => {
    const { caseId } = await recordedCase();
    await tamper([`DELETE FROM es_events WHERE stream_id = 'case-${caseId}' AND revision >= 3`, []]);
    expect(await verify(caseId)).toMatchObject({ ok: false, eventsVerified: 3, failure: { kind: 'truncated', revision: '3' } });
  });

  it('a signature replaced and the chain recomputed to hide it → bad-signature, at that revision', async () => {
    const { caseId, envelopes } = await recordedCase();
    const other = await a.sign({ ...envelopes[3]!, actor: 'agent-other' });
    await tamper([`UPDATE es_events SET metadata = jsonb_set(metadata, '{signature}', to_jsonb($1::text)) WHERE position = (${at(caseId, 3)})`, [other]]);
    await rechain(caseId);
    expect(await verify(caseId)).toMatchObject({ ok: false, eventsVerified: 3, failure: { kind: 'bad-signature', revision: '3' } });
  });

  it('a payload rewritten with every hash and the head recomputed → the publisher’s signature still catches it', async () => {
    const { caseId } = await recordedCase();
    await tamper([`UPDATE es_events SET data = jsonb_set(data, '{data,provider}', to_jsonb($1::text)) WHERE position = (${at(caseId, 4)})`, [b.id]]);
    await rechain(caseId);
    expect(await verify(caseId)).toMatchObject({ ok: false, failure: { kind: 'bad-signature', revision: '4' } });
  });

  it('a tail cut off and the head rewritten to match → only the signed checkpoint knows: truncated', async () => {
    const { caseId } = await recordedCase();
    await audit('/checkpoints', 'POST');
    await tamper([`DELETE FROM es_events WHERE stream_id = 'case-${caseId}' AND revision = 4`, []]);
    await rechain(caseId);
    expect(await verify(caseId)).toMatchObject({ ok: false, checked: expect.arrayContaining(['head', 'checkpoint']), failure: { kind: 'truncated', revision: '4' } });
    expect(await audit('/verification')).toMatchObject({ ok: false });
  });

  it('a key revoked from an instant on → revoked-key, at the first event received after it', async () => {
    // An organization of its own: its key is revoked for good.
    const compromised = await admitTestOrganization(db, ['publisher']);
    const { caseId } = await recordedCase(compromised);
    const events = await store.readStream(`case-${caseId}`);
    const received = (i: number) => Date.parse(String(events[i]!.metadata.receivedAt));
    expect(received(3)).toBeGreaterThan(received(2));
    // Revoked from the fourth event's arrival on: a compromise found later, dated back.
    await db.query('INSERT INTO federation_events (type, data, actor) VALUES ($1, $2, $3)', [
      'KeyRevoked',
      { id: compromised.id, kid: compromised.kid, revokedAt: new Date(received(3)).toISOString(), reason: 'compromised' },
      'test',
    ]);
    const deadline = Date.now() + 60_000;
    let report = await verify(caseId);
    while (report.ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200)); // the hub folds the federation's events every 2 s
      report = await verify(caseId);
    }
    expect(report).toMatchObject({ ok: false, eventsVerified: 3, failure: { kind: 'revoked-key', revision: '3' } });
  }, 120_000);

  it('exports a bundle that verifies with no server, and fails once anything in it is changed', async () => {
    const { caseId } = await recordedCase();
    await audit('/checkpoints', 'POST');
    const bundle = await audit<AuditBundle>(`/cases/${caseId}/bundle`);
    expect(await verifyBundle(bundle)).toMatchObject({ ok: true, eventsVerified: 5, checked: expect.arrayContaining(['signatures', 'schemas', 'head', 'checkpoint']) });

    const changed = structuredClone(bundle);
    (changed.events[1]!.data.data as Record<string, unknown>).reason = 'rewritten';
    expect(await verifyBundle(changed)).toMatchObject({ ok: false, failure: { kind: 'modified', revision: '1' } });
    const shortened = { ...structuredClone(bundle), events: bundle.events.slice(0, 4), head: { revision: '3', hash: bundle.events[3]!.hash } };
    expect(await verifyBundle(shortened)).toMatchObject({ ok: false, failure: { kind: 'truncated', revision: '4' } });
    const forgedKeys = { ...structuredClone(bundle), hubKeys: [] };
    expect(await verifyBundle(forgedKeys)).toMatchObject({ ok: false, failure: { kind: 'checkpoint-mismatch' } });
  }, 120_000);
});
