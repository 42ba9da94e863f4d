import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { runTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, type TestOrganization } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ALL_COMPONENTS } from '../apps/hub/src/components';
import { median, type Figure } from './measure';

/** Clients, and how many events each publishes per round. */
const SHAPES: ReadonlyArray<readonly [clients: number, perClient: number]> = [
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
 * HTTP publishing through the gateway on the embedded hub (PGlite in memory, in-process bus,
 * every component in one process, as `npm start` runs it): each client publishes signed events
 * to its own case, one at a time, and waits for the synchronous receipt (201). Receipted events
 * per second, and the latency of each publish, for 1, 8 and 64 concurrent clients. Beside each,
 * the same clients asking the same server for /health/live: the HTTP floor of this process.
 * Envelopes are signed and the token minted before the clock starts; the token is one per
 * client, as a real publisher reuses its token.
 */
export function httpBenchmark(): Promise<Figure[]> {
  return httpPublishing(SHAPES, ROUNDS);
}

/** The same with other shapes and rounds (for profiling one shape). */
export async function httpPublishing(shapes: ReadonlyArray<readonly [clients: number, perClient: number]>, rounds: number): Promise<Figure[]> {
  const hub = await runTarget('hub', ALL_COMPONENTS, { PASSERELLE_DATA_DIR: 'memory://', PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_DEMO_FEDERATION: 'off' });
  const figures: Figure[] = [];
  try {
    const db = hub.app.get<SqlDatabase>(SQL_DATABASE);
    const org = await admitTestOrganization(db, ['publisher', 'subscriber']);
    const token = `Bearer ${await org.token(['publisher'], 3_600)}`;
    // The directory is refreshed every 2 s: wait until the hub knows the organization.
    for (const deadline = Date.now() + 30_000; ; ) {
      if ((await fetch(`${hub.url}/cases`, { headers: { authorization: `Bearer ${await org.token(['subscriber'])}` } })).status === 200) break;
      if (Date.now() > deadline) throw new Error('http bench: the hub never admitted the organization');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const publish = async (event: Signed) => {
      const response = await fetch(`${hub.url}/cases/${event.caseId}/events`, {
        method: 'POST',
        headers: { authorization: token, 'passerelle-signature': event.signature, 'content-type': 'application/json' },
        body: event.body,
      });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`http bench: publish answered ${response.status}: ${text.slice(0, 300)}`);
    };

    for (const [clients, perClient] of shapes) {
      const ours: number[] = [];
      const floor: number[] = [];
      const latencies: number[] = [];
      for (let round = 0; round < rounds + 1; round++) {
        // Each client its own case, opened before the clock starts; then its events, pre-signed.
        const work = await Promise.all(
          Array.from({ length: clients }, async () => {
            const caseId = `case-${randomUUID().slice(0, 13)}`;
            await publish(await signed(org, caseId, 'CaseOpened', { owner: org.id, citizen: 'cit-1', title: 'Bench', openedAt: new Date().toISOString() }));
            const events: Signed[] = [];
            for (let n = 0; n < perClient; n++) {
              events.push(await signed(org, caseId, 'ServiceRequested', { service: `svc-${n}`, description: 'x'.repeat(400), requestedAt: new Date().toISOString(), provider: org.id }));
            }
            return events;
          }),
        );
        const took: number[] = [];
        const start = performance.now();
        await Promise.all(
          work.map(async (events) => {
            for (const event of events) {
              const t0 = performance.now();
              await publish(event);
              took.push(performance.now() - t0);
            }
          }),
        );
        const rate = (clients * perClient) / ((performance.now() - start) / 1000);
        const floorStart = performance.now();
        await Promise.all(
          Array.from({ length: clients }, async () => {
            for (let n = 0; n < perClient; n++) await (await fetch(`${hub.url}/health/live`)).text();
          }),
        );
        const floorRate = (clients * perClient) / ((performance.now() - floorStart) / 1000);
        if (round === 0) continue; // warm-up
        ours.push(rate);
        floor.push(floorRate);
        latencies.push(...took);
      }
      const value = median(ours);
      const base = median(floor);
      const label = `${clients} client${clients > 1 ? 's' : ''}`;
      figures.push({
        benchmark: `http publish, embedded hub, ${label}`,
        unit: 'receipted events/s',
        value,
        rounds: ours,
        baseline: { name: 'GET /health/live, same clients', value: base, rounds: floor },
        ratio: value / base,
        goal: clients === 8 ? { value: GOAL_8_CLIENTS } : undefined,
        note: clients === 8 ? `goal: 10× the 70 receipted events/s measured before` : undefined,
      });
      latencies.sort((x, y) => x - y);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
      figures.push({ benchmark: `http publish latency p50, ${label}`, unit: 'ms', value: pct(50), rounds: [pct(50)] });
      figures.push({ benchmark: `http publish latency p99, ${label}`, unit: 'ms', value: pct(99), rounds: [pct(99)] });
    }
  } finally {
    await hub.app.close();
  }
  return figures;
}

async function signed(org: TestOrganization, caseId: string, type: string, data: Record<string, unknown>): Promise<Signed> {
  const envelope = await caseEvent(org.id, caseId, type, data);
  return { caseId, body: JSON.stringify(envelope), signature: await org.sign(envelope) };
}
