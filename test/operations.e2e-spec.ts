import type { CaseEventEnvelope } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { admitTestOrganization, caseEvent, createScratchDatabase, testKafkaBrokers, testOperationsTools, type ScratchDatabase, type TestOrganization } from '@passerelle/testing';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { exportedNames, metricsIn, startPrometheus, type RunningPrometheus } from './support/prometheus';
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
describe('operations: metrics a real Prometheus scrapes', () => {
  let scratch: ScratchDatabase;
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
    hub = spawnTarget('hub', { KAFKA_BROKERS: testKafkaBrokers().join(','), DATABASE_URL: scratch.url, PASSERELLE_GROUP_PREFIX: `ops-${randomUUID()}`, PASSERELLE_KEYS_DIR: resolve(ROOT, '.passerelle/test-keys') });
    url = await listeningUrl(hub, 120_000);

    // Traffic: one accepted event, one refused for its signature.
    caseId = `case-${randomUUID().slice(0, 8)}`;
    const opened = await caseEvent(org.id, caseId, 'CaseOpened', { owner: org.id, citizen: 'cit-ops', title: 'Ops', openedAt: new Date().toISOString() });
    expect(await publish(opened)).toMatchObject({ status: 201 });
    const forged = await caseEvent(org.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: new Date().toISOString(), provider: org.id });
    expect(await publish(forged, await org.sign({ ...forged, id: 'another' }))).toMatchObject({ status: 401, body: { code: 'SIGNATURE.INVALID' } });
  }, 180_000);

  afterAll(async () => {
    await prometheus?.stop();
    if (hub) await terminate(hub);
    await db?.close();
    await scratch?.drop();
  });

  async function publish(envelope: CaseEventEnvelope, signature?: string) {
    const response = await fetch(`${url}/cases/${String(envelope.caseid)}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await org.token(['publisher'])}`, 'passerelle-signature': signature ?? (await org.sign(envelope)), 'content-type': 'application/json' },
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
});
