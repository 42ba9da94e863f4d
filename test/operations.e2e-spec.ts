import type { CaseEventEnvelope } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { admitTestOrganization, caseEvent, createScratchDatabase, testKafkaConnection, testKafkaEnv, testOperationsTools, type ScratchDatabase, type TestOrganization } from '@passerelle/testing';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { generateOrganizationKey } from '@passerelle/identity';
import { KafkaBus, type IncomingMessage } from '@passerelle/messaging';
import { startOtlpReceiver, type OtlpReceiver } from './support/otlp-receiver';
import { exportedNames, freePort, metricsIn, startPrometheus, type RunningPrometheus } from './support/prometheus';
import { listeningUrl, spawnTarget, terminate, type TargetProcess } from './support/target-process';

/** promtool with `input` on its standard input: its exit code and what it printed. */
function promtool(args: string[], input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(testOperationsTools().promtool, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}
const ROOT = resolve(__dirname, '..');

/**
 * What an operator monitors, on a hub running every component on the real broker and
 * PostgreSQL: /metrics passes promtool, a real Prometheus scrapes it, and the alert rules and
 * the dashboard read only metrics the hub exports.
 */
describe('operations: metrics a real Prometheus scrapes, traces across Kafka', () => {
  let scratch: ScratchDatabase;
  let receiver: OtlpReceiver;
  let ministry: KafkaBus;
  const outbound: IncomingMessage[] = [];
  // The publisher's own trace, as its HTTP client would send it.
  const publisherTrace = randomUUID().replaceAll('-', '');
  const publisherSpan = randomUUID().replaceAll('-', '').slice(0, 16);
  let opened: CaseEventEnvelope;
  let forged: CaseEventEnvelope;
  let auditor: TestOrganization;
  let keyDir: string | undefined;
  let db: PostgresDatabase;
  let org: TestOrganization;
  let hub: TargetProcess;
  let url: string;
  let prometheus: RunningPrometheus | undefined;
  let caseId: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await PostgresDatabase.open({ url: scratch.url });
    org = await admitTestOrganization(db, ['publisher', 'subscriber']);
    auditor = await admitTestOrganization(db, ['auditor']);
    // The hub's checkpoint key from a file, as a mounted Secret gives it.
    keyDir = await mkdtemp(join(tmpdir(), 'passerelle-hub-key-'));
    const hubKey = await generateOrganizationKey('ES256', 'hub-ops-key');
    await writeFile(join(keyDir, 'hub-key.json'), JSON.stringify({ ...hubKey.privateJwk, kid: hubKey.kid }));
    receiver = await startOtlpReceiver();
    hub = spawnTarget('hub', {
      PASSERELLE_HUB_KEY_FILE: join(keyDir, 'hub-key.json'),
      PASSERELLE_CHECKPOINT_INTERVAL: '0',
      // The secured broker (SASL_SSL + OAUTHBEARER): the hub mints its services' tokens with
      // the run's key ring and trusts the run's CA; its federation grants their ACLs.
      ...testKafkaEnv(),
      DATABASE_URL: scratch.url,
      PASSERELLE_GROUP_PREFIX: `ops-${randomUUID()}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    url = await listeningUrl(hub, 120_000);
    // The organization's own consumer, as a ministry runs it.
    ministry = new KafkaBus(testKafkaConnection(undefined, 'ops-ministry'));
    await ministry.subscribe({ groupId: `ops-${org.id}`, topics: [`passerelle.outbound.${org.id}`], fromBeginning: true, handleBatch: async (messages) => void outbound.push(...messages) });

    // Traffic: one accepted event, one refused for its signature, both in the publisher's trace.
    caseId = `case-${randomUUID().slice(0, 8)}`;
    opened = await caseEvent(org.id, caseId, 'CaseOpened', { owner: org.id, citizen: 'cit-ops', title: 'Ops', openedAt: new Date().toISOString() });
    expect(await publish(opened)).toMatchObject({ status: 201 });
    forged = await caseEvent(org.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: new Date().toISOString(), provider: org.id });
    expect(await publish(forged, await org.sign({ ...forged, id: 'another' }))).toMatchObject({ status: 401, body: { code: 'SIGNATURE.INVALID' } });
  }, 180_000);

  afterAll(async () => {
    await prometheus?.stop();
    await ministry?.close();
    if (hub) await terminate(hub);
    await receiver?.close();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
    await db?.close();
    await scratch?.drop();
  });

  async function publish(envelope: CaseEventEnvelope, signature?: string) {
    const response = await fetch(`${url}/cases/${String(envelope.caseid)}/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await org.token(['publisher'])}`,
        'passerelle-signature': signature ?? (await org.sign(envelope)),
        'content-type': 'application/json',
        traceparent: `00-${publisherTrace}-${publisherSpan}-01`,
      },
      body: JSON.stringify(envelope),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function scrape(): Promise<string> {
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  }

  it('serves /metrics that promtool accepts, counting the traffic by organization and code, never by case', async () => {
    const text = await scrape();
    expect(await promtool(['check', 'metrics'], text)).toEqual({ code: 0, output: '' });
    expect(text).toContain(`passerelle_events_received_total{organization="${org.id}"} 2`);
    expect(text).toContain(`passerelle_events_accepted_total{organization="${org.id}"} 1`);
    expect(text).toContain(`passerelle_events_rejected_total{organization="${org.id}",code="SIGNATURE.INVALID"} 1`);
    expect(text).toMatch(/passerelle_event_store_append_duration_seconds_count 1\n/);
    expect(text).toMatch(/passerelle_gateway_receipt_wait_seconds_count\{outcome="accepted"\} 1\n/);
    expect(text).toMatch(new RegExp(`passerelle_kafka_consumer_lag_messages\\{group="ops-[^"]+-ledger",topic="passerelle.inbound.${org.id.replace('.', '\\.')}",partition="\\d+"\\} 0`));
    expect(text).toMatch(/passerelle_log_follower_lag_positions\{follower="(relay|views)"\} \d+/);
    expect(text).toMatch(/passerelle_token_cache_lookups_total\{result="miss"\} [1-9]/);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).not.toContain(caseId);
  }, 60_000);

  it('is scraped by a real Prometheus server, which answers queries on the traffic', async () => {
    const { prometheus: binary } = testOperationsTools();
    prometheus = await startPrometheus(binary, [new URL(url).host]);
    const query = `passerelle_events_accepted_total{organization="${org.id}"}`;
    const deadline = Date.now() + 90_000;
    let result: Awaited<ReturnType<RunningPrometheus['query']>> = [];
    while (result.length === 0 && Date.now() < deadline) {
      result = await prometheus.query(query);
      if (result.length === 0) await new Promise((r) => setTimeout(r, 500));
    }

    expect(result).toEqual([{ metric: expect.objectContaining({ __name__: 'passerelle_events_accepted_total', organization: org.id, job: 'passerelle' }), value: [expect.any(Number), '1'] }]);
    expect(await prometheus.query('up{job="passerelle"}')).toEqual([expect.objectContaining({ value: [expect.any(Number), '1'] })]);
  }, 120_000);

  it('has alert rules and a dashboard that read only metrics the hub exports', async () => {
    const exported = exportedNames(await scrape());
    exported.add('up'); // Prometheus' own, per target
    const rules = parse(await readFile(resolve(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const dashboard = JSON.parse(await readFile(resolve(ROOT, 'deploy/grafana/passerelle.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const read = [
      ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, names: metricsIn(r.expr) }))),
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, names: metricsIn(t.expr) }))),
    ];

    expect(read.filter((r) => r.names.length === 0)).toEqual([]);
    const unknown = read.flatMap((r) => r.names.filter((n) => !exported.has(n)).map((n) => `${r.where}: ${n}`));
    expect(unknown).toEqual([]);
  }, 60_000);

  it('signs checkpoints with the key of PASSERELLE_HUB_KEY_FILE, publishing only its public half', async () => {
    const headers = { authorization: `Bearer ${await auditor.token(['auditor'])}` };
    const created = await fetch(`${url}/audit/checkpoints`, { method: 'POST', headers });
    const keys = (await (await fetch(`${url}/audit/keys`, { headers })).json()) as { keys: Array<Record<string, unknown>> };

    expect(created.status).toBe(201);
    const { jws } = (await created.json()) as { jws: string };
    expect(JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'ES256', kid: 'hub-ops-key' });
    expect(keys.keys).toEqual([expect.objectContaining({ kid: 'hub-ops-key', kty: 'EC', crv: 'P-256' })]);
    expect(keys.keys[0]).not.toHaveProperty('d');
  }, 60_000);

  it('follows one event in one trace: gateway → Kafka → ledger decision and append → relay → the outbound message', async () => {
    const until = async (what: string, check: () => boolean) => {
      const deadline = Date.now() + 60_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await until('the outbound message', () => outbound.some((m) => m.value.toString().includes(opened.id)));
    const message = outbound.find((m) => m.value.toString().includes(opened.id))!;
    const [, traceId, parentId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(message.headers.traceparent ?? '') ?? [];
    expect(traceId).toBe(publisherTrace);
    await until('the spans of the relay', () => receiver.spans.some((s) => s.spanId === parentId));

    const trace = receiver.spans.filter((s) => s.traceId === publisherTrace);
    const named = (name: string) => trace.filter((s) => s.name === name);
    const one = (name: string) => {
      expect(named(name).map((s) => s.name)).toEqual([name]);
      return named(name)[0]!;
    };
    const inbound = `passerelle.inbound.${org.id}`;
    const server = named('POST /cases/{caseId}/events');
    // Two publishes in this trace: the accepted one's chain is the one that reaches the relay.
    const send = one('send outbound');
    const relay = one('relay deliver');
    const processing = trace.find((s) => s.name === `process ${inbound}` && s.spanId === relay.parentSpanId)!;
    const produced = trace.find((s) => s.spanId === processing.parentSpanId)!;
    const gateway = trace.find((s) => s.spanId === produced.parentSpanId)!;

    expect(send.spanId).toBe(parentId);
    expect(send.parentSpanId).toBe(relay.spanId);
    expect(produced.name).toBe(`send ${inbound}`);
    expect(server).toContainEqual(gateway);
    expect(gateway.parentSpanId).toBe(publisherSpan);
    expect(trace.filter((s) => s.parentSpanId === processing.spanId).map((s) => s.name).sort()).toEqual(['event_store append', 'ledger decide', 'relay deliver']);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['passerelle-hub']));
    // The refused event's span says why; the log line of its refusal names the trace.
    expect(named(`process ${inbound}`).find((s) => s.spanId !== processing.spanId)?.attributes).toMatchObject({ 'passerelle.receipt': 'rejected' });
    expect(hub.logs.find((l) => String(l.msg).startsWith('rejected:') && l.eventId === forged.id)).toMatchObject({ trace_id: publisherTrace, code: 'SIGNATURE.INVALID' });
  }, 120_000);
});

