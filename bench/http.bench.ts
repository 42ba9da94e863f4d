import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { runTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, type TestOrganization } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ALL_COMPONENTS } from '../apps/hub/src/components';
import { stack, start, stop, sustained, type Started } from './e2e.bench';
import type { Infrastructure } from './infrastructure';
import { latencyFigures, median, type Figure } from './measure';
import { PGLITE_STATEMENTS, StatementTimer } from './pglite-statements';

/** Clients, and how many events each publishes per round. */
const SHAPES: readonly Shape[] = [
  [1, 300],
  [8, 150],
  [64, 30],
];
const ROUNDS = 3;
/** Today's figure (8 clients, embedded hub, before the receipt path was reworked) and the goal of 10× it. */
const GOAL_8_CLIENTS = 700;

interface Signed {
  caseId: string;
  body: string;
  signature: string;
}

/**
 * HTTP publishing through the gateway, each client publishing signed events to its own case,
 * one at a time, and waiting for the synchronous receipt (201): receipted events per second and
 * the latency of each publish, for 1, 8 and 64 concurrent clients. Envelopes are signed and the
 * token minted before the clock starts; the token is one per client, as a real publisher reuses
 * its token. Two places:
 * - the embedded hub (PGlite in memory, in-process bus, every component in one process, as
 *   `npm start` runs it), against the same clients asking the same server for /health/live;
 * - the stack: the gateway, the ledger and the relay as processes on the real broker (secured)
 *   and PostgreSQL, against the same stack's Kafka path (inbound produce → outbound delivery)
 *   measured in the same run.
 */
export async function httpBenchmark(infra: Infrastructure): Promise<Figure[]> {
  return [...(await httpPublishing(SHAPES, ROUNDS)), ...(await httpOnStack(infra))];
}

/** The embedded hub's figures with other shapes and rounds (for profiling one shape). */
export async function httpPublishing(shapes: readonly Shape[], rounds: number): Promise<Figure[]> {
  const timer = PGLITE_STATEMENTS ? StatementTimer.install() : undefined;
  const hub = await runTarget('hub', ALL_COMPONENTS, { PASSERELLE_DATA_DIR: 'memory://', PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_DEMO_FEDERATION: 'off' });
  const figures: Figure[] = [];
  try {
    const db = hub.app.get<SqlDatabase>(SQL_DATABASE);
    const org = await admitTestOrganization(db, ['publisher', 'subscriber']);
    const token = `Bearer ${await org.token(['publisher'], 3_600)}`;
    await untilAdmitted(hub.url, token);
    const publish = publisher(hub.url);
    for (const [clients, perClient] of shapes) {
      timer?.reset();
      const measured = await publishingRounds(hub.url, clients, perClient, rounds, () =>
        // Each client its own case, opened before the clock starts; then its events, pre-signed.
        Promise.all(
          Array.from({ length: clients }, async () => {
            const caseId = `case-${randomUUID().slice(0, 13)}`;
            await publish(token, await signed(org, caseId, 'CaseOpened', { owner: org.id, citizen: 'cit-1', title: 'Bench', openedAt: new Date().toISOString() }));
            const events: Signed[] = [];
            for (let n = 0; n < perClient; n++) events.push(await signed(org, caseId, 'ServiceRequested', serviceRequested(org.id, n)));
            return { token, events };
          }),
        ),
        timer,
      );
      if (timer) process.stderr.write(timer.report(`embedded hub, ${clientsLabel(clients)}, ${rounds} rounds`));
      figures.push(
        ...publishFigures(['embedded hub', 'embedded hub'], clients, measured, { name: 'GET /health/live, same clients', value: median(measured.floor), rounds: measured.floor }, {
          goal: clients === 8 ? { value: GOAL_8_CLIENTS } : undefined,
          note: clients === 8 ? `goal: 10× the 70 receipted events/s measured before` : undefined,
        }),
      );
    }
  } finally {
    await hub.app.close();
  }
  return figures;
}

/**
 * The gateway on the stack: the e2e benchmark's ledger + relay and three organizations with
 * their shared cases, and a gateway process beside them. Each client publishes to a case of its
 * own among those cases; the Kafka path is the same stack loaded through the inbound topics for
 * {@link KAFKA_PATH_S} s, just before.
 */
