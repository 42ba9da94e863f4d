import type { CaseEventEnvelope } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, createScratchDatabase, type ScratchDatabase, type TestOrganization } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { ALL_COMPONENTS } from '../apps/hub/src/components';

/**
 * Privacy on the hub over HTTP, on PostgreSQL: reads bound to the purposes their grants serve,
 * pairwise pseudonyms, the citizen's own log, and each refusal as the caller gets it.
 */
describe('privacy: purpose-bound reads, pairwise pseudonyms, the citizen’s log', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let hub: RunningTarget;
  let a: TestOrganization;
  let b: TestOrganization;
  let auditor: TestOrganization;
  let window: TestOrganization;
  let c: TestOrganization;
  const now = () => new Date().toISOString();

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await PostgresDatabase.open({ url: scratch.url });
    a = await admitTestOrganization(db, ['publisher', 'subscriber']);
    b = await admitTestOrganization(db, ['publisher', 'subscriber']);
    auditor = await admitTestOrganization(db, ['auditor']);
    window = await admitTestOrganization(db, ['publisher', 'subscriber', 'single-window']);
    c = await admitTestOrganization(db, ['publisher', 'subscriber']);
    hub = await runTarget('hub', ALL_COMPONENTS, { DATABASE_URL: scratch.url, PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_DEMO_FEDERATION: 'off' });
  }, 60_000);
  afterAll(async () => {
    await hub?.app.close();
    await db?.close();
    await scratch?.drop();
  });

  async function publish(org: TestOrganization, envelope: CaseEventEnvelope) {
    const response = await fetch(`${hub.url}/cases/${envelope.caseid}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await org.token(['publisher'])}`, 'passerelle-signature': await org.sign(envelope), 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function read(org: TestOrganization, path: string, headers: Record<string, string> = {}, roles: Parameters<TestOrganization['token']>[0] = ['subscriber']) {
    const response = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${await org.token(roles)}`, ...headers } });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  }

  /** A case A opened, B invited; then `grants` published by A. Returns the case id once B's view reflects them. */
  async function caseWith(...grants: Array<Record<string, unknown> & { version?: number }>): Promise<string> {
    const caseId = `case-${randomUUID().slice(0, 8)}`;
    const events = [
      await caseEvent(a.id, caseId, 'CaseOpened', { owner: a.id, citizen: 'cit-privacy', title: 'Purposes', openedAt: now() }),
      await caseEvent(a.id, caseId, 'ParticipantInvited', { organization: b.id, role: 'observer', invitedBy: a.id, reason: 'test' }),
    ];
    for (const { version = 2, ...data } of grants)
      events.push(await caseEvent(a.id, caseId, 'AccessGranted', { organization: b.id, purpose: 'in plain words', grantedBy: a.id, ...data }, {}, version));
    for (const event of events) expect(await publish(a, event)).toMatchObject({ status: 201 });
    // Waits on B's view in the database (a read over HTTP would be in the access log) until it reflects the last event.
    const deadline = Date.now() + 30_000;
    const reflected = async () => String((await db.query<{ revision: string }>('SELECT revision FROM view_cases WHERE organization = $1 AND case_id = $2', [b.id, caseId])).rows[0]?.revision) === String(events.length - 1);
    while (!(await reflected())) {
      if (Date.now() > deadline) throw new Error(`B's view of ${caseId} did not catch up`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return caseId;
  }

  const purpose = (value: string) => ({ 'passerelle-purpose': value });

  it('serves a read for a purpose its grant names, refuses another with 403 ACCESS.PURPOSE_NOT_GRANTED; the owner reads for any', async () => {
    const caseId = await caseWith({ categories: ['case', 'service'], purposes: ['eligibility-check'] });

    expect(await read(b, `/cases/${caseId}`, purpose('eligibility-check; renewal'))).toMatchObject({ status: 200, body: { caseId, organization: b.id } });
    expect(await read(b, `/cases/${caseId}`, purpose('audit'))).toEqual({
      status: 403,
      body: { statusCode: 403, code: 'ACCESS.PURPOSE_NOT_GRANTED', message: `${b.id} may not read ${caseId} for audit: it holds grants for eligibility-check only`, purpose: 'audit' },
    });
    // No stated purpose means service-delivery, which this grant does not serve either.
    expect(await read(b, `/cases/${caseId}`)).toMatchObject({ status: 403, body: { code: 'ACCESS.PURPOSE_NOT_GRANTED', purpose: 'service-delivery' } });
    expect(await read(a, `/cases/${caseId}`, purpose('audit'))).toMatchObject({ status: 200 });
  });

  it('refuses a purpose outside the catalogue with 400 ACCESS.UNKNOWN_PURPOSE, naming the catalogue, and logs no read', async () => {
    const caseId = await caseWith({ categories: ['case'], purposes: ['service-delivery'] });
    expect(await read(b, `/cases/${caseId}`, purpose('licence photo request'))).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        code: 'ACCESS.UNKNOWN_PURPOSE',
        message: `purpose "licence photo request" is not in the federation's catalogue (eligibility-check, service-delivery, audit); state it as "<purpose>" or "<purpose>; <note>"`,
      },
    });
    expect((await read(a, `/cases/${caseId}/access-log`)).body).toEqual([]);
  });

  it('keeps existing grants working: a v1 grant (free-text purpose) serves service-delivery, the default of a read that states none', async () => {
    const caseId = await caseWith({ version: 1, categories: ['case'] });
    expect(await read(b, `/cases/${caseId}`)).toMatchObject({ status: 200 });
    expect(await read(b, `/cases/${caseId}`, purpose('eligibility-check'))).toMatchObject({
      status: 403,
      body: { code: 'ACCESS.PURPOSE_NOT_GRANTED', message: expect.stringContaining('holds grants for service-delivery only') },
    });
  });

  it('refuses every purpose once the grant is revoked, and to a participant never granted anything', async () => {
    const caseId = await caseWith({ categories: ['case'], purposes: ['audit'] });
    expect(await read(b, `/cases/${caseId}`, purpose('audit'))).toMatchObject({ status: 200 });
    expect(await publish(a, await caseEvent(a.id, caseId, 'AccessRevoked', { organization: b.id, categories: ['case'], revokedBy: a.id, reason: 'done' }))).toMatchObject({ status: 201 });
    // The revocation reaches B's view (B is told), then no grant covers anything.
    const deadline = Date.now() + 30_000;
    let answer = await read(b, `/cases/${caseId}`, purpose('audit'));
    while (answer.status === 200 && Date.now() < deadline) answer = await read(b, `/cases/${caseId}`, purpose('audit'));
    expect(answer).toMatchObject({ status: 403, body: { code: 'ACCESS.PURPOSE_NOT_GRANTED', message: expect.stringContaining('holds no grant in force') } });

    const invitedOnly = await caseWith();
    expect(await read(b, `/cases/${invitedOnly}`)).toMatchObject({ status: 403, body: { code: 'ACCESS.PURPOSE_NOT_GRANTED' } });
  });

  it('refuses a grant naming a purpose outside the catalogue: 422 ACCESS.UNKNOWN_PURPOSE at the purpose, nothing stored', async () => {
    const caseId = await caseWith();
    const grant = await caseEvent(a.id, caseId, 'AccessGranted', { organization: b.id, categories: ['case'], purposes: ['service-delivery', 'marketing'], purpose: 'x', grantedBy: a.id }, {}, 2);
    expect(await publish(a, grant)).toMatchObject({ status: 422, body: { status: 'rejected', code: 'ACCESS.UNKNOWN_PURPOSE', errors: [expect.objectContaining({ pointer: '/data/purposes/1' })] } });
    expect(await read(a, `/cases/${caseId}`)).toMatchObject({ status: 200, body: { revision: 1 } });
  });

  it('shows purpose and outcome of every read in the case’s access log: served and denied alike', async () => {
    const caseId = await caseWith({ categories: ['case'], purposes: ['eligibility-check', 'service-delivery'] });
    await read(b, `/cases/${caseId}`, purpose('eligibility-check; check 2027'));
    await read(b, `/cases/${caseId}`, purpose('audit'));
    await read(a, `/cases/${caseId}`);

    const log = (await read(auditor, `/cases/${caseId}/access-log`, {}, ['auditor'])).body as unknown as Array<Record<string, unknown>>;
    expect(log).toEqual([
      expect.objectContaining({ kind: 'read', outcome: 'served', organization: b.id, purpose: 'eligibility-check', note: 'check 2027', revision: 2 }),
      expect.objectContaining({
        kind: 'denied',
        outcome: 'denied',
        action: 'read',
        organization: b.id,
        status: 403,
        code: 'ACCESS.PURPOSE_NOT_GRANTED',
        purpose: 'audit',
        target: `GET /cases/${caseId}`,
      }),
      expect.objectContaining({ kind: 'read', outcome: 'served', organization: a.id, purpose: 'service-delivery' }),
    ]);
  });

  it('serves the federation’s catalogue of purposes to any member', async () => {
    expect(await read(b, '/federation/purposes')).toEqual({
      status: 200,
      body: [
        { code: 'eligibility-check', description: expect.any(String) },
        { code: 'service-delivery', description: expect.any(String) },
        { code: 'audit', description: expect.any(String) },
      ],
    });
  });

  describe('pairwise pseudonyms and the citizen’s log', () => {
    async function register(): Promise<string> {
      const response = await fetch(`${hub.url}/citizens`, { method: 'POST', headers: { authorization: `Bearer ${await window.token(['single-window'])}` } });
      expect(response.status).toBe(201);
      return ((await response.json()) as { pseudonym: string }).pseudonym;
    }

    /** The single window opens a case for the citizen, invites `guest` as a contributor and records the citizen's consent for it. */
    async function caseFor(citizen: string, guest: TestOrganization): Promise<string> {
      const caseId = `case-${randomUUID().slice(0, 8)}`;
      for (const event of [
        await caseEvent(window.id, caseId, 'CaseOpened', { owner: window.id, citizen, title: 'Single window', openedAt: now() }),
        await caseEvent(window.id, caseId, 'ParticipantInvited', { organization: guest.id, role: 'contributor', invitedBy: window.id, reason: 'r' }),
        await caseEvent(window.id, caseId, 'AccessGranted', { organization: guest.id, categories: ['case'], purposes: ['eligibility-check'], purpose: 'p', grantedBy: window.id }, {}, 2),
        await caseEvent(window.id, caseId, 'ConsentRecorded', {
          consentId: `consent-${randomUUID().slice(0, 8)}`,
          citizen,
          grantedTo: guest.id,
          categories: ['consent'],
          purpose: 'p',
          recordedAt: now(),
          channel: 'counter',
        }),
      ]) {
        expect(await publish(window, event)).toMatchObject({ status: 201 });
      }
      return caseId;
    }

    /** The citizen as `org` is shown it in its view of the case (the consent it was told of). */
    async function citizenSeenBy(org: TestOrganization, caseId: string, revision = 3): Promise<string> {
      const view = await read(org, `/cases/${caseId}?minRevision=${revision}`, purpose('eligibility-check'));
      expect(view.status).toBe(200);
      const consents = (view.body.timeline as Array<{ type: string; data: { citizen?: string } }>).filter((e) => e.data.citizen !== undefined);
      expect(consents.length).toBeGreaterThan(0);
      const seen = new Set(consents.map((e) => e.data.citizen));
      expect(seen.size).toBe(1);
      return [...seen][0]!;
    }

    it('shows each organization the citizen under its own stable pseudonym, in views and on the event stream (the relay: relay-pseudonyms.spec); stored envelopes stay as signed', async () => {
      {
        const mine = await register();
        expect(mine).toMatch(/^ps-[A-Za-z0-9_-]{43}$/);
        const first = await caseFor(mine, b);
        const second = await caseFor(mine, b);
        const other = await caseFor(mine, c);

        const asB = await citizenSeenBy(b, first);
        expect(asB).toMatch(/^ps-/);
        expect(asB).not.toBe(mine);
        expect(await citizenSeenBy(b, second)).toBe(asB); // stable within one organization
        const asC = await citizenSeenBy(c, other);
        expect(asC).not.toBe(asB); // B and C cannot join on the identifier
        expect(asC).not.toBe(mine);
        // The owner sees its own pseudonym, as it published it.
        expect((await read(window, `/cases/${first}`)).body.current).toMatchObject({ ConsentRecorded: { citizen: mine }, CaseOpened: { citizen: mine } });

        // The store keeps what the publisher signed: the single window's pseudonym.
        const stored = await hub.app.get<EventStore>(EVENT_STORE).readStream(`case-${first}`);
        expect(stored.map((e) => (e.data as { data: { citizen?: string } }).data.citizen).filter(Boolean)).toEqual([mine, mine]);

        // Server-Sent Events: B's stream (for the purpose its grant serves) carries B's pseudonym.
        const controller = new AbortController();
        const stream = await fetch(`${hub.url}/events/stream`, { headers: { authorization: `Bearer ${await b.token(['subscriber'])}`, ...purpose('eligibility-check') }, signal: controller.signal });
        const reader = stream.body!.getReader();
        let text = '';
        const deadline = Date.now() + 30_000;
        while (!text.includes(asB) && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
        controller.abort();
        expect(text).toContain(asB);
        expect(text).not.toContain(mine);
      }
    }, 120_000);

    it('accepts a publish naming the citizen by the publisher’s own pseudonym (mapped to the same citizen), and refuses a pseudonym it was never given: 422 CITIZEN.UNKNOWN_PSEUDONYM', async () => {
      const mine = await register();
      const caseId = await caseFor(mine, b);
      const asB = await citizenSeenBy(b, caseId);

      // The case's rule (a consent is the case's citizen's) holds across pseudonyms: B's is the same citizen.
      const byB = await caseEvent(b.id, caseId, 'ConsentRecorded', {
        consentId: `consent-${randomUUID().slice(0, 8)}`,
        citizen: asB,
        grantedTo: b.id,
        categories: ['case'],
        purpose: 'p',
        recordedAt: now(),
        channel: 'web',
      });
      expect(await publish(b, byB)).toMatchObject({ status: 201, body: { status: 'accepted', revision: 4 } });
      // The single window sees B's event under its own pseudonym.
      const seen = await read(window, `/cases/${caseId}?minRevision=4`);
      expect((seen.body.timeline as Array<{ eventId: string; data: { citizen: string } }>).find((e) => e.eventId === byB.id)!.data.citizen).toBe(mine);

      // B presents the single window's pseudonym, which it was never given.
      const borrowed = await caseEvent(b.id, caseId, 'ConsentRecorded', {
        consentId: `consent-${randomUUID().slice(0, 8)}`,
        citizen: mine,
        grantedTo: b.id,
        categories: ['case'],
        purpose: 'p',
        recordedAt: now(),
        channel: 'web',
      });
      expect(await publish(b, borrowed)).toMatchObject({
        status: 422,
        body: {
          status: 'rejected',
          code: 'CITIZEN.UNKNOWN_PSEUDONYM',
          message: expect.stringContaining(`is no pseudonym of ${b.id}`),
          errors: [expect.objectContaining({ pointer: '/data/citizen' })],
        },
      });
      // A made-up hub pseudonym opens nothing.
      const made = `case-${randomUUID().slice(0, 8)}`;
      expect(await publish(window, await caseEvent(window.id, made, 'CaseOpened', { owner: window.id, citizen: `ps-${'x'.repeat(43)}`, title: 't', openedAt: now() }))).toMatchObject({
        status: 422,
        body: { code: 'CITIZEN.UNKNOWN_PSEUDONYM' },
      });
      expect(await read(window, `/cases/${made}`)).toMatchObject({ status: 404 });
    }, 60_000);

    it('shows the single window, for one citizen, which organizations read their cases, when and for what purpose', async () => {
      const mine = await register();
      const first = await caseFor(mine, b);
      const second = await caseFor(mine, c);
      await citizenSeenBy(b, first);
      await read(c, `/cases/${second}?minRevision=3`, purpose('eligibility-check; benefit review'));
      await read(c, `/cases/${second}`, purpose('audit')); // refused: not a read of the citizen's data

      const log = await read(window, `/citizens/${mine}/access-log`, {}, ['single-window']);
      expect(log.status).toBe(200);
      expect(log.body).toEqual([
        { caseId: first, organization: b.id, organizationName: `Test organization ${b.id}`, purpose: 'eligibility-check', at: expect.any(String) },
        { caseId: second, organization: c.id, organizationName: `Test organization ${c.id}`, purpose: 'eligibility-check', note: 'benefit review', at: expect.any(String) },
      ]);
      // Another citizen's log holds none of these.
      expect((await read(window, `/citizens/${await register()}/access-log`, {}, ['single-window'])).body).toEqual([]);
    }, 60_000);

    it('refuses the citizen’s log to an organization that is not the single window (403), and a citizen the caller does not know by that name (404 CITIZEN.UNKNOWN_PSEUDONYM)', async () => {
      const mine = await register();
      const caseId = await caseFor(mine, b);
      const asB = await citizenSeenBy(b, caseId);

      expect(await read(b, `/citizens/${asB}/access-log`, {}, ['publisher', 'subscriber'])).toMatchObject({ status: 403, body: { code: 'TOKEN.ROLE_MISSING' } });
      const registering = await fetch(`${hub.url}/citizens`, { method: 'POST', headers: { authorization: `Bearer ${await b.token(['publisher'])}` } });
      expect(registering.status).toBe(403);
      // The single window names the citizen by B's pseudonym: not one it knows.
      expect(await read(window, `/citizens/${asB}/access-log`, {}, ['single-window'])).toMatchObject({
        status: 404,
        body: { code: 'CITIZEN.UNKNOWN_PSEUDONYM', message: expect.stringContaining(`${window.id} knows no citizen as`) },
      });
    }, 60_000);
  });
});
