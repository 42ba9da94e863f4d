import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  CASE_STREAM_PREFIX,
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
import { freePortBlock, rawKafkaClient, readTopicToEnd, startPrivateKafka, type PrivateKafka } from '../support/private-kafka';
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
/** One running copy of a service: `relay`, or `relay-2` when each runs twice. */
type Instance = string;

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

export interface FaultProfile {
  /** 1: one broker, stopped and started whole. 3: a cluster (replication factor 3, min.insync.replicas 2) whose busiest leader is SIGKILLed. */
  kafkaNodes: 1 | 3;
  /** How many processes of each service run side by side (the relay and views under their leases, the ledger as a consumer group). */
  instances?: 1 | 2;
}

export function faultSuite(title: string, profile: FaultProfile): void {
  jest.setTimeout(SECONDS * 1000 + 600_000);

  describe(title, () => {
    let pg: PrivatePostgres;
    let kafka: PrivateKafka;
    const services = new Map<Instance, TargetProcess>();
    /** Every process started, killed ones too: their logs explain a failure. */
    const spawned: Array<{ name: Instance; target: TargetProcess }> = [];
    const copies = profile.instances ?? 1;
    const INSTANCES = SERVICES.flatMap((service) => Array.from({ length: copies }, (_, i) => ({ service, name: copies > 1 ? `${service}-${i + 1}` : service })));
    const serviceOf = (name: Instance) => INSTANCES.find((i) => i.name === name)!.service;
    const counts = { sent: 0, duplicates: 0, viaGateway: 0, gatewayAccepted: 0, kills: 0, unexpectedExits: 0, kafkaRestarts: 0, brokerKills: 0, postgresRestarts: 0 };

    // What the test opened, closed here too should it fail half-way: a consumer left running
    // keeps reconnecting to the destroyed broker, and jest from ever exiting.
    const opened: Array<{ close(): Promise<void> }> = [];
    afterAll(async () => {
      await Promise.allSettled(opened.map((o) => o.close()));
      for (const target of services.values()) target.child.kill('SIGKILL');
      await kafka?.destroy();
      await pg?.destroy();
    });

    it('keeps every promise', async () => {
      const [pgPort] = (await freePorts(1)) as [number];
      // A cluster's nodes take consecutive ports: client, controller, then replication listeners.
      const base = await freePortBlock(profile.kafkaNodes * 3);
      pg = await startPrivatePostgres(pgPort);
      kafka = await startPrivateKafka(base, base + profile.kafkaNodes, profile.kafkaNodes);
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
      const urls = new Map<Instance, string>();
      const start = async (name: Instance) => {
        const target = spawnTarget(serviceOf(name), env);
        services.set(name, target);
        spawned.push({ name, target });
        void target.exited.then(() => {
          if (services.get(name) === target && !target.child.killed) counts.unexpectedExits += 1;
        });
        urls.set(name, await listeningUrl(target, 120_000));
      };
      /** One of the service's instances that is up (the gateway a publisher calls, the views the oracle reads). */
      const urlOf = (service: Service) => {
        const up = INSTANCES.filter((i) => i.service === service && services.get(i.name)?.child.exitCode === null && !services.get(i.name)?.child.killed);
        return urls.get((up[Math.floor(Math.random() * up.length)] ?? INSTANCES.find((i) => i.service === service)!).name);
      };
      for (const { name } of INSTANCES) await start(name);
      progress(`stack up (${INSTANCES.map((i) => i.name).join(', ')}); ${SECONDS} s of traffic and faults follow`);

      // A poison message: mid-run, bytes that are no CloudEvent on the first organization's
      // outbound topic, under its first case's key. Its views must park it, hold back that
      // organization's view of that case only, and let everything else through.
      const poison = { organization: orgs[0]!.org.id, caseId: orgs[0]!.cases[0]!, value: 'not a CloudEvent: poison for the views' };
      let poisonSeen = 0;
      let poisonAt: { partition: number; offset: bigint } | undefined;
      let poisonProducedAt: number | undefined;
      const poisonCaseDeliveries: Array<{ id: string; partition: number; offset: bigint }> = [];
      // Which partitions each organization's view of each case arrived on (one, if keys map steadily).
      const partitionsOf = new Map<string, Set<number>>();

      // What every organization is told, and what it receives.
      const bus = new KafkaBus(kafkaConnectionAs(kafka, undefined, 'faults-ministries'));
      opened.push(bus);
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
            const parsed = fromKafkaMessage(m);
            if ('error' in parsed) {
              poisonSeen += 1; // the suite's own poison message (below): no event
              poisonAt ??= { partition: m.partition, offset: BigInt(m.offset) };
              continue;
            }
            const envelope = parsed.document as CaseEventEnvelope;
            if (organization === poison.organization && envelope.caseid === poison.caseId) poisonCaseDeliveries.push({ id: envelope.id, partition: m.partition, offset: BigInt(m.offset) });
            const ref = `${organization}/${envelope.caseid}`;
            partitionsOf.set(ref, (partitionsOf.get(ref) ?? new Set<number>()).add(m.partition));
            delivered.set(organization, [...(delivered.get(organization) ?? []), { position: Number(envelope.logposition), id: envelope.id }]);
          }
        },
      });

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
          const response = await fetch(`${urlOf('gateway')}/cases/${item.envelope.caseid}/events`, {
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
          const service = INSTANCES[Math.floor(Math.random() * INSTANCES.length)]!.name;
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
        if (profile.kafkaNodes === 1) {
          plan.push([SECONDS * 0.35, async () => {
            await kafka.stop();
            counts.kafkaRestarts += 1;
            progress('stopped the Kafka broker for 8 s');
            await sleep(8_000);
            await kafka.start();
          }]);
        } else {
          // Twice, each time the node that leads most of the exchange's partitions then.
          for (const at of [SECONDS * 0.3, SECONDS * 0.55]) {
            plan.push([at, async () => {
              const leader = await busiestLeader(kafka, orgs.map((o) => o.org.id));
              await kafka.killNode(leader.id);
              counts.brokerKills += 1;
              progress(`SIGKILLed Kafka node ${leader.id}, leader of ${leader.partitions} of the exchange's partitions; back in 10 s`);
              await sleep(10_000);
              await kafka.startNode(leader.id);
              progress(`Kafka node ${leader.id} rejoined`);
            }]);
          }
        }
        plan.push([SECONDS * 0.7, async () => {
          await pg.stop('immediate');
          counts.postgresRestarts += 1;
          progress('crashed PostgreSQL for 6 s');
          await sleep(6_000);
          await pg.start();
        }]);
        plan.push([SECONDS * 0.2, async () => {
          for (;;) {
            try {
              // Into the partition its case's events were last delivered on, so they come after it.
              const partition = poisonCaseDeliveries.at(-1)?.partition;
              await produceRaw(kafka, outboundTopic(poison.organization), { key: poison.caseId, value: poison.value, ...(partition === undefined ? {} : { partition }) });
              break;
            } catch {
              await sleep(500);
            }
          }
          poisonProducedAt = Date.now();
          progress(`produced a poison message on ${outboundTopic(poison.organization)} under case ${poison.caseId}`);
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
      for (const { name } of INSTANCES) if (services.get(name)!.child.exitCode !== null) await start(name);
      await until('a receipt for every event sent', () => sent.every((s) => receipts.has(s.key)), 240_000);
      const store = await SqlEventStore.open(await PostgresDatabase.open({ url: pg.url }), { ownsDatabase: true });
      opened.push(store);
      const events = await readAll(store);
      const isDelivered = (e: RecordedEvent, org: string) => delivered.get(org)?.some((d) => d.position === Number(e.position)) === true;
      const expectedDeliveries = () => events.every((e) => caseEventMetadata(e).audience.every((org) => isDelivered(e, org)));
      const undelivered = () => events.flatMap((e) => caseEventMetadata(e).audience.filter((org) => !isDelivered(e, org)).map((org) => ({ org, e })));
      // On a timeout: what is missing, where each organization's deliveries stand, whether the
      // first missing message is on its topic (the relay never wrote it, or this suite never
      // read it), what is parked, and what the services logged as errors.
      const missing = async () => {
        const list = undelivered();
        const latest = [...delivered].map(([org, l]) => `${org} up to position ${Math.max(...l.map((d) => d.position))} (${l.length} deliveries)`);
        const first = list[0];
        const onTopic = first ? await findOnTopic(kafka, outboundTopic(first.org), first.e.id) : [];
        const lot = await PostgresDatabase.open({ url: pg.url });
        const { rows: parkedNow } = await lot.query<{ component: string; case_id: string | null; key: string | null; error: { code: string; message: string } }>('SELECT component, case_id, key, error FROM parked_messages ORDER BY id').finally(() => lot.close());
        const complaints = spawned.flatMap(({ name, target }) => target.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => `${name}: ${String(l.msg)}${l.err ? ` (${String((l.err as { message?: unknown }).message)})` : ''}`));
        return [
          `${list.length} deliveries missing, first ${list.slice(0, 10).map(({ org, e }) => `${e.streamId}@${e.revision} (position ${e.position}, id ${e.id}) to ${org}`).join(', ')}`,
          `delivered: ${latest.join('; ')}`,
          first ? `the first is on ${outboundTopic(first.org)} ${onTopic.length === 0 ? 'nowhere' : `at ${onTopic.join(', ')}`}` : '',
          `parked: ${JSON.stringify(parkedNow.map((r) => [r.component, r.case_id, r.key, r.error.code, r.error.message]))}`,
          `errors logged (${complaints.length}): ${complaints.slice(-30).join(' | ')}`,
        ].join('\n');
      };
      await until('every event delivered to every organization entitled to it', expectedDeliveries, 180_000, missing);

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

      // The parking lot: the poison message once, parked by the views with its bytes; behind it
      // only later events of that organization's view of that case; nothing else parked.
      const lot = await PostgresDatabase.open({ url: pg.url });
      const { rows: parked } = await lot.query<{ id: string; component: string; case_id: string | null; key: string | null; value: Uint8Array; headers: Record<string, string>; error: { code: string }; held_behind: string | null }>(
        'SELECT id::text AS id, component, case_id, key, value, headers, error, held_behind::text AS held_behind FROM parked_messages ORDER BY id',
      );
      await lot.close();
      const poisonCaseRef = `${poison.organization}/${poison.caseId}`;
      const poisonRows = parked.filter((r) => r.error.code === 'VIEW.UNREADABLE_MESSAGE');
      if (poisonRows.length !== 1 || Buffer.from(poisonRows[0]!.value).toString() !== poison.value || poisonRows[0]!.case_id !== poisonCaseRef) {
        problems.push(`the poison message should be parked once by the views with its bytes, as ${poisonCaseRef}; parked: ${JSON.stringify(parked.map((r) => [r.component, r.case_id, r.error.code]))}`);
      }
      const heldBack = parked.filter((r) => poisonRows[0] && r.held_behind === poisonRows[0].id);
      for (const r of parked) {
        if (r !== poisonRows[0] && !heldBack.includes(r)) problems.push(`parked without cause: ${r.component} ${r.case_id} ${r.error.code}`);
        if (heldBack.includes(r) && r.case_id !== poisonCaseRef) problems.push(`held back behind the poison, yet of another view: ${r.case_id}`);
      }
      const heldBackIds = new Set(
        heldBack.map((r) => {
          const parsed = fromKafkaMessage({ value: Buffer.from(r.value), headers: r.headers });
          return 'error' in parsed ? '(unreadable)' : (parsed.document as CaseEventEnvelope).id;
        }),
      );
      if (poisonSeen === 0) problems.push('the poison message was never seen on its outbound topic');
      // Events of the poisoned case first delivered after the poison, in its partition: each must wait behind it.
      const firstDelivery = new Map<string, { partition: number; offset: bigint }>();
      for (const d of poisonCaseDeliveries) if (!firstDelivery.has(d.id)) firstDelivery.set(d.id, d);
      const afterPoison = [...firstDelivery].filter(([, d]) => poisonAt && d.partition === poisonAt.partition && d.offset > poisonAt.offset).map(([id]) => id);
      const notHeld = afterPoison.filter((id) => !heldBackIds.has(id));
      if (notHeld.length > 0) problems.push(`${notHeld.length} of the ${afterPoison.length} events of the poisoned case delivered after the poison were not held back behind it`);
      const partitionsOfCase = new Set(poisonCaseDeliveries.map((d) => d.partition));
      const storedAfter = events.filter((e) => e.streamId === `${CASE_STREAM_PREFIX}${poison.caseId}` && poisonProducedAt !== undefined && e.recordedAt.getTime() > poisonProducedAt).length;
      progress(
        `poison at partition ${poisonAt?.partition} offset ${poisonAt?.offset}, produced at ${poisonProducedAt === undefined ? '?' : new Date(poisonProducedAt).toISOString()}; its case's events on partitions ${[...partitionsOfCase].join(', ')}: ` +
          `${poisonCaseDeliveries.length} deliveries, ${storedAfter} stored after the poison was produced, ${afterPoison.length} delivered after it`,
      );

      const caseIds = [...new Set(events.map((e) => (e.data as unknown as CaseEventEnvelope).caseid))];
      for (const { org } of orgs) {
        const token = await org.token(['subscriber']);
        for (const caseId of caseIds) {
          const entitled = events.filter((e) => (e.data as unknown as CaseEventEnvelope).caseid === caseId && caseEventMetadata(e).audience.includes(org.id));
          let view: { status: number; body: { revision?: number; timeline?: Array<{ eventId: string }> } } | undefined;
          const poisoned = org.id === poison.organization && caseId === poison.caseId;
          // The poisoned view stops where the poison is: no revision to wait for.
          const wanted = entitled.length > 0 && !poisoned ? `?minRevision=${entitled.at(-1)!.revision}` : '';
          for (let attempt = 0; attempt < 10 && (!view || view.status >= 500); attempt++) {
            try {
              const response = await fetch(`${urlOf('views')}/cases/${caseId}${wanted}`, { headers: { authorization: `Bearer ${token}` } });
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
          if (poisoned) {
            // What came before the poison, in order; everything after it parked behind it, none lost.
            const prefix = JSON.stringify(seen) === JSON.stringify(expected.slice(0, seen.length));
            const missing = expected.slice(seen.length).filter((id) => !heldBackIds.has(id));
            if (view?.status !== 200 || !prefix || missing.length > 0) {
              problems.push(`${org.id}'s poisoned view of ${caseId} (${view?.status}) shows ${seen.length} of ${expected.length} events${prefix ? '' : ' out of order'}; ${missing.length} of the rest are neither shown nor parked behind the poison`);
            }
            continue;
          }
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
        parked: `${poisonRows.length} poison, ${heldBack.length} held back behind it (${afterPoison.length} of its case's events came after it)`,
      casesOnSeveralPartitions: [...partitionsOf.values()].filter((p) => p.size > 1).length,
      kafkaNodes: profile.kafkaNodes,
      instancesOfEach: copies,
        kafkaRestarts: counts.kafkaRestarts,
        brokerKills: counts.brokerKills,
        postgresRestarts: counts.postgresRestarts,
        verdict: problems.length === 0 ? 'every promise kept' : `${problems.length} problem(s)`,
      };
      process.stdout.write(`\nfault injection report\n${Object.entries(summary).map(([k, v]) => `  ${k.padEnd(20)} ${v}`).join('\n')}\n`);
      expect(problems.slice(0, 20)).toEqual([]);
      expect(rejected).toBeGreaterThan(0);
      expect(accepted).toBeGreaterThan(counts.sent / 2);
    });
  });
}

async function readAll(store: SqlEventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (let page = await store.readAll({ limit: 1_000, filter: { streamPrefix: 'case-' } }); page.length > 0; page = await store.readAll({ fromPosition: page.at(-1)!.position, limit: 1_000, filter: { streamPrefix: 'case-' } })) all.push(...page);
  return all;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, explain?: () => string | Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${explain ? `: ${await Promise.resolve().then(explain).catch((err: unknown) => `(could not say more: ${String(err)})`)}` : ''}`);
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

async function produceRaw(kafka: PrivateKafka, topic: string, message: { key: string; value: string; partition?: number }): Promise<void> {
  const producer = rawKafkaClient(kafka, 'faults-poison').producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [message] });
  } finally {
    await producer.disconnect();
  }
}

/** Where (partition@offset) the topic holds a message whose value carries `eventId`. */
async function findOnTopic(kafka: PrivateKafka, topic: string, eventId: string): Promise<string[]> {
  const read = await readTopicToEnd(rawKafkaClient(kafka, 'faults-search'), topic);
  return read.filter((m) => m.value.includes(eventId)).map((m) => `${m.partition}@${m.offset}`);
}

/** The node leading most partitions of the organizations' inbound, outbound and receipts topics. */
async function busiestLeader(kafka: PrivateKafka, organizations: string[]): Promise<{ id: number; partitions: number }> {
  const admin = rawKafkaClient(kafka, 'faults-leaders').admin();
  await admin.connect();
  try {
    const topics = organizations.flatMap((o) => [inboundTopic(o), outboundTopic(o), receiptsTopic(o)]);
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
    const led = new Map<number, number>();
    for (const topic of metadata) for (const p of topic.partitions) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
    const [id, partitions] = [...led.entries()].sort((a, b) => b[1] - a[1])[0]!;
    return { id, partitions };
  } finally {
    await admin.disconnect();
  }
}
