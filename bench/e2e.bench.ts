import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { HUB_ADMIN_PRINCIPAL, inboundTopic, outboundTopic } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { KafkaBus, kafkaClient, type KafkaClient, type OutgoingMessage } from '@passerelle/messaging';
import { HubKeyRing } from '@passerelle/identity';
import { admitTestOrganization, caseEvent, grantHubServices, inboundMessage, kafkaConnectionAs, kafkaEnvironment, provideKafka, type ProvidedKafka, type TestOrganization } from '@passerelle/testing';
import type { Infrastructure } from './infrastructure';
import { comparedFigure, median, percentile, type Figure, type Measured } from './measure';

const ROOT = join(__dirname, '..', '..');
const CASES_PER_ORG = 100;
const SUSTAINED_S = 60;
const WARMUP_S = 5;
const LATENCY_S = 20;
/** The soak's steady rate. */
const LATENCY_RATE = 1_000;
/**
 * Latency is measured at this share of the same run's raw-pipe capacity: a fixed rate would
 * measure queueing on a machine slow enough for it to be near either side's capacity.
 */
const LATENCY_SHARE = 0.3;
const LATENCY_WARMUP_S = 5;
/** Produced but not yet delivered: the producer waits above this, so it runs at the pipeline's pace. */
const MAX_IN_FLIGHT = 20_000;
const SEND_BATCH = 200;

interface Org {
  org: TestOrganization;
  token: string;
  cases: string[];
}

/**
 * Inbound produce → outbound delivery through the ledger and the relay, each its own process,
 * on the real broker and PostgreSQL; three organizations, each owning cases shared with the
 * next, so every event is delivered to two outbound topics. Sustained throughput over 60 s,
 * latency at a fixed 1k events/s, the processes' memory — against a raw kafkajs pipe copying
 * the same messages to the same topics, in the same run.
 */
/** Ledger and relay as processes on the real broker, three organizations with 300 shared cases. */
export async function stack(infra: Infrastructure, broker?: ProvidedKafka, extraEnv: Record<string, string> = {}) {
  const kafka = broker ?? (await infra.kafkaBroker());
  const url = await infra.database();
  const db = await PostgresDatabase.open({ url });
  const orgs: Org[] = [];
  for (let i = 0; i < 3; i++) {
    const org = await admitTestOrganization(db, ['publisher', 'subscriber']);
    orgs.push({ org, token: await org.token(['publisher'], 3_600), cases: Array.from({ length: CASES_PER_ORG }, () => `case-${randomUUID().slice(0, 13)}`) });
  }
  await db.close();
  const bus = new KafkaBus(kafkaConnectionAs(kafka, undefined, 'bench-e2e'));
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  await grantHubServices(prefix, kafka);
  const env = { ...kafkaEnvironment(kafka), DATABASE_URL: url, PASSERELLE_GROUP_PREFIX: prefix, LOG_LEVEL: 'info', PASSERELLE_CHECKPOINT_INTERVAL: '0', ...extraEnv };
  const counter = new DeliveryCounter();
  await bus.ensureTopics(orgs.flatMap(({ org }) => [inboundTopic(org.id), outboundTopic(org.id)]));
  await bus.subscribe({ groupId: `${prefix}-count`, topics: orgs.map(({ org }) => outboundTopic(org.id)), fromBeginning: false, handleBatch: async (messages) => counter.seen(messages.map((m) => m.value)) });
  const ledger = await start('ledger', env);
  const relay = await start('relay', env);
  // Each organization opens its cases, invites the next one and shares case and service with it.
  process.stderr.write('bench: e2e: opening and sharing 300 cases…\n');
  const setup: Array<Promise<void>> = [];
  for (const [i, owner] of orgs.entries()) {
    const guest = orgs[(i + 1) % orgs.length]!.org.id;
    const messages: OutgoingMessage[] = [];
    for (const caseId of owner.cases) {
      messages.push(await message(owner, caseId, 'CaseOpened', { owner: owner.org.id, citizen: 'cit-1', title: 'Bench', openedAt: new Date().toISOString() }));
      messages.push(await message(owner, caseId, 'ParticipantInvited', { organization: guest, role: 'contributor', invitedBy: owner.org.id, reason: 'bench' }));
      messages.push(await message(owner, caseId, 'AccessGranted', { organization: guest, categories: ['case', 'service', 'appointments'], purpose: 'bench', grantedBy: owner.org.id }));
    }
    setup.push(bus.publish(inboundTopic(owner.org.id), messages));
  }
  await Promise.all(setup);
  // CaseOpened reaches the owner; the invitation and the grant reach both.
  await counter.waitFor(orgs.length * CASES_PER_ORG * 5, 120_000);
  return { kafka, bus, prefix, orgs, counter, ledger, relay, env };
}

