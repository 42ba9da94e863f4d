import { fromKafkaMessage, outboundTopic, type CaseEventEnvelope } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { KafkaBus } from '@passerelle/messaging';
import { admitTestOrganization, caseEvent, createScratchDatabase, grantHubServices, testKafkaConnection, testKafkaEnv, type ScratchDatabase, type TestOrganization } from '@passerelle/testing';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { listeningUrl, spawnTarget, terminate, type TargetProcess } from './support/target-process';

const ROOT = resolve(__dirname, '..');
const exec = promisify(execFile);

/** The `passerelle` command exactly as an operator runs it. */
async function passerelle(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(ROOT, 'bin/passerelle.js'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * Two relays and two views as processes, with the ledger, the gateway and the audit, on the
 * real broker and PostgreSQL. Every event reaches each entitled organization once; the
 * active relay is SIGKILLed and the other takes over. Then a poison message on an outbound
 * topic: parked with its bytes, its case held back, other cases going on, listed, shown and
 * replayed with `passerelle parked`.
 */
describe('many instances and poison messages', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let env: Record<string, string>;
  let a: TestOrganization;
  let b: TestOrganization;
  let operator: TestOrganization;
  const processes: Array<{ app: string; target: TargetProcess; url: string }> = [];
  let ministries: KafkaBus;
  const received: CaseEventEnvelope[] = [];
  const url = (app: string) => processes.find((p) => p.app === app && p.target.child.exitCode === null && p.target.child.signalCode === null)!.url;

  const start = async (app: string) => {
    const target = spawnTarget(app, env);
    const entry = { app, target, url: '' };
    processes.push(entry);
    entry.url = await listeningUrl(target, 120_000);
    return entry;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await PostgresDatabase.open({ url: scratch.url });
    a = await admitTestOrganization(db, ['publisher', 'subscriber']);
    b = await admitTestOrganization(db, ['publisher', 'subscriber']);
    operator = await admitTestOrganization(db, ['operator', 'auditor']);
    // A short lease, so fail-over is quick here; the default is 10 s.
    const groupPrefix = `e2e-${randomUUID()}`;
    await grantHubServices(groupPrefix);
    env = { ...testKafkaEnv(), DATABASE_URL: scratch.url, PASSERELLE_GROUP_PREFIX: groupPrefix, PASSERELLE_LEASE_SECONDS: '4', LOG_LEVEL: 'info' };
    // The relays first, one after the other, so the first is the one holding the lease.
    await start('relay');
    await start('relay');
    await Promise.all(['ledger', 'views', 'views', 'gateway', 'audit'].map(start));
    ministries = new KafkaBus(testKafkaConnection(undefined, 'e2e-instances'));
    await ministries.subscribe({
      groupId: `e2e-instances-${b.id}`,
      topics: [outboundTopic(b.id)],
      fromBeginning: true,
      handleBatch: async (messages) => {
        for (const m of messages) {
          const parsed = fromKafkaMessage(m);
          if ('document' in parsed) received.push(parsed.document as CaseEventEnvelope);
        }
      },
    });
  }, 240_000);
  afterAll(async () => {
    await ministries?.close();
    await Promise.all(processes.map((p) => (p.target.child.exitCode === null && p.target.child.signalCode === null ? terminate(p.target) : undefined)));
    await db?.close();
    await scratch?.drop();
  }, 120_000);

  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const now = () => new Date().toISOString();

  async function accepted(envelope: CaseEventEnvelope): Promise<{ revision: number; position: number }> {
    const response = await fetch(`${url('gateway')}/cases/${envelope.caseid}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await a.token(['publisher'])}`, 'passerelle-signature': await a.sign(envelope), 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    const body = (await response.json()) as { status: string; revision: number; position: number };
    expect({ status: response.status, body }).toMatchObject({ status: 201, body: { status: 'accepted' } });
    return body;
  }

  /** A case A opened and shared (case, service) with B; the ids of what B is entitled to. */
  async function sharedCase(services: number): Promise<{ caseId: string; shared: string[]; last: { revision: number; position: number } }> {
    const caseId = `case-${randomUUID().slice(0, 8)}`;
    await accepted(await caseEvent(a.id, caseId, 'CaseOpened', { owner: a.id, citizen: 'cit-n', title: 'Instances', openedAt: now() }));
    const shared: string[] = [];
    let last = { revision: 0, position: 0 };
    for (const event of [
      await caseEvent(a.id, caseId, 'ParticipantInvited', { organization: b.id, role: 'observer', invitedBy: a.id, reason: 'e2e' }),
      await caseEvent(a.id, caseId, 'AccessGranted', { organization: b.id, categories: ['case', 'service'], purpose: 'e2e', grantedBy: a.id }),
      ...(await Promise.all(Array.from({ length: services }, (_, n) => caseEvent(a.id, caseId, 'ServiceRequested', { service: `svc-${n}`, description: `request ${n}`, requestedAt: now(), provider: a.id })))),
    ]) {
      last = await accepted(event);
      shared.push(event.id);
    }
    return { caseId, shared, last };
  }

  const deliveries = (caseId: string) => received.filter((e) => e.caseid === caseId).map((e) => e.id);
  const relayCheckpoint = async () => {
    const { rows } = await db.query<{ position: string }>('SELECT position::text AS position FROM es_checkpoints WHERE name = $1', [`${env.PASSERELLE_GROUP_PREFIX}-relay`]);
    return Number(rows[0]?.position ?? 0);
  };
  async function view(caseId: string, via: string, minRevision?: number) {
    const response = await fetch(`${via}/cases/${caseId}${minRevision === undefined ? '' : `?minRevision=${minRevision}`}`, { headers: { authorization: `Bearer ${await b.token(['subscriber'])}` } });
    return { status: response.status, body: (await response.json()) as { revision: number; timeline: Array<{ eventId: string }> } };
  }

  it('delivers every event once with two relays and two views; when the active relay is SIGKILLed the other takes over', async () => {
    const relays = processes.filter((p) => p.app === 'relay');
    const holds = (p: (typeof processes)[number]) => p.target.logs.some((l) => String(l.msg).startsWith('relay holds the lease'));
    await until('one relay to hold the lease', () => relays.some(holds));
    const [active, standby] = holds(relays[0]!) ? [relays[0]!, relays[1]!] : [relays[1]!, relays[0]!];
    expect(standby.target.logs.some((l) => String(l.msg).startsWith('relay stands by'))).toBe(true);
    expect(holds(standby)).toBe(false);

    const first = await sharedCase(10);
    await until('B to receive the first case', () => new Set(deliveries(first.caseId)).size === first.shared.length);
    await until('the relay to checkpoint it', async () => (await relayCheckpoint()) >= first.last.position);
    expect(deliveries(first.caseId)).toEqual(first.shared); // once each, in case order

    // The active relay dies; the stand-by takes the lease and goes on from the checkpoint.
    active.target.child.kill('SIGKILL');
    await active.target.exited;
    const second = await sharedCase(10);
    await until('the stand-by to take over', () => holds(standby));
    await until('B to receive the second case', () => new Set(deliveries(second.caseId)).size === second.shared.length);
    expect(deliveries(second.caseId)).toEqual(second.shared);
    expect(deliveries(first.caseId)).toEqual(first.shared); // nothing of before the kill again

    // Two views share the outbound partitions: either answers the whole view, each event once.
    for (const via of processes.filter((p) => p.app === 'views').map((p) => p.url)) {
      for (const c of [first, second]) {
        const seen = await view(c.caseId, via, c.last.revision);
        expect(seen.status).toBe(200);
        expect(seen.body.timeline.map((t) => t.eventId)).toEqual(c.shared);
      }
    }
  }, 300_000);

  it('parks a poison message on an outbound topic: its case is held back, others go on; parked list, show and replay', async () => {
    const poisoned = await sharedCase(1);
    const other = await sharedCase(1);
    await until('the views to show both cases', async () => (await view(poisoned.caseId, url('views'))).body.revision === poisoned.last.revision);
    // Bytes no relay would write, keyed by the case as the relay keys its messages.
    await ministries.publish(outboundTopic(b.id), [{ key: poisoned.caseId, value: 'this is not a cloud event', headers: { 'content-type': 'application/cloudevents+json' } }]);
    const after = await caseEvent(a.id, poisoned.caseId, 'ServiceRequested', { service: 'svc-after', description: 'after the poison', requestedAt: now(), provider: a.id });
    await accepted(after);
    const otherAfter = await caseEvent(a.id, other.caseId, 'ServiceRequested', { service: 'svc-other', description: 'another case', requestedAt: now(), provider: a.id });
    const otherLast = await accepted(otherAfter);

    // The other case goes on; the poisoned case stays where it was, its later event parked behind.
    expect((await view(other.caseId, url('views'), otherLast.revision)).body.timeline.map((t) => t.eventId)).toEqual([...other.shared, otherAfter.id]);
    const token = await operator.token(['operator', 'auditor']);
    const list = async () => passerelle('parked', 'list', '--hub', url('audit'), '--token', token, '--json');
    await until('the poison and the event behind it to be parked', async () => {
      const { stdout } = await list();
      return (JSON.parse(stdout || '{"messages":[]}') as { messages: unknown[] }).messages.length >= 2;
    });
    const { messages, counts } = JSON.parse((await list()).stdout) as {
      messages: Array<{ id: string; caseId: string; error: { code: string; message: string }; attempts: number; heldBehind: string | null; source: { topic: string }; bytes: number }>;
      counts: Array<{ component: string; status: string; count: number }>;
    };
    const [poison, behind] = messages.filter((m) => m.caseId === `${b.id}/${poisoned.caseId}`);
    expect(poison).toMatchObject({ error: { code: 'VIEW.UNREADABLE_MESSAGE' }, heldBehind: null, source: { topic: outboundTopic(b.id) }, bytes: 25 });
    expect(poison!.error.message).toMatch(/is not a committed event/);
    expect(poison!.attempts).toBeGreaterThanOrEqual(1);
    expect(behind).toMatchObject({ error: { code: 'PARKED.HELD_BACK' }, heldBehind: poison!.id });
    expect(counts).toContainEqual({ component: `${env.PASSERELLE_GROUP_PREFIX}-views`, status: 'parked', count: 2 });
    expect((await view(poisoned.caseId, url('views'))).body.revision).toBe(poisoned.last.revision);

    const shown = await passerelle('parked', 'show', poison!.id, '--hub', url('audit'), '--token', token);
    expect(shown).toMatchObject({ code: 0 });
    expect(shown.stdout).toContain('error: VIEW.UNREADABLE_MESSAGE');
    expect(shown.stdout).toContain('bytes (25): this is not a cloud event');

    // Replayed, the poison fails again: it stays parked, tried once more, its case still held.
    const replay = await passerelle('parked', 'replay', poison!.id, '--hub', url('audit'), '--token', token);
    expect(replay).toMatchObject({ code: 0 });
    expect(replay.stdout).toMatch(/^replay asked of .*-views for 2 messages/);
    await until('the replay to be tried', async () => {
      const again = JSON.parse((await list()).stdout) as { messages: Array<{ id: string; attempts: number; status: string }> };
      const entry = again.messages.find((m) => m.id === poison!.id)!;
      return entry.status === 'parked' && entry.attempts > poison!.attempts;
    });
    expect((await view(poisoned.caseId, url('views'))).body.revision).toBe(poisoned.last.revision);

    // Refusals say why.
    expect(await passerelle('parked', 'show', '999999', '--hub', url('audit'), '--token', token)).toMatchObject({ code: 1, stdout: '✗ no parked message "999999"\n' });
    const subscriber = await passerelle('parked', 'list', '--hub', url('audit'), '--token', await b.token(['subscriber']));
    expect(subscriber.code).toBe(2);
    expect(subscriber.stderr).toContain('TOKEN.ROLE_MISSING');
  }, 300_000);
});
