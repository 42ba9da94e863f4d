import { fromKafkaMessage, outboundTopic, type CaseEventEnvelope } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { KafkaBus, type IncomingMessage } from '@passerelle/messaging';
import { Kafka, type CloudEvent } from 'cloudevents';
import { admitTestOrganization, caseEvent, createScratchDatabase, grantHubServices, testKafkaConnection, testKafkaEnv, type ScratchDatabase, type TestOrganization } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { listeningUrl, spawnTarget, terminate, type TargetProcess } from './support/target-process';

/**
 * The exchange across processes on the real broker and PostgreSQL: ledger, relay, views and
 * gateway each their own process. A publishes over HTTP; B (entitled to some categories) and
 * C (entitled to nothing) each consume their outbound topic as a ministry would, and read
 * their views. The relay and the views are killed mid-stream and restarted.
 */
describe('exchange between organizations: need-to-know delivery and consistent views', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let env: Record<string, string>;
  let a: TestOrganization;
  let b: TestOrganization;
  let c: TestOrganization;
  const processes = new Map<string, TargetProcess>();
  let gateway: string;
  let views: string;
  let ministries: KafkaBus;
  const received = new Map<string, CaseEventEnvelope[]>();
  /** The outbound messages as they came off the topic, for a CloudEvents SDK to read. */
  const messages = new Map<string, IncomingMessage[]>();

  const start = async (app: string) => {
    const target = spawnTarget(app, env);
    processes.set(app, target);
    return listeningUrl(target);
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await PostgresDatabase.open({ url: scratch.url });
    a = await admitTestOrganization(db, ['publisher', 'subscriber']);
    b = await admitTestOrganization(db, ['publisher', 'subscriber']);
    c = await admitTestOrganization(db, ['publisher', 'subscriber']);
    const groupPrefix = `e2e-${randomUUID()}`;
    await grantHubServices(groupPrefix);
    env = { ...testKafkaEnv(), DATABASE_URL: scratch.url, PASSERELLE_GROUP_PREFIX: groupPrefix, LOG_LEVEL: 'info' };
    const urls = await Promise.all(['ledger', 'relay', 'views', 'gateway'].map(start));
    views = urls[2]!;
    gateway = urls[3]!;
    ministries = new KafkaBus(testKafkaConnection(undefined, 'e2e-ministries'));
    for (const org of [b, c]) {
      received.set(org.id, []);
      messages.set(org.id, []);
      await ministries.subscribe({
        groupId: `e2e-${org.id}`,
        topics: [outboundTopic(org.id)],
        fromBeginning: true,
        handleBatch: async (batch) => {
          for (const m of batch) {
            messages.get(org.id)!.push(m);
            received.get(org.id)!.push((fromKafkaMessage(m) as { document: CaseEventEnvelope }).document);
          }
        },
      });
    }
  }, 120_000);
  afterAll(async () => {
    await ministries?.close();
    await Promise.all([...processes.values()].map((p) => terminate(p)));
    await db?.close();
    await scratch?.drop();
  });

  async function publish(org: TestOrganization, envelope: CaseEventEnvelope): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${gateway}/cases/${envelope.caseid}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await org.token(['publisher'])}`, 'passerelle-signature': await org.sign(envelope), 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function view(org: TestOrganization, caseId: string, minRevision?: number) {
    const query = minRevision === undefined ? '' : `?minRevision=${minRevision}`;
    const response = await fetch(`${views}/cases/${caseId}${query}`, { headers: { authorization: `Bearer ${await org.token(['subscriber'])}`, 'passerelle-purpose': 'service-delivery; e2e check' } });
    return { status: response.status, body: (await response.json()) as { revision: number; hash: string; timeline: Array<{ eventId: string; revision: number }> } };
  }

  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('delivers to B exactly what it is entitled to, to C nothing; survives a relay and views crash; stops at revocation', async () => {
    const caseId = `case-${randomUUID().slice(0, 8)}`;
    const now = () => new Date().toISOString();
    const service = (n: number) => caseEvent(a.id, caseId, 'ServiceRequested', { service: `svc-${n}`, description: `request ${n}`, requestedAt: now(), provider: a.id });
    const accepted = async (org: TestOrganization, envelope: CaseEventEnvelope) => {
      const { status, body } = await publish(org, envelope);
      expect({ status, body }).toMatchObject({ status: 201, body: { status: 'accepted', eventId: envelope.id } });
      return body as { revision: number; hash: string };
    };

    // A opens the case, invites B, shares case and service with B; C is never invited.
    await accepted(a, await caseEvent(a.id, caseId, 'CaseOpened', { owner: a.id, citizen: 'cit-e2e', title: 'E2E', openedAt: now() }));
    const shared: string[] = [];
    const invite = await caseEvent(a.id, caseId, 'ParticipantInvited', { organization: b.id, role: 'observer', invitedBy: a.id, reason: 'e2e' });
    const grant = await caseEvent(a.id, caseId, 'AccessGranted', { organization: b.id, categories: ['case', 'service'], purpose: 'e2e', grantedBy: a.id });
    for (const event of [invite, grant]) {
      await accepted(a, event);
      shared.push(event.id);
    }
    for (let n = 1; n <= 3; n++) {
      const event = await service(n);
      await accepted(a, event);
      shared.push(event.id);
    }
    // Not shared: decisions need consent and a grant B does not have.
    const decision = await caseEvent(a.id, caseId, 'DecisionRendered', { decisionId: 'dec-1', outcome: 'approved', decidedBy: a.id, decidedAt: now(), reasons: ['ok'] });
    await accepted(a, decision);

    // The relay and the views crash (SIGKILL) while A keeps publishing; then come back.
    processes.get('relay')!.child.kill('SIGKILL');
    processes.get('views')!.child.kill('SIGKILL');
    await Promise.all([processes.get('relay')!.exited, processes.get('views')!.exited]);
    for (let n = 4; n <= 8; n++) {
      const event = await service(n);
      await accepted(a, event);
      shared.push(event.id);
    }
    await start('relay');
    views = await start('views');

    // A revokes B's service access: B learns of the revocation, then receives no more service events.
    const revoke = await caseEvent(a.id, caseId, 'AccessRevoked', { organization: b.id, categories: ['service'], revokedBy: a.id, reason: 'done' });
    const revoked = await accepted(a, revoke);
    shared.push(revoke.id);
    const after = await service(99);
    const last = await accepted(a, after);

    const idsOf = (org: TestOrganization) => received.get(org.id)!.filter((e) => e.caseid === caseId).map((e) => e.id);
    await until('B to receive every shared event', () => new Set(idsOf(b)).size === shared.length);
    // A redelivery after the crash repeats an event with the same id and case revision; nothing else arrives.
    const distinct = [...new Map(received.get(b.id)!.filter((e) => e.caseid === caseId).map((e) => [e.id, e])).values()];
    expect(distinct.map((e) => e.id)).toEqual(shared);
    const revisions = distinct.map((e) => Number(e.caserevision));
    expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
    expect(distinct.at(-1)!.caserevision).toBe(String(revoked.revision));
    expect(idsOf(b)).not.toContain(decision.id);
    expect(idsOf(b)).not.toContain(after.id);

    // Read by the CloudEvents SDK as any ministry's consumer would: every message a valid
    // CloudEvent (envelope v3), its commit attributes decimal Strings, no `sequence` (the
    // Sequence extension's name) and no `position`.
    const ofCase = messages.get(b.id)!.filter((m) => m.key === caseId);
    expect(ofCase.length).toBeGreaterThanOrEqual(shared.length);
    for (const m of ofCase) {
      const event = Kafka.toEvent({ key: m.key, value: m.value.toString('utf8'), body: m.value.toString('utf8'), headers: m.headers } as never) as CloudEvent;
      expect(event.validate()).toBe(true);
      expect(event).not.toHaveProperty('sequence');
      expect(event).not.toHaveProperty('position');
      expect({ caserevision: event.caserevision, logposition: event.logposition }).toEqual({ caserevision: expect.stringMatching(/^(0|[1-9]\d*)$/), logposition: expect.stringMatching(/^[1-9]\d*$/) });
    }

    // B's view holds each shared event once, in case order; C sees nothing and gets 404.
    const revisionOfRevoke = revoked.revision;
    const bView = await view(b, caseId, revisionOfRevoke);
    expect(bView.status).toBe(200);
    expect(bView.body.timeline.map((t) => t.eventId)).toEqual(shared);
    const aView = await view(a, caseId, last.revision);
    expect(aView.body).toMatchObject({ revision: last.revision, hash: last.hash });
    // Both views state where they stand in the one hash chain.
    expect(aView.body.timeline.find((t) => t.revision === bView.body.revision)).toBeDefined();
    expect(await view(c, caseId)).toMatchObject({ status: 404, body: { code: 'CASE.NOT_FOUND' } });
    expect(idsOf(c)).toEqual([]);
  }, 240_000);
});