export async function e2eBenchmark(infra: Infrastructure): Promise<Figure[]> {
  const { kafka, bus, prefix, orgs, counter, ledger, relay, env } = await stack(infra);
  const figures: Figure[] = [];
  const restarted: Started[] = [];
  try {
    const ours = await sustained(bus, orgs, counter, [ledger.child, relay.child]);
    await stop(ledger);
    await stop(relay);

    // The raw pipe first, for its capacity: latency is then measured on both at a share of it.
    const pipe = await startRawPipe(kafka, prefix, orgs);
    let raw: Awaited<ReturnType<typeof sustained>>;
    let rate: number;
    let rawLatency: Awaited<ReturnType<typeof latency>>;
    try {
      raw = await sustained(bus, orgs, counter, [pipe]);
      rate = Math.max(100, Math.round((LATENCY_SHARE * raw.rate) / 100) * 100);
      await latency(bus, orgs, counter, rate, LATENCY_WARMUP_S);
      rawLatency = await latency(bus, orgs, counter, rate);
    } finally {
      pipe.kill('SIGTERM');
    }
    // What the pipe copied is not the hub's to record: its ledger starts after it, at the end of the inbound topics.
    await skipToEnd(kafka, `${prefix}-ledger`, orgs.map(({ org }) => inboundTopic(org.id)));
    restarted.push(await start('ledger', env), await start('relay', env));
    await latency(bus, orgs, counter, rate, LATENCY_WARMUP_S);
    const oursLatency = await latency(bus, orgs, counter, rate);

    figures.push({
      benchmark: 'e2e inbound → outbound, ledger + relay',
      unit: 'events/s',
      value: ours.rate,
      rounds: ours.perSecond,
      baseline: { name: 'raw kafkajs consume→produce pipe', value: raw.rate, rounds: raw.perSecond },
      ratio: ours.rate / raw.rate,
      goal: { ratio: 0.6 },
      note: `sustained ${SUSTAINED_S} s; 3 organizations, each event to 2 outbound topics; goal also ≥ 5,000 events/s`,
    });
    figures.push({ benchmark: 'e2e sustained, absolute', unit: 'events/s', value: ours.rate, rounds: ours.perSecond, goal: { value: 5_000 } });
    const at = `at ${rate.toLocaleString('en-US')}/s (${LATENCY_SHARE * 100}% of the raw pipe's capacity)`;
    figures.push({
      benchmark: `e2e latency p50 ${at}`,
      unit: 'ms',
      value: oursLatency.p50,
      rounds: [oursLatency.p50],
      baseline: { name: 'raw pipe p50', value: rawLatency.p50, rounds: [rawLatency.p50] },
      ratio: oursLatency.p50 / rawLatency.p50,
    });
    figures.push({
      benchmark: `e2e latency p99 ${at}`,
      unit: 'ms',
      value: oursLatency.p99,
      rounds: [oursLatency.p99],
      baseline: { name: 'raw pipe p99', value: rawLatency.p99, rounds: [rawLatency.p99] },
      ratio: oursLatency.p99 / rawLatency.p99,
      goal: { ratio: 1.25, lowerIsBetter: true },
      note: `produce to first outbound delivery, ${LATENCY_S} s after ${LATENCY_WARMUP_S} s at the same rate; the hub restarted after the raw pipe's run`,
    });
    figures.push({
      benchmark: 'e2e RSS growth, ledger + relay',
      unit: '%',
      value: ours.rssGrowthPercent,
      rounds: [ours.rssGrowthPercent],
      goal: { value: 10, lowerIsBetter: true },
      note: `ledger + relay RSS ${ours.rssStartMb.toFixed(0)} MB after the warm-up → ${ours.rssEndMb.toFixed(0)} MB at the end of the full-speed run (see the soak for a steady rate)`,
    });
    figures.push(await securedVersusPlaintext(infra, ours));
  } finally {
    await Promise.allSettled([stop(ledger), stop(relay), ...restarted.map(stop)]);
    await bus.close();
  }
  return figures;
}