describe('operations: misconfiguration at start-up', () => {
  it('refuses a hub key file that is not there, with one line', async () => {
    const target = spawnTarget('hub', { PASSERELLE_DATA_DIR: 'memory://', PASSERELLE_HUB_KEY_FILE: '/run/secrets/passerelle/none.json' });

    expect(await target.exited).toBe(1);
    expect(target.stderr()).toBe(
      "passerelle hub: cannot start: PASSERELLE_HUB_KEY_FILE=/run/secrets/passerelle/none.json: no such file: mount the hub's signing key there (a private ES256 JWK), or unset it to keep the key in the database\n",
    );
  }, 60_000);

  it.each([
    [{ PASSERELLE_TARGET: 'ledger,billing' }, 'passerelle hub: cannot start: PASSERELLE_TARGET names "billing", which is not a component: use all, or some of federation, schemas, ledger, relay, views, gateway, audit, insights'],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'passerelle hub: cannot start: OTEL_TRACES_SAMPLER=sometimes is not a sampler: use one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'passerelle hub: cannot start: OTEL_EXPORTER_OTLP_ENDPOINT=collector:4318 uses collector:: OTLP/HTTP needs http:// or https://'],
    [
      { KAFKA_BROKERS: 'kafka:9093' },
      "passerelle hub: cannot start: KAFKA_BROKERS is set and Kafka is secured (SASL_SSL, the default), so PASSERELLE_KAFKA_ISSUER_KEYS must name the hub's Kafka key ring (npm run kafka:start prints it)",
    ],
  ])('refuses %j with one line on stderr and status 1', async (env, line) => {
    const target = spawnTarget('hub', { PASSERELLE_DATA_DIR: 'memory://', ...env });

    expect(await target.exited).toBe(1);
    expect(target.stderr()).toBe(`${line}\n`);
  }, 60_000);

  it('says once that the OTLP endpoint does not answer, and serves all the same', async () => {
    const closed = await freePort();
    const target = spawnTarget('hub', { PASSERELLE_DATA_DIR: 'memory://', PASSERELLE_DEMO_FEDERATION: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closed}` });
    try {
      const url = await listeningUrl(target, 120_000);
      const deadline = Date.now() + 30_000;
      while (!target.logs.some((l) => String(l.msg).includes('does not answer')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

      expect(target.logs.filter((l) => String(l.msg).includes('does not answer')).map((l) => [l.level, l.msg])).toEqual([
        ['warn', `traces: the OTLP endpoint http://127.0.0.1:${closed}/v1/traces does not answer (ECONNREFUSED): spans are dropped until it does; the exchange goes on`],
      ]);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      expect((await fetch(`${url}/cases/case-x/events`, { method: 'POST' })).status).toBe(401);
    } finally {
      expect(await terminate(target)).toBe(0);
    }
  }, 120_000);
});
