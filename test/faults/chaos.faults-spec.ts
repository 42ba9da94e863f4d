import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  caseEventMetadata,
  defaultSchemasDir,
  EXCHANGE_HEADERS,
  fromKafkaMessage,
  inboundTopic,
  outboundTopic,
  readSchemaDirectory,
  receiptsTopic,
  EventValidator,
  type CaseEventEnvelope,
  type Receipt,
} from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { SqlEventStore, type RecordedEvent } from '@passerelle/event-store';
import { EventSignatureVerifier, FederationLog } from '@passerelle/identity';
import { KafkaBus, type OutgoingMessage } from '@passerelle/messaging';
import { admitTestOrganization, caseEvent, grantHubServices, inboundMessage, kafkaConnectionAs, startPrivatePostgres, type PrivatePostgres, type TestOrganization } from '@passerelle/testing';
import { verifyLog } from '@passerelle/verification';
import { startPrivateKafka, type PrivateKafka } from '../support/private-kafka';
import { listeningUrl, spawnTarget, type TargetProcess } from '../support/target-process';

/**
 * The stack as separate processes (ledger, relay, views, gateway) on a broker and a PostgreSQL
 * cluster of this test's own. While three organizations publish signed events on many cases,
 * services are SIGKILLed and restarted, the broker and the database are stopped and started,
 * and a tenth of the messages are sent again, some long after. Then an oracle checks what was
 * promised: nothing accepted lost or stored twice, nothing rejected stored, every view a
 * replay of exactly what its organization was entitled to, nothing delivered where it does
 * not belong, every chain intact.
 */
const SECONDS = Number(process.env.PASSERELLE_FAULTS_SECONDS ?? 150);
const RATE = 60; // events per second
const SERVICES = ['ledger', 'relay', 'views', 'gateway'] as const;
type Service = (typeof SERVICES)[number];

interface Org {
  org: TestOrganization;
  token: string;
  cases: string[];
  guest: string;
  outsider: string;
}

interface Sent {
  key: string;
  org: string;
  message: OutgoingMessage;
  envelope: CaseEventEnvelope;
}

jest.setTimeout(SECONDS * 1000 + 600_000);