/** Moves a stopped consumer group to the end of these topics: it starts again with nothing behind it. */
async function skipToEnd(kafka: ProvidedKafka, groupId: string, topics: string[]): Promise<void> {
  const admin = kafkaClient(kafkaConnectionAs(kafka, undefined, 'bench-e2e-admin')).admin();
  await admin.connect();
  try {
    // Explicit end offsets: kafkajs' resetOffsets commits -1, which a subscriber reads as "no
    // position" and, starting from the beginning, would record the whole backlog.
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * The price of the secured path: the same stack and load on a second broker started with
 * the unsafe --plaintext listener (no TLS, no tokens, no ACLs), in the same run.
 */
async function securedVersusPlaintext(infra: Infrastructure, secured: Measured): Promise<Figure> {
  process.stderr.write('bench: e2e: the same on a plaintext broker, for the secured-vs-plaintext figure…\n');
  const plaintext = await provideKafka({ plaintext: true });
  try {
    const { bus, orgs, counter, ledger, relay } = await stack(infra, plaintext);
    try {
      const plain = await sustained(bus, orgs, counter, [ledger.child, relay.child]);
      return {
        benchmark: 'e2e secured vs plaintext, same run',
        unit: 'events/s',
        value: secured.rate,
        rounds: secured.perSecond,
        baseline: { name: 'the same stack on a plaintext broker', value: plain.rate, rounds: plain.perSecond },
        ratio: secured.rate / plain.rate,
        goal: { ratio: 0.9 },
        note: 'SASL_SSL + OAUTHBEARER + ACLs against PLAINTEXT with no authentication, same machine, same load',
      };
    } finally {
      await Promise.allSettled([stop(ledger), stop(relay)]);
      await bus.close();
    }
  } finally {
    await plaintext.stop();
  }
}

/**
 * What observability costs: two ledger + relay stacks side by side on the same broker and
 * database, one with tracing off and nobody scraping, one with every event traced (sampler
 * always_on, OTLP/HTTP protobuf to a local collector that accepts and drops) and both
 * processes' /metrics scraped every second — loaded in alternating rounds, so the machine's
 * drift lands on both alike. Goal ≥ 0.95×. The metric instruments themselves are in both
 * (they cannot be switched off; a counter costs nanoseconds).
 */
export async function observabilityBenchmark(infra: Infrastructure): Promise<Figure[]> {
  const plain = await stack(infra);
  const collector = await nullCollector();
  const observed = await stack(infra, undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_TRACES_SAMPLER: 'always_on' });
  const scraping = setInterval(() => {
    for (const target of [observed.ledger, observed.relay]) void fetch(`${target.url}/metrics`).then((r) => r.text(), () => undefined);
  }, 1_000);
  try {
    process.stderr.write('bench: observability: alternating rounds, tracing off and not scraped / every event traced and /metrics scraped every second…\n');
    const [without, withIt] = await alternating([
      { name: 'tracing off', run: (seconds) => sustained(plain.bus, plain.orgs, plain.counter, [plain.ledger.child, plain.relay.child], serviceMessage, seconds) },
      { name: 'traced and scraped', run: (seconds) => sustained(observed.bus, observed.orgs, observed.counter, [observed.ledger.child, observed.relay.child], serviceMessage, seconds) },
    ]);
    return [
      comparedFigure('e2e with traces and metrics scraped, ledger + relay', withIt!, 'tracing off, not scraped', without!, `${ROUNDS} alternating rounds of ${roundSeconds()} s each; sampler always_on; the collector received ${collector.spans()} span batches`, { ratio: 0.95 }),
    ];
  } finally {
    clearInterval(scraping);
    await Promise.allSettled([stop(plain.ledger), stop(plain.relay), stop(observed.ledger), stop(observed.relay)]);
    await Promise.allSettled([plain.bus.close(), observed.bus.close()]);
    await collector.close();
  }
}

/** Rounds of each variant in an A/B comparison, after one warm-up round of each that is not counted. */
const ROUNDS = 4;
/** `PASSERELLE_BENCH_QUICK=1`: 5-second rounds, to check the bench itself. */
const roundSeconds = () => (process.env.PASSERELLE_BENCH_QUICK === '1' ? 5 : SUSTAINED_S / ROUNDS);

/**
 * Runs the variants in turn, round after round (A B A B …), after a warm-up round of each:
 * whichever ran first no longer pays the stack's warm-up, and a machine that speeds up or
 * slows down over the minutes lands on every variant alike. Each variant's per-second rates
 * over all its rounds, and their median.
 */
async function alternating(variants: ReadonlyArray<{ name: string; run: (seconds: number) => Promise<{ perSecond: number[] }> }>): Promise<Measured[]> {
  for (const variant of variants) {
    process.stderr.write(`bench: warm-up round: ${variant.name}\n`);
    await variant.run(roundSeconds());
  }
  const perSecond = variants.map(() => [] as number[]);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, variant] of variants.entries()) {
      process.stderr.write(`bench: round ${round} of ${ROUNDS}: ${variant.name}\n`);
      perSecond[i]!.push(...(await variant.run(roundSeconds())).perSecond);
    }
  }
  return perSecond.map((rounds) => ({ rate: median(rounds), perSecond: rounds }));
}

