import { outboundTopic, type CaseEventEnvelope } from '@passerelle/contracts';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { MESSAGE_BUS, type MessageBus } from '@passerelle/messaging';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, columnsHolding, type TestOrganization } from '@passerelle/testing';
import { verifyBundle, type AuditBundle } from '@passerelle/verification';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { ALL_COMPONENTS } from './components';

/**
 * Crypto-shredding end to end, on one hub (embedded PGlite, PostgreSQL, or PostgreSQL with Kafka — where the
 * views follow the outbound topics and the organizations are sent the erasure): an address is
 * published, read in clear by the organization it is shared with, erased; then views, the
 * audit (case, checks, bundle, whole log) and insights still answer and verify, show the
 * field erased, and neither the database nor the logs hold the address anywhere.
 */
export function cryptoShreddingScenario(name: string, environment: () => Promise<{ env: NodeJS.ProcessEnv; cleanup(): Promise<void> }>): void {
  describe(`crypto-shredding on ${name}`, () => {
    let hub: RunningTarget;
    let db: SqlDatabase;
    let a: TestOrganization;
    let b: TestOrganization;
    let hubOrg: TestOrganization;
    let cleanup: () => Promise<void>;
    const logs: string[] = [];
    const now = () => new Date().toISOString();
    // A value no other test uses: searched for in the database and the logs after erasure.
    const plaintext = `Impasse-${randomUUID()}`;
    const citizen = `cit-${randomUUID().slice(0, 8)}`;
    const caseId = `case-shred-${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      const environmentReady = await environment();
      cleanup = environmentReady.cleanup;
      hub = await runTarget('hub', ALL_COMPONENTS, { PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_DEMO_FEDERATION: 'off', ...environmentReady.env });
      db = hub.app.get<SqlDatabase>(SQL_DATABASE);
      // Every line the components log from here on (they log through Nest's Logger), kept to be searched.
      const keep = (...args: unknown[]) => logs.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '));
      hub.app.useLogger({ log: keep, error: keep, warn: keep, debug: keep, verbose: keep, fatal: keep });
      a = await admitTestOrganization(db, ['publisher', 'subscriber']);
      b = await admitTestOrganization(db, ['publisher', 'subscriber']);
      hubOrg = await admitTestOrganization(db, ['auditor', 'operator']);
      await until(async () => (await call(hubOrg, 'GET', '/audit/cases', undefined, ['auditor'])).status === 200);
    }, 120_000);
    afterAll(async () => {
      await hub?.app.close();
      await cleanup?.();
    });

    async function until(check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    async function call(org: TestOrganization, method: string, path: string, body?: unknown, roles: Parameters<TestOrganization['token']>[0] = ['subscriber']) {
      const response = await fetch(`${hub.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${await org.token(roles)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
    }

    async function publish(org: TestOrganization, envelope: CaseEventEnvelope) {
      const response = await fetch(`${hub.url}/cases/${envelope.caseid}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await org.token(['publisher'])}`, 'passerelle-signature': await org.sign(envelope), 'content-type': 'application/json' },
        body: JSON.stringify(envelope),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    const address = () => ({ line1: `12 ${plaintext}`, locality: 'Lyon', postalCode: '69001', country: 'FR' });
    const addressOfB = async () => {
      const view = await call(b, 'GET', `/cases/${caseId}`);
      const entry = (view.body?.timeline as Array<{ type: string; data: { address: unknown } }> | undefined)?.find((t) => t.type.includes('AddressChanged'));
      return entry?.data.address;
    };

    /** Every text, json, jsonb and bytea column of every table, searched for the plaintext. */
    async function databaseHits(needle = plaintext): Promise<string[]> {
      const { searched, hits } = await columnsHolding(db, needle);
      expect(searched).toBeGreaterThan(10);
      return hits;
    }

    it('seals at ingest, shows in clear to the entitled organization, and the store holds only ciphertext', async () => {
      for (const event of [
        await caseEvent(a.id, caseId, 'CaseOpened', { owner: a.id, citizen, title: 'Moving house', openedAt: now() }),
        await caseEvent(a.id, caseId, 'ParticipantInvited', { organization: b.id, role: 'observer', invitedBy: a.id, reason: 'test' }),
        // Contact details are shared only with the citizen's consent.
        await caseEvent(a.id, caseId, 'ConsentRecorded', { consentId: `consent-${randomUUID()}`, citizen, grantedTo: b.id, categories: ['contact'], purpose: 'moving house', recordedAt: now(), channel: 'web' }),
        await caseEvent(a.id, caseId, 'AccessGranted', { organization: b.id, categories: ['case', 'contact'], purpose: 'test', grantedBy: a.id }),
        await caseEvent(a.id, caseId, 'AddressChanged', { citizen, address: address(), effectiveFrom: '2026-12-01', source: 'citizen' }, {}, 2),
        // A personal field insights read past: the request's own words.
        await caseEvent(a.id, caseId, 'ServiceRequested', { service: 'housing-aid', description: `help moving to ${plaintext}`, requestedAt: now(), provider: a.id }),
      ]) {
        const published = await publish(a, event);
        expect({ type: event.type, status: published.status, code: published.body.code, reason: published.body.reason }).toMatchObject({ type: event.type, status: 201 });
      }
      await until(async () => (await addressOfB()) !== undefined);
      expect(await addressOfB()).toEqual(address());
      const verified = await call(hubOrg, 'GET', `/audit/cases/${caseId}/verification`, undefined, ['auditor']);
      expect(verified.body).toMatchObject({ ok: true, eventsVerified: 6, checked: expect.arrayContaining(['chain', 'signatures', 'schemas', 'head']) });
      expect(verified.body.attested).toBeUndefined();
      expect(await databaseHits()).toEqual([]);
      // The search does find what is stored in clear: the owner's reference of the citizen, in the events and the citizen directory.
      expect(await databaseHits(citizen)).toEqual(expect.arrayContaining(['public.es_events.data', 'public.citizen_references.reference']));
    });

    it('erases: unknown citizens and a second erasure are refused with codes; afterwards every reader shows the field erased and everything still verifies', async () => {
      const unknown = await call(hubOrg, 'POST', '/privacy/erasures', { citizen: 'cit-nobody', organization: a.id, requestedBy: 'dpo', legalBasis: 'GDPR art. 17(1)(a)' }, ['operator']);
      expect(unknown).toMatchObject({ status: 404, body: { code: 'PRIVACY.CITIZEN_UNKNOWN' } });
      const invalid = await call(hubOrg, 'POST', '/privacy/erasures', { citizen, organization: a.id, legalBasis: 'GDPR art. 17(1)(a)' }, ['operator']);
      expect(invalid).toMatchObject({ status: 400, body: { code: 'PRIVACY.ERASURE_INVALID' } });
      const erased = await call(hubOrg, 'POST', '/privacy/erasures', { citizen, organization: a.id, requestedBy: 'dpo@a', legalBasis: 'GDPR art. 17(1)(a)' }, ['operator']);
      expect(erased).toMatchObject({ status: 201, body: { citizen, organization: a.id, requestedBy: 'dpo@a', legalBasis: 'GDPR art. 17(1)(a)', recordedBy: { organization: hubOrg.id } } });
      const again = await call(hubOrg, 'POST', '/privacy/erasures', { citizen, organization: a.id, requestedBy: 'dpo@a', legalBasis: 'GDPR art. 17(1)(a)' }, ['operator']);
      expect(again).toMatchObject({ status: 409, body: { code: 'PRIVACY.ALREADY_ERASED' } });

      // Views: the field erased, the rest as it was.
      expect(await addressOfB()).toEqual({ $erased: true });
      // On Kafka, each organization that received the case is told, naming the citizen as it knows them.
      const bus = hub.app.get<MessageBus>(MESSAGE_BUS);
      if (bus.kind === 'kafka') {
        const asB = ((await call(b, 'GET', `/cases/${caseId}`)).body.current as { ConsentRecorded: { citizen: string } }).ConsentRecorded.citizen;
        const notices: Array<Record<string, unknown>> = [];
        const subscription = await bus.subscribe({
          groupId: `shred-notices-${randomUUID()}`,
          topics: [outboundTopic(b.id)],
          fromBeginning: true,
          handleBatch: async (messages) => {
            for (const m of messages) {
              const envelope = JSON.parse(m.value.toString()) as Record<string, unknown>;
              if (envelope.type === 'passerelle.privacy.CitizenDataErased.v1' && envelope.caseid === caseId) notices.push(envelope);
            }
          },
        });
        try {
          await until(() => notices.length > 0);
        } finally {
          await subscription.close();
        }
        expect(notices[0]).toMatchObject({ id: expect.stringMatching(new RegExp(`^erasure-${caseId}-\\d+$`)), source: 'urn:passerelle:hub', caseid: caseId, data: { citizen: asB, legalBasis: 'GDPR art. 17(1)(a)' } });
        expect(asB).toMatch(/^ps-/);
      }
      // Audit: the case, each event, the whole log, the bundle offline — all verify, the erased event attested.
      const verified = await call(hubOrg, 'GET', `/audit/cases/${caseId}/verification`, undefined, ['auditor']);
      expect(verified.body).toMatchObject({ ok: true, eventsVerified: 6, attested: 2 });
      const checks = await call(hubOrg, 'GET', `/audit/cases/${caseId}/checks`, undefined, ['auditor']);
      expect((checks.body.events as Array<{ signature: { ok: boolean; attested?: boolean }; schema: { ok: boolean } }>).map((e) => [e.signature.ok, e.signature.attested ?? false, e.schema.ok])).toEqual([
        [true, false, true],
        [true, false, true],
        [true, false, true],
        [true, false, true],
        [true, true, true],
        [true, true, true],
      ]);
      const history = await call(hubOrg, 'GET', `/audit/cases/${caseId}/events`, undefined, ['auditor']);
      expect((history.body as unknown as Array<{ envelope: { data: { address?: unknown } } }>)[4]!.envelope.data.address).toEqual({ $erased: true });
      const log = await call(hubOrg, 'GET', '/audit/verification', undefined, ['auditor']);
      expect(log.body).toMatchObject({ ok: true });
      const bundle = await call(hubOrg, 'GET', `/audit/cases/${caseId}/bundle`, undefined, ['auditor']);
      expect(JSON.stringify(bundle.body)).not.toContain(plaintext);
      expect(await verifyBundle(bundle.body as unknown as AuditBundle)).toMatchObject({ ok: true, eventsVerified: 6, attested: 2 });
      // Insights answer as before.
      const day = now().slice(0, 10);
      const insights = await call(hubOrg, 'GET', `/insights/channels?from=${day}&to=${day}&grain=organization`, undefined, ['auditor']);
      expect(insights.status).toBe(200);
      expect(JSON.stringify(insights.body)).not.toContain(plaintext);

      // No new personal data of an erased citizen; other events of the case still go in.
      const later = await publish(a, await caseEvent(a.id, caseId, 'AddressChanged', { citizen, address: address(), effectiveFrom: '2026-12-02', source: 'citizen' }, {}, 2));
      expect(later).toMatchObject({ status: 409, body: { code: 'PRIVACY.CITIZEN_ERASED' } });
      expect(await publish(a, await caseEvent(a.id, caseId, 'CaseClosed', { closedBy: a.id, closedAt: now(), resolution: 'resolved' }))).toMatchObject({ status: 201 });

      // Nowhere in the database, nowhere in the logs.
      expect(await databaseHits()).toEqual([]);
      expect(logs.length).toBeGreaterThan(0);
      expect(logs.filter((line) => line.includes(plaintext))).toEqual([]);
    });
  });
}