describe('fault injection: crashes, broker and database restarts, redeliveries', () => {
  let pg: PrivatePostgres;
  let kafka: PrivateKafka;
  const services = new Map<Service, TargetProcess>();
  const counts = { sent: 0, duplicates: 0, viaGateway: 0, gatewayAccepted: 0, kills: 0, unexpectedExits: 0, kafkaRestarts: 0, postgresRestarts: 0 };

  afterAll(async () => {
    for (const target of services.values()) target.child.kill('SIGKILL');
    await kafka?.destroy();
    await pg?.destroy();
  });

  it('keeps every promise', async () => {
    const [pgPort, kafkaPort, controllerPort] = (await freePorts(3)) as [number, number, number];
    pg = await startPrivatePostgres(pgPort);
    kafka = await startPrivateKafka(kafkaPort, controllerPort);
    const db = await PostgresDatabase.open({ url: pg.url });
    const orgs: Org[] = [];
    for (let i = 0; i < 3; i++) {
      const org = await admitTestOrganization(db, ['publisher', 'subscriber']);
      orgs.push({ org, token: await org.token(['publisher', 'subscriber'], 3_600), cases: Array.from({ length: 8 }, () => `case-${randomUUID().slice(0, 12)}`), guest: '', outsider: '' });
    }
    orgs.forEach((o, i) => {
      o.guest = orgs[(i + 1) % 3]!.org.id;
      o.outsider = orgs[(i + 2) % 3]!.org.id;
    });
    await db.close();

    await grantHubServices('faults', kafka);
    const env = { ...kafka.env, DATABASE_URL: pg.url, PASSERELLE_GROUP_PREFIX: 'faults', LOG_LEVEL: 'info', PASSERELLE_RECEIPT_TIMEOUT: '3', PASSERELLE_CHECKPOINT_INTERVAL: '0' };
    const urls = new Map<Service, string>();
    const start = async (service: Service) => {
      const target = spawnTarget(service, env);
      services.set(service, target);
      void target.exited.then(() => {
        if (services.get(service) === target && !target.child.killed) counts.unexpectedExits += 1;
      });
      urls.set(service, await listeningUrl(target, 120_000));
    };
    for (const service of SERVICES) await start(service);
    progress(`stack up (ledger, relay, views, gateway); ${SECONDS} s of traffic and faults follow`);

    // What every organization is told, and what it receives.
    const bus = new KafkaBus(kafkaConnectionAs(kafka, undefined, 'faults-ministries'));
    const receipts = new Map<string, Receipt[]>();
    const delivered = new Map<string, Array<{ position: number; id: string }>>();
    await bus.subscribe({
      groupId: 'faults-receipts',
      topics: orgs.map((o) => receiptsTopic(o.org.id)),
      fromBeginning: true,
      handleBatch: async (messages) => {
        for (const m of messages) {
          const receipt = JSON.parse(m.value.toString()) as Receipt;
          const key = `${receipt.organization}/${receipt.eventId}`;
          receipts.set(key, [...(receipts.get(key) ?? []), receipt]);
        }
      },
    });
    await bus.subscribe({
      groupId: 'faults-outbound',
      topics: orgs.map((o) => outboundTopic(o.org.id)),
      fromBeginning: true,
      handleBatch: async (messages) => {
        for (const m of messages) {
          const organization = m.topic.slice('passerelle.outbound.'.length);
          const envelope = (fromKafkaMessage(m) as { document: CaseEventEnvelope }).document;
          delivered.set(organization, [...(delivered.get(organization) ?? []), { position: Number(envelope.logposition), id: envelope.id }]);
        }
      },
    });

    // The publishers: cases opened and shared first, then a steady flow with redeliveries.
    const sent: Sent[] = [];
    const build = async (publisher: Org, caseId: string, name: string, data: Record<string, unknown>): Promise<Sent> => {
      const envelope = await caseEvent(publisher.org.id, caseId, name, data, { actor: 'agent-faults' });
      const message = await inboundMessage(publisher.org, envelope, { token: publisher.token });
      return { key: `${publisher.org.id}/${envelope.id}`, org: publisher.org.id, message, envelope };
    };
    const send = async (item: Sent, again = false) => {
      for (;;) {
        try {
          await bus.publish(inboundTopic(item.org), [item.message]);
          break;
        } catch {
          await sleep(500); // the broker is away: try again, as a publisher would
        }
      }
      if (again) counts.duplicates += 1;
      else {
        counts.sent += 1;
        sent.push(item);
      }
    };
    const viaGateway = async (item: Sent) => {
      counts.sent += 1;
      counts.viaGateway += 1;
      sent.push(item);
      try {
        const response = await fetch(`${urls.get('gateway')}/cases/${item.envelope.caseid}/events`, {
          method: 'POST',
          headers: { authorization: String(item.message.headers![EXCHANGE_HEADERS.authorization]), 'passerelle-signature': String(item.message.headers![EXCHANGE_HEADERS.signature]), 'content-type': 'application/json' },
          body: String(item.message.value),
          signal: AbortSignal.timeout(5_000),
        });
        if (response.status === 201) counts.gatewayAccepted += 1;
        if (response.status === 201 || response.status === 202 || (response.status >= 400 && response.status < 500)) return;
      } catch {
        /* the gateway is down: fall back to Kafka */
      }
      await send(item, true);
    };

    for (const owner of orgs) {
      for (const caseId of owner.cases) {
        await send(await build(owner, caseId, 'CaseOpened', { owner: owner.org.id, citizen: 'cit-faults', title: 'Faults', openedAt: new Date().toISOString() }));
        await send(await build(owner, caseId, 'ParticipantInvited', { organization: owner.guest, role: 'contributor', invitedBy: owner.org.id, reason: 'faults' }));
        await send(await build(owner, caseId, 'AccessGranted', { organization: owner.guest, categories: ['case', 'service'], purpose: 'faults', grantedBy: owner.org.id }));
      }
    }

    const started = Date.now();
    const chaos = (async () => {
      const plan: Array<[number, () => Promise<void>]> = [];
      for (let t = 8; t < SECONDS - 5; t += 9 + Math.random() * 6) {
        const service = SERVICES[Math.floor(Math.random() * SERVICES.length)]!;
        plan.push([t, async () => {
          const target = services.get(service)!;
          target.child.kill('SIGKILL');
          await target.exited;
          counts.kills += 1;
          progress(`killed ${service}`);
          await sleep(500 + Math.random() * 2_500);
          await start(service);
        }]);
      }
      plan.push([SECONDS * 0.35, async () => {
        await kafka.stop();
        counts.kafkaRestarts += 1;
        progress('stopped the Kafka broker for 8 s');
        await sleep(8_000);
        await kafka.start();
      }]);
      plan.push([SECONDS * 0.7, async () => {
        await pg.stop('immediate');
        counts.postgresRestarts += 1;
        progress('crashed PostgreSQL for 6 s');
        await sleep(6_000);
        await pg.start();
      }]);
      plan.sort((a, b) => a[0] - b[0]);
      for (const [at, act] of plan) {
        await sleep(Math.max(0, started + at * 1000 - Date.now()));
        await act();
      }
    })();

    for (let n = 0; Date.now() - started < SECONDS * 1000; n++) {
      const owner = orgs[n % 3]!;
      const caseId = owner.cases[Math.floor(Math.random() * owner.cases.length)]!;
      const roll = Math.random();
      const service = (by: Org) => ({ service: `svc-${n}`, description: `request ${n}`, requestedAt: new Date().toISOString(), provider: by.org.id });
      let item: Sent;
      if (roll < 0.7) item = await build(owner, caseId, 'ServiceRequested', service(owner));
      else if (roll < 0.8) item = await build(owner, caseId, 'DecisionRendered', { decisionId: `dec-${n}`, outcome: 'approved', decidedBy: owner.org.id, decidedAt: new Date().toISOString(), reasons: ['faults'] });
      else if (roll < 0.9) {
        const guest = orgs.find((o) => o.org.id === owner.guest)!;
        item = await build(guest, caseId, 'ServiceRequested', service(guest));
      } else {
        const outsider = orgs.find((o) => o.org.id === owner.outsider)!;
        item = await build(outsider, caseId, 'ServiceRequested', service(outsider)); // not a participant: refused
      }
      if (Math.random() < 0.1) await viaGateway(item);
      else await send(item);
      // A tenth is sent again, some of it long after, out of order.
      if (Math.random() < 0.1) await send(sent[Math.floor(Math.random() * sent.length)]!, true);
      await sleep(Math.max(0, started + ((n + 1) * 1000) / RATE - Date.now()));
    }
    await chaos;
    progress(`traffic over: ${counts.sent} events sent, ${counts.kills} kills; waiting for every receipt and delivery`);

    // Quiet again: every service up, every message answered, every delivery made.
    for (const service of SERVICES) if (services.get(service)!.child.exitCode !== null) await start(service);
    await until('a receipt for every event sent', () => sent.every((s) => receipts.has(s.key)), 240_000);
    const store = await SqlEventStore.open(await PostgresDatabase.open({ url: pg.url }), { ownsDatabase: true });
    const events = await readAll(store);
    const expectedDeliveries = () => events.every((e) => caseEventMetadata(e).audience.every((org) => delivered.get(org)?.some((d) => d.position === Number(e.position))));
    await until('every event delivered to every organization entitled to it', expectedDeliveries, 180_000);

    progress('quiet again; checking the oracle');
    // The oracle.
    const problems: string[] = [];
    const stored = new Map(events.map((e) => [e.id, e]));
    let accepted = 0;
    let rejected = 0;
    for (const s of sent) {
      const answers = receipts.get(s.key) ?? [];
      const acceptedReceipts = answers.filter((r): r is Extract<Receipt, { status: 'accepted' }> => r.status === 'accepted');
      const event = stored.get(s.key);
      if (acceptedReceipts.length > 0) {
        accepted += 1;
        if (!event) problems.push(`${s.key} was accepted (position ${acceptedReceipts[0]!.position}) but is not in the store`);
        else if (acceptedReceipts.some((r) => r.position !== Number(event.position) || r.hash !== event.hash)) problems.push(`${s.key}: its receipts disagree with the store`);
      } else {
        rejected += 1;
        if (event) problems.push(`${s.key} was rejected (${answers.map((r) => (r as { code: string }).code).join(', ')}) but is in the store`);
      }
    }
    const sentKeys = new Set(sent.map((s) => s.key));
    for (const e of events) if (!sentKeys.has(e.id)) problems.push(`${e.id} is in the store but was never sent`);

    const byPosition = new Map(events.map((e) => [Number(e.position), e]));
    for (const [org, list] of delivered) {
      for (const d of list) {
        const event = byPosition.get(d.position);
        if (!event || !caseEventMetadata(event).audience.includes(org)) problems.push(`${org} received position ${d.position}, which it is not entitled to`);
      }
    }

    const caseIds = [...new Set(events.map((e) => (e.data as unknown as CaseEventEnvelope).caseid))];
    for (const { org } of orgs) {
      const token = await org.token(['subscriber']);
      for (const caseId of caseIds) {
        const entitled = events.filter((e) => (e.data as unknown as CaseEventEnvelope).caseid === caseId && caseEventMetadata(e).audience.includes(org.id));
        let view: { status: number; body: { revision?: number; timeline?: Array<{ eventId: string }> } } | undefined;
        const wanted = entitled.length > 0 ? `?minRevision=${entitled.at(-1)!.revision}` : '';
        for (let attempt = 0; attempt < 10 && (!view || view.status >= 500); attempt++) {
          try {
            const response = await fetch(`${urls.get('views')}/cases/${caseId}${wanted}`, { headers: { authorization: `Bearer ${token}` } });
            view = { status: response.status, body: (await response.json()) as never };
          } catch {
            await sleep(1_000);
          }
        }
        if (entitled.length === 0) {
          if (view?.status !== 404) problems.push(`${org.id} is entitled to nothing of ${caseId}, yet its view answered ${view?.status}`);
          continue;
        }
        const expected = entitled.map((e) => (e.data as unknown as CaseEventEnvelope).id);
        const seen = view?.body.timeline?.map((t) => t.eventId) ?? [];
        if (view?.status !== 200 || JSON.stringify(seen) !== JSON.stringify(expected)) {
          problems.push(`${org.id}'s view of ${caseId} (${view?.status}) shows ${seen.length} events, not the ${expected.length} it is entitled to, in order`);
        }
      }
    }

    const federationDb = await PostgresDatabase.open({ url: pg.url });
    const directory = await FederationLog.open(federationDb, 0);
    const report = await verifyLog(store, { signatures: new EventSignatureVerifier(directory), validator: new EventValidator(await readSchemaDirectory(defaultSchemasDir())) });
    if (!report.ok) problems.push(`the log does not verify: ${JSON.stringify(report.failure)}`);
    directory.close();
    await federationDb.close();
    await store.close();
    await bus.close();

    const summary = {
      seconds: SECONDS,
      eventsSent: counts.sent,
      viaGateway: counts.viaGateway,
      duplicatesInjected: counts.duplicates,
      accepted,
      rejected,
      stored: events.length,
      outboundDeliveries: [...delivered.values()].reduce((n, l) => n + l.length, 0),
      kills: counts.kills,
      unexpectedExits: counts.unexpectedExits,
      kafkaRestarts: counts.kafkaRestarts,
      postgresRestarts: counts.postgresRestarts,
      verdict: problems.length === 0 ? 'every promise kept' : `${problems.length} problem(s)`,
    };
    process.stdout.write(`\nfault injection report\n${Object.entries(summary).map(([k, v]) => `  ${k.padEnd(20)} ${v}`).join('\n')}\n`);
    expect(problems.slice(0, 20)).toEqual([]);
    expect(rejected).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(counts.sent / 2);
  });
});

async function readAll(store: SqlEventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (let page = await store.readAll({ limit: 1_000, filter: { streamPrefix: 'case-' } }); page.length > 0; page = await store.readAll({ fromPosition: page.at(-1)!.position, limit: 1_000, filter: { streamPrefix: 'case-' } })) all.push(...page);
  return all;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

function progress(line: string): void {
  process.stderr.write(`faults: ${line}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((ok) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => ok(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}
