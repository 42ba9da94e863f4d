import type { CaseEventEnvelope } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, createScratchDatabase, type ScratchDatabase, type TestOrganization } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { ALL_COMPONENTS } from '../apps/hub/src/components';

/**
 * Privacy on the hub over HTTP, on PostgreSQL: reads bound to the purposes their grants serve,
 * and each refusal as the caller gets it.
 */
describe('privacy: purpose-bound reads', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let hub: RunningTarget;
  let a: TestOrganization;
  let b: TestOrganization;
  let auditor: TestOrganization;
  const now = () => new Date().toISOString();

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await PostgresDatabase.open({ url: scratch.url });
    a = await admitTestOrganization(db, ['publisher', 'subscriber']);
    b = await admitTestOrganization(db, ['publisher', 'subscriber']);
    auditor = await admitTestOrganization(db, ['auditor']);
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
    for (const { version = 2, ...data } of grants) events.push(await caseEvent(a.id, caseId, 'AccessGranted', { organization: b.id, purpose: 'in plain words', grantedBy: a.id, ...data }, {}, version));
    for (const event of events) expect(await publish(a, event)).toMatchObject({ status: 201 });
    // Waits on B's list of cases, which logs no read, until B's view reflects the last event.
    const deadline = Date.now() + 30_000;
    while (!((await read(b, `/cases?q=${caseId}`)).body as unknown as Array<{ revision: number }>).some((c) => c.revision === events.length - 1)) {
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
    expect(await read(b, `/cases/${caseId}`, purpose('eligibility-check'))).toMatchObject({ status: 403, body: { code: 'ACCESS.PURPOSE_NOT_GRANTED', message: expect.stringContaining('holds grants for service-delivery only') } });
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
      expect.objectContaining({ kind: 'denied', outcome: 'denied', action: 'read', organization: b.id, status: 403, code: 'ACCESS.PURPOSE_NOT_GRANTED', purpose: 'audit', target: `GET /cases/${caseId}` }),
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
});