async function httpOnStack(infra: Infrastructure): Promise<Figure[]> {
  const { bus, orgs, counter, ledger, relay, env } = await stack(infra);
  let gateway: Started | undefined;
  try {
    gateway = await start('gateway', env);
    const processes = [ledger.child, relay.child, gateway.child];
    const tokens = orgs.map((o) => `Bearer ${o.token}`);
    for (const token of tokens) await untilAdmitted(gateway.url, token);
    process.stderr.write(`bench: http: the same stack's Kafka path for ${KAFKA_PATH_S} s…\n`);
    const kafkaPath = await sustained(bus, orgs, counter, processes, undefined, KAFKA_PATH_S);
    const figures: Figure[] = [];
    for (const [clients, perClient] of SHAPES) {
      process.stderr.write(`bench: http: ${clientsLabel(clients)} through the gateway on the stack…\n`);
      const measured = await publishingRounds(gateway.url, clients, perClient, ROUNDS, () =>
        Promise.all(
          Array.from({ length: clients }, async (_, i) => {
            const owner = orgs[i % orgs.length]!;
            const caseId = owner.cases[Math.floor(i / orgs.length) % owner.cases.length]!;
            const events: Signed[] = [];
            for (let n = 0; n < perClient; n++) events.push(await signed(owner.org, caseId, 'ServiceRequested', serviceRequested(owner.org.id, n)));
            return { token: tokens[i % orgs.length]!, events };
          }),
        ),
      );
      const kafkaBaseline = { name: 'the same stack through Kafka (inbound → outbound)', value: kafkaPath.rate, rounds: kafkaPath.perSecond };
      figures.push(
        ...publishFigures(['stack (gateway + ledger + relay on Kafka)', 'stack'], clients, measured, kafkaBaseline, {
          goal: clients === 64 ? { ratio: 0.5 } : undefined,
          note:
            clients === 64
              ? `the Kafka path: ${KAFKA_PATH_S} s at full speed, batches of 200, just before; /health/live on the gateway, same clients: ${median(measured.floor).toFixed(0)}/s`
              : undefined,
        }),
      );
    }
    return figures;
  } finally {
    await Promise.allSettled([stop(ledger), stop(relay), ...(gateway ? [stop(gateway)] : [])]);
    await bus.close();
  }
}

type Shape = readonly [clients: number, perClient: number];

/** The Kafka path's run on the stack, beside the HTTP figures. */
const KAFKA_PATH_S = 20;

/** Receipted events/s and the /health/live floor per measured round, and every publish's latency (ms). */
interface Rounds {
  rates: number[];
  floor: number[];
  latencies: number[];
}

interface ClientWork {
  token: string;
  events: Signed[];
}

/**
 * One warm-up round and `rounds` measured rounds of `clients` clients, each publishing its
 * events one at a time; after each round, the same clients asking for /health/live as often:
 * the HTTP floor of that server.
 */
async function publishingRounds(url: string, clients: number, perClient: number, rounds: number, prepare: () => Promise<ClientWork[]>, timer?: StatementTimer): Promise<Rounds> {
  const publish = publisher(url);
  const rates: number[] = [];
  const floor: number[] = [];
  const latencies: number[] = [];
  for (let round = 0; round < rounds + 1; round++) {
    const work = await prepare();
    const took: number[] = [];
    if (round > 0) timer?.resume();
    const start = performance.now();
    await Promise.all(
      work.map(async ({ token, events }) => {
        for (const event of events) {
          const t0 = performance.now();
          await publish(token, event);
          took.push(performance.now() - t0);
        }
      }),
    );
    const rate = (clients * perClient) / ((performance.now() - start) / 1000);
    timer?.pause();
    const floorStart = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let n = 0; n < perClient; n++) await (await fetch(`${url}/health/live`)).text();
      }),
    );
    const floorRate = (clients * perClient) / ((performance.now() - floorStart) / 1000);
    if (round === 0) continue; // warm-up
    rates.push(rate);
    floor.push(floorRate);
    latencies.push(...took);
  }
  return { rates, floor, latencies };
}

function publisher(url: string) {
  return async (token: string, event: Signed) => {
    const response = await fetch(`${url}/cases/${event.caseId}/events`, {
      method: 'POST',
      headers: { authorization: token, 'passerelle-signature': event.signature, 'content-type': 'application/json' },
      body: event.body,
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`http bench: publish answered ${response.status}: ${text.slice(0, 300)}`);
  };
}

/** The directory is refreshed every 2 s: waits until the server knows the token's organization. */
async function untilAdmitted(url: string, token: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; ; ) {
    if ((await fetch(`${url}/receipts`, { headers: { authorization: token } })).status === 200) return;
    if (Date.now() > deadline) throw new Error(`http bench: ${url} never admitted the organization`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A place's receipted events/s against its baseline, then its publish latencies. */
function publishFigures([place, short]: readonly [string, string], clients: number, measured: Rounds, baseline: NonNullable<Figure['baseline']>, extra: Pick<Figure, 'goal' | 'note'>): Figure[] {
  const label = clientsLabel(clients);
  const value = median(measured.rates);
  return [
    { benchmark: `http publish, ${place}, ${label}`, unit: 'receipted events/s', value, rounds: measured.rates, baseline, ratio: value / baseline.value, ...extra },
    ...latencyFigures(`http publish latency, ${short}, ${label}`, measured.latencies),
  ];
}

const clientsLabel = (clients: number) => `${clients} client${clients > 1 ? 's' : ''}`;

const serviceRequested = (provider: string, n: number) => ({ service: `svc-${n}`, description: 'x'.repeat(400), requestedAt: new Date().toISOString(), provider });

async function signed(org: TestOrganization, caseId: string, type: string, data: Record<string, unknown>): Promise<Signed> {
  const envelope = await caseEvent(org.id, caseId, type, data);
  return { caseId, body: JSON.stringify(envelope), signature: await org.sign(envelope) };
}