/** An OTLP/HTTP endpoint that accepts every export and keeps nothing. */
async function nullCollector(): Promise<{ url: string; spans: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans: () => received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * The soak: a steady 1,000 events/s for 10 minutes (PASSERELLE_SOAK_SECONDS) through the same
 * stack. The ledger's and the relay's memory, and the backlog (produced but not delivered),
 * sampled every 10 s: memory must level off and the backlog must not grow. Not part of the
 * default run (it alone takes the suite's 10 minutes): npm run bench -- soak.
 */
export async function soakBenchmark(infra: Infrastructure): Promise<Figure[]> {
  const seconds = Number(process.env.PASSERELLE_SOAK_SECONDS ?? 600);
  const { bus, orgs, counter, ledger, relay } = await stack(infra);
  try {
    process.stderr.write(`bench: soak: ${seconds} s at ${LATENCY_RATE} events/s…\n`);
    const base = counter.delivered;
    let produced = 0;
    const samples: Array<{ at: number; rssMb: number; backlog: number }> = [];
    const started = Date.now();
    const sampler = setInterval(() => {
      samples.push({ at: (Date.now() - started) / 1000, rssMb: (rss(ledger.child) + rss(relay.child)) / 1024, backlog: produced - (counter.delivered - base) / 2 });
      const last = samples.at(-1)!;
      process.stderr.write(`bench: soak: ${last.at.toFixed(0)} s, RSS ${last.rssMb.toFixed(0)} MB, backlog ${last.backlog.toFixed(0)}\n`);
    }, 10_000);
    const perTick = LATENCY_RATE / 100;
    for (let tick = 0, n = 0; Date.now() - started < seconds * 1000; tick++) {
      const owner = orgs[tick % orgs.length]!;
      const batch: OutgoingMessage[] = [];
      for (let i = 0; i < perTick; i++) batch.push(await serviceMessage(owner, n++));
      await bus.publish(inboundTopic(owner.org.id), batch);
      produced += perTick;
      const wait = started + (tick + 1) * 10 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    clearInterval(sampler);
    // After the first minute (start-up, JIT, caches filling), memory should level off.
    const settled = samples.filter((s) => s.at >= 60);
    const from = settled[0] ?? samples[0]!;
    const to = samples.at(-1)!;
    const early = median(settled.slice(0, 6).map((s) => s.backlog));
    const late = median(samples.slice(-6).map((s) => s.backlog));
    return [
      {
        benchmark: `soak RSS growth, ${seconds} s at ${LATENCY_RATE}/s`,
        unit: '%',
        value: ((to.rssMb - from.rssMb) / from.rssMb) * 100,
        rounds: samples.map((s) => s.rssMb),
        goal: { value: 10, lowerIsBetter: true },
        note: `ledger + relay RSS ${from.rssMb.toFixed(0)} MB at ${from.at.toFixed(0)} s → ${to.rssMb.toFixed(0)} MB at ${to.at.toFixed(0)} s (samples every 10 s in latest.json)`,
      },
      {
        benchmark: 'soak backlog, last minute',
        unit: 'events',
        value: late,
        rounds: samples.map((s) => s.backlog),
        baseline: { name: 'backlog after the first minute', value: early, rounds: [early] },
        note: 'produced but not yet delivered to every outbound topic; a backlog that does not grow means the hub keeps up',
      },
    ];
  } finally {
    await Promise.allSettled([stop(ledger), stop(relay)]);
    await bus.close();
  }
}

/** Produces as fast as the pipeline drains, for SUSTAINED_S; delivered events per second. */
export async function sustained(bus: KafkaBus, orgs: Org[], counter: DeliveryCounter, processes: ChildProcess[], next: (owner: Org, n: number) => Promise<OutgoingMessage> = serviceMessage, seconds = SUSTAINED_S) {
  process.stderr.write(`bench: e2e: ${WARMUP_S + seconds} s at full speed…\n`);
  let rssStart = 0;
  const perSecond: number[] = [];
  const base = counter.delivered;
  let produced = 0;
  const inFlight = () => produced - (counter.delivered - base) / 2;
  const started = Date.now();
  let lastCount = counter.delivered;
  let lastTick = started;
  let running = true;
  const producing = (async () => {
    for (let n = 0; running; ) {
      if (inFlight() > MAX_IN_FLIGHT) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const owner = orgs[(n / SEND_BATCH) % orgs.length]!;
      const batch: OutgoingMessage[] = [];
      for (let i = 0; i < SEND_BATCH; i++) batch.push(await next(owner, n++));
      produced += SEND_BATCH;
      await bus.publish(inboundTopic(owner.org.id), batch);
    }
  })();
  while (Date.now() - started < (WARMUP_S + seconds) * 1000) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = Date.now();
    if (now - started > WARMUP_S * 1000) {
      // Memory from the end of the warm-up on: start-up and the first caches are not growth.
      if (perSecond.length === 0) rssStart = processes.reduce((sum, p) => sum + rss(p), 0);
      perSecond.push(((counter.delivered - lastCount) / 2) * (1000 / (now - lastTick)));
    }
    lastCount = counter.delivered;
    lastTick = now;
  }
  running = false;
  await producing;
  const rssEnd = processes.reduce((sum, p) => sum + rss(p), 0);
  // Let the backlog drain before the next measurement.
  await settle(counter);
  return { rate: median(perSecond), perSecond, rssStartMb: rssStart / 1024, rssEndMb: rssEnd / 1024, rssGrowthPercent: ((rssEnd - rssStart) / rssStart) * 100 };
}

/** Events at a fixed rate for LATENCY_S; produce-to-delivery latency, first delivery of each. */
async function latency(bus: KafkaBus, orgs: Org[], counter: DeliveryCounter, rate: number, seconds = LATENCY_S) {
  process.stderr.write(`bench: e2e: ${seconds} s at ${rate} events/s…\n`);
  const latencies: number[] = [];
  counter.onEvent = (id, at) => {
    const sent = counter.sentAt.get(id);
    if (sent !== undefined) {
      latencies.push(at - sent);
      counter.sentAt.delete(id);
    }
  };
  const perTick = rate / 100;
  const started = Date.now();
  let n = 1_000_000 + Math.floor(Math.random() * 1_000_000);
  for (let tick = 0; Date.now() - started < seconds * 1000; tick++) {
    const owner = orgs[tick % orgs.length]!;
    const batch: OutgoingMessage[] = [];
    const ids: string[] = [];
    for (let i = 0; i < perTick; i++) {
      const m = await serviceMessage(owner, n++);
      batch.push(m);
      ids.push(JSON.parse(String(m.value)).id as string);
    }
    const sentAt = Date.now();
    for (const id of ids) counter.sentAt.set(id, sentAt);
    await bus.publish(inboundTopic(owner.org.id), batch);
    const wait = started + (tick + 1) * 10 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await settle(counter);
  counter.onEvent = undefined;
  counter.sentAt.clear();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function settle(counter: DeliveryCounter): Promise<void> {
  for (let last = -1; last !== counter.delivered; ) {
    last = counter.delivered;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

class DeliveryCounter {
  delivered = 0;
  readonly sentAt = new Map<string, number>();
  onEvent: ((id: string, at: number) => void) | undefined;
  private waiting: { count: number; resolve: () => void } | undefined;

  seen(values: Buffer[]): void {
    const now = Date.now();
    this.delivered += values.length;
    if (this.onEvent) for (const v of values) this.onEvent((JSON.parse(v.toString('utf8')) as { id: string }).id, now);
    if (this.waiting && this.delivered >= this.waiting.count) this.waiting.resolve();
  }

  waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.delivered >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.delivered} of ${count} deliveries after ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiting = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }
}

/** A signed envelope of the catalog, as its publisher sends it (libs/testing builds both). */
async function message(owner: Org, caseId: string, name: string, data: Record<string, unknown>): Promise<OutgoingMessage> {
  return inboundMessage(owner.org, await caseEvent(owner.org.id, caseId, name, data, { actor: 'agent-bench' }), { token: owner.token });
}

/**
 * The cost of sealing personal fields at ingest (docs/privacy.md): one stack, two loads of
 * envelopes of about the same size, each delivered to two organizations, in alternating
 * rounds — ServiceRequested, whose 200-character `description` is personal and sealed with
 * the citizen's data key, against AppointmentScheduled, whose 200-character `location` is not.
 */
export async function sealingBenchmark(infra: Infrastructure): Promise<Figure[]> {
  const { bus, orgs, counter, ledger, relay } = await stack(infra);
  try {
    const processes = [ledger.child, relay.child];
    const [sealed, plain] = await alternating([
      { name: 'personal fields sealed', run: (seconds) => sustained(bus, orgs, counter, processes, sealedMessage, seconds) },
      { name: 'no personal field', run: (seconds) => sustained(bus, orgs, counter, processes, plainMessage, seconds) },
    ]);
    return [
      comparedFigure('e2e with personal fields sealed vs none, same run', sealed!, 'the same stack, events with no personal field', plain!, `${ROUNDS} alternating rounds of ${roundSeconds()} s each; one AES-256-GCM field per event, the citizen's key looked up once per batch`, { ratio: 0.9 }),
    ];
  } finally {
    await Promise.allSettled([stop(ledger), stop(relay)]);
    await bus.close();
  }
}

/**
 * kafkajs against @platformatic/kafka (issue 17), in one run on one broker: the two raw pipes
 * on the same topics and load, then the ledger + relay stack on each client
 * (PASSERELLE_KAFKA_CLIENT), the load still produced and counted through kafkajs so that only
 * the hub's client changes. `PASSERELLE_BENCH_QUICK=1` runs 5 s of each, to check the bench itself.
 */
export async function kafkaClientsBenchmark(infra: Infrastructure): Promise<Figure[]> {
  const stacks = { kafkajs: await stack(infra, undefined, { PASSERELLE_KAFKA_CLIENT: 'kafkajs' }), platformatic: await stack(infra, undefined, { PASSERELLE_KAFKA_CLIENT: 'platformatic' }) };
  const onStack = (client: KafkaClient) => (seconds: number) => {
    const { bus, orgs, counter, ledger, relay } = stacks[client];
    return sustained(bus, orgs, counter, [ledger.child, relay.child], serviceMessage, seconds);
  };
  // The raw pipes take the kafkajs stack's topics once its hub is stopped, one pipe at a time.
  const onPipe = (client: KafkaClient) => async (seconds: number) => {
    const { kafka, bus, prefix, orgs, counter } = stacks.kafkajs;
    const pipe = await startRawPipe(kafka, prefix, orgs, client);
    try {
      return await sustained(bus, orgs, counter, [pipe], serviceMessage, seconds);
    } finally {
      pipe.kill('SIGTERM');
    }
  };
  try {
    process.stderr.write('bench: kafka-clients: the stack on kafkajs and on @platformatic/kafka, alternating…\n');
    const [stackKafkajs, stackPlatformatic] = await alternating([
      { name: 'stack on kafkajs', run: onStack('kafkajs') },
      { name: 'stack on @platformatic/kafka', run: onStack('platformatic') },
    ]);
    await Promise.allSettled(Object.values(stacks).flatMap((s) => [stop(s.ledger), stop(s.relay)]));
    process.stderr.write('bench: kafka-clients: the raw pipe on kafkajs and on @platformatic/kafka, alternating…\n');
    const [rawKafkajs, rawPlatformatic] = await alternating([
      { name: 'raw pipe on kafkajs', run: onPipe('kafkajs') },
      { name: 'raw pipe on @platformatic/kafka', run: onPipe('platformatic') },
    ]);
    return [
      comparedFigure('raw consume→produce pipe on @platformatic/kafka', rawPlatformatic!, 'raw kafkajs pipe', rawKafkajs!, `${ROUNDS} alternating rounds of ${roundSeconds()} s each; the same topics and load`),
      comparedFigure('e2e ledger + relay on @platformatic/kafka (PASSERELLE_KAFKA_CLIENT=platformatic)', stackPlatformatic!, 'the same stack on kafkajs', stackKafkajs!, `${ROUNDS} alternating rounds of ${roundSeconds()} s each; load produced and counted through kafkajs in both`),
    ];
  } finally {
    await Promise.allSettled(Object.values(stacks).flatMap((s) => [stop(s.ledger), stop(s.relay)]));
    await Promise.allSettled(Object.values(stacks).map((s) => s.bus.close()));
  }
}

function sealedMessage(owner: Org, n: number): Promise<OutgoingMessage> {
  const caseId = owner.cases[n % owner.cases.length]!;
  return message(owner, caseId, 'ServiceRequested', { service: `svc-${n}`, description: 'x'.repeat(200), requestedAt: new Date().toISOString(), provider: owner.org.id });
}

function plainMessage(owner: Org, n: number): Promise<OutgoingMessage> {
  const caseId = owner.cases[n % owner.cases.length]!;
  return message(owner, caseId, 'AppointmentScheduled', { appointmentId: `apt-${n}`, at: new Date().toISOString(), durationMinutes: 30, channel: 'counter', location: 'x'.repeat(200), with: owner.org.id });
}

function serviceMessage(owner: Org, n: number): Promise<OutgoingMessage> {
  const caseId = owner.cases[n % owner.cases.length]!;
  return message(owner, caseId, 'ServiceRequested', { service: `svc-${n}`, description: 'x'.repeat(600), requestedAt: new Date().toISOString(), provider: owner.org.id });
}

export interface Started {
  child: ChildProcess;
  exited: Promise<void>;
  /** Where it serves HTTP (/metrics), from its "listening" line. */
  url: string;
}

/**
 * `PASSERELLE_BENCH_CPU_PROF=<dir>`: each service writes a V8 CPU profile there when it stops
 * (`--cpu-prof`; open it in Chrome DevTools or summarise it with `node scripts/cpu-profile.mjs`).
 */
const CPU_PROF_DIR = process.env.PASSERELLE_BENCH_CPU_PROF;

export async function start(app: string, env: Record<string, string>): Promise<Started> {
  const profiling = CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`, `--cpu-prof-name=${app}-${Date.now()}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...profiling, join(ROOT, `dist/apps/${app}/src/main.js`)], { env: { PATH: process.env.PATH, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let url = '';
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const listening = /"url":"([^"]+)"[^\n]*listening on/.exec(out);
      if (listening) {
        url = listening[1]!;
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', () => reject(new Error(`${app} ended before listening: ${err}`)));
  });
  child.stdout!.resume();
  return { child, exited, url };
}

export async function stop(target: Started): Promise<void> {
  if (target.child.exitCode !== null) return;
  target.child.kill('SIGTERM');
  await target.exited;
}

/** The raw pipe on `client`: raw-pipe.ts (kafkajs) or raw-pipe-platformatic.ts, each with its own group. */
async function startRawPipe(kafka: ProvidedKafka, prefix: string, orgs: Org[], client: KafkaClient = 'kafkajs'): Promise<ChildProcess> {
  // Same transport as the hub: TLS and a hub-signed token (the super user's: a baseline
  // measures transport, not ACLs), valid for the whole run.
  const security: Record<string, string> =
    kafka.security.kind === 'sasl_ssl'
      ? { RAW_PIPE_CA_FILE: kafka.security.caFile, RAW_PIPE_TOKEN: (await HubKeyRing.open(kafka.security.issuerKeys).mint(HUB_ADMIN_PRINCIPAL, 3_600)).value }
      : {};
  const child = spawn(
    process.execPath,
    [join(ROOT, RAW_PIPES[client]), kafka.brokers.join(','), `${prefix}-raw-${client}`, orgs.map((o) => inboundTopic(o.org.id)).join(','), ...orgs.map((o) => outboundTopic(o.org.id))],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...security } },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the raw pipe ended (${code})`)));
  });
  return child;
}

const RAW_PIPES: Record<KafkaClient, string> = { kafkajs: 'dist/bench/raw-pipe.js', platformatic: 'dist/bench/raw-pipe-platformatic.js' };

/** Resident memory of a process, in KiB. */
function rss(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}
