import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createScratchDatabase, testKafkaEnv, type ScratchDatabase } from '@passerelle/testing';
import { DIGITAL, planJourneys, type JourneyParameters, type PlannedCase } from '../apps/cli/src/simulate/journeys';
import { listeningUrl, spawnTarget, terminate, type TargetProcess } from './support/target-process';

const ROOT = resolve(__dirname, '..');
const exec = promisify(execFile);

async function passerelle(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(ROOT, 'bin/passerelle.js'), ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const ORGS = ['demo.health', 'demo.transport', 'demo.employment'];
const CHANNELS = ['counter', 'phone', 'web', 'mobile', 'mail', 'email', 'sms', 'chat'];
const day = (time: string) => time.slice(0, 10);

/**
 * The simulator's known workload through the real exchange — the hub on the real broker and
 * PostgreSQL, events signed and published over HTTP by `passerelle simulate` — and the figures
 * it must give, counted here from the same plan, read back over HTTP and with the CLI.
 */
describe('insights of a simulated workload, end to end', () => {
  let scratch: ScratchDatabase;
  let dir: string;
  let hub: TargetProcess;
  let url: string;
  let plan: PlannedCase[];
  const parameters: JourneyParameters = {
    cases: 40,
    days: 1,
    start: '2026-11-02',
    organizations: ORGS,
    seed: 5,
    digitalShare: 0.5,
    repeatMean: 1,
    switchRate: 0.5,
    transferRate: 0.4,
    decisionRate: 1,
    decisionHours: 4,
    satisfactionRate: 1,
  };
  const keys = () => ['--hub', url, '--key-dir', join(dir, 'keys')];
  const token = async (org: string, role: string) => (await passerelle('token', '--org', org, '--role', role, '--key-dir', join(dir, 'keys'))).stdout.trim();
  const get = async (path: string, bearer: string, accept = 'application/json') => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${bearer}`, accept } });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-insights-e2e-'));
    scratch = await createScratchDatabase();
    hub = spawnTarget('hub', {
      ...testKafkaEnv(),
      DATABASE_URL: scratch.url,
      PASSERELLE_DEMO_FEDERATION: 'on',
      PASSERELLE_KEYS_DIR: join(dir, 'keys'),
      PASSERELLE_GROUP_PREFIX: `insights-e2e-${randomUUID().slice(0, 8)}`,
    });
    url = await listeningUrl(hub, 120_000);
    plan = planJourneys(parameters, 'e2e');
  }, 180_000);
  afterAll(async () => {
    if (hub) await terminate(hub);
    await scratch?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes the journeys signed through the gateway and measures them as the plan says', async () => {
    const flags = ['--cases', '40', '--days', '1', '--start', '2026-11-02', '--seed', '5', '--run', 'e2e', '--digital-share', '0.5', '--repeat-mean', '1', '--switch-rate', '0.5'];
    const more = ['--transfer-rate', '0.4', '--decision-rate', '1', '--decision-hours', '4', '--satisfaction-rate', '1', '--json'];
    const simulated = await passerelle('simulate', ...keys(), ...flags, ...more);
    const events = plan.flatMap((c) => c.events);
    expect(simulated.stderr).toBe('');
    expect(JSON.parse(simulated.stdout)).toMatchObject({ run: 'e2e', cases: 40, events: events.length, accepted: events.length, rejected: 0, parameters });
    expect(simulated.code).toBe(0);

    const operator = await token('hub', 'operator');
    // A flat tariff: 2.50 a contact, whoever and however.
    const tariff = { currency: 'CAD', entries: ORGS.flatMap((organization) => CHANNELS.map((channel) => ({ organization, channel, unitCost: 2.5, validFrom: '2026-01-01' }))) };
    const declared = await fetch(`${url}/insights/tariff`, { method: 'PUT', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: JSON.stringify(tariff) });
    expect(declared.status).toBe(201);
    await until(async () => {
      const status = JSON.parse((await get('/insights/status', operator)).text) as { position: string; head: string };
      return status.position === status.head;
    });

    // What the plan must give, counted directly.
    const requestDay = '2026-11-02';
    const requests = plan.map((c) => c.events.find((e) => e.envelope.type.includes('ServiceRequested'))!);
    const durations = plan
      .map((c) => {
        const asked = c.events.find((e) => e.envelope.type.includes('ServiceRequested'))!;
        const decided = c.events.find((e) => e.envelope.type.includes('DecisionRendered'))!;
        return Math.round((Date.parse(decided.envelope.time) - Date.parse(asked.envelope.time)) / 1000);
      })
      .sort((a, b) => a - b);
    const contactsTaken = plan.map((c) => {
      const from = c.events.findIndex((e) => e.envelope.type.includes('ServiceRequested'));
      const to = c.events.findIndex((e) => e.envelope.type.includes('DecisionRendered'));
      return to - from + 1;
    });
    const perRequest = Math.round((contactsTaken.reduce((a, b) => a + b, 0) * 2.5 * 100) / 40) / 100;
    const auditor = await token('hub', 'auditor');
    const answer = JSON.parse((await get('/insights/channels?from=2026-11-01&to=2026-11-30&grain=organization', auditor)).text) as {
      k: number;
      tariff: { version: number; currency: string };
      cells: Array<Record<string, unknown>>;
      totals: Array<Record<string, unknown> & { day: string; channel: string }>;
    };
    expect(answer).toMatchObject({ k: 5, tariff: { version: 1, currency: 'CAD' } });
    const total = answer.totals.find((t) => t.day === requestDay && t.channel === '*');
    expect(total).toMatchObject({
      suppressed: false,
      requests: 40,
      digitalRequests: requests.filter((r) => DIGITAL.includes(r.envelope.channel)).length,
      decided: 40,
      completionRate: 1,
      timeToDecision: { p50: durations[19], p90: durations[35] },
      cost: { costedRequests: 40, perCompletedRequest: perRequest },
    });
    // Each day's total: published when it has k cases or more, then with every contact of that day.
    for (const d of [...new Set(events.map((e) => day(e.envelope.time)))]) {
      const cases = new Set(plan.filter((c) => c.events.some((e) => day(e.envelope.time) === d)).map((c) => c.caseId)).size;
      const row = answer.totals.find((t) => t.day === d && t.channel === '*');
      expect(row).toMatchObject(cases < 5 ? { suppressed: true, contacts: null } : { suppressed: false, cases, contacts: events.filter((e) => day(e.envelope.time) === d).length });
    }

    // Hand-offs: one transfer and one invitation per transferred case, each picked up.
    const transferred = plan.filter((c) => c.events.some((e) => e.envelope.type.includes('CaseTransferred')));
    const handoffs = JSON.parse((await get('/insights/handoffs?from=2026-11-01&to=2026-11-30', auditor)).text) as { totals: Array<{ day: string; kind: string; suppressed: boolean; handoffs: number | null; pickedUp: number | null }> };
    const byDay = new Map<string, number>();
    for (const c of transferred) for (const e of c.events.filter((x) => /CaseTransferred|ParticipantInvited/.test(x.envelope.type))) byDay.set(day(e.envelope.time), (byDay.get(day(e.envelope.time)) ?? 0) + 1);
    expect(transferred.length).toBeGreaterThanOrEqual(5);
    const published = handoffs.totals.filter((t) => t.kind === '*' && !t.suppressed);
    expect(published.length).toBeGreaterThan(0);
    for (const t of published) expect({ day: t.day, handoffs: t.handoffs, pickedUp: t.pickedUp }).toEqual({ day: t.day, handoffs: byDay.get(t.day), pickedUp: byDay.get(t.day) });

    // Journeys: every request decided; channels and repeat contacts as planned.
    const journeys = JSON.parse((await get('/insights/journeys?from=2026-11-01&to=2026-11-30&grain=organization', auditor)).text) as { totals: Array<Record<string, unknown> & { day: string; channel: string }> };
    const channels = plan.map((c) => new Set(c.events.slice(0, c.events.findIndex((e) => e.envelope.type.includes('DecisionRendered')) + 1).map((e) => e.envelope.channel)).size);
    expect(journeys.totals.find((t) => t.day === requestDay && t.channel === '*')).toMatchObject({
      decided: 40,
      channels: { mean: Math.round((channels.reduce((a, b) => a + b, 0) / 40) * 100) / 100 },
      repeatContacts: { mean: Math.round(((contactsTaken.reduce((a, b) => a + b, 0) - 80) / 40) * 100) / 100 },
    });

    // The same through the CLI: a table, and the hub's CSV.
    const table = await passerelle('insights', 'channels', ...keys(), '--as', 'hub', '--from', '2026-11-01', '--to', '2026-11-30', '--grain', 'organization');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('federation-wide totals');
    expect(table.stdout).toMatch(new RegExp(`^2026-11-02  \\*\\s+${String(total!.cases)}\\s+${String(total!.contacts)}\\s+40\\s+${Math.round((total!.digitalTakeUp as number) * 100)}%\\s+100%`, 'm'));
    const csv = await passerelle('insights', 'channels', ...keys(), '--as', 'hub', '--from', '2026-11-01', '--to', '2026-11-30', '--grain', 'organization', '--csv');
    expect(csv.stdout.split('\n')[0]).toMatch(/^row,day,organization,service,channel,segment,suppressed,reason,cases,contacts,requests,/);
    expect(csv.stdout).toContain(`\ntotal,2026-11-02,,,*,,false,,${String(total!.cases)},${String(total!.contacts)},40,`);
  }, 300_000);

  it('shows an organization its own cells and the federation-wide totals, and nothing of another', async () => {
    const health = await token('demo.health', 'subscriber');
    const own = JSON.parse((await get('/insights/channels?from=2026-11-01&to=2026-11-30&grain=organization', health)).text) as { cells: Array<{ organization: string }>; totals: unknown[] };
    expect(own.cells.length).toBeGreaterThan(0);
    expect(new Set(own.cells.map((c) => c.organization))).toEqual(new Set(['demo.health']));
    expect(own.totals.length).toBeGreaterThan(0);
    const other = await get('/insights/channels?from=2026-11-01&to=2026-11-30&organization=demo.transport', health);
    expect(other.status).toBe(403);
    expect(JSON.parse(other.text)).toMatchObject({ code: 'INSIGHTS.NOT_VISIBLE', field: 'organization' });
  }, 60_000);

  it('answers CSV when asked, and a bad filter or tariff with 400 naming the field, changing nothing', async () => {
    const auditor = await token('hub', 'auditor');
    const csv = await get('/insights/handoffs?from=2026-11-01&to=2026-11-30', auditor, 'text/csv');
    expect(csv.type).toContain('text/csv');
    expect(csv.text.split('\r\n')[0]).toBe('row,day,from,to,kind,suppressed,reason,cases,handoffs,pickedUp,waiting,wait.p50,wait.p90');
    for (const [query, field] of [
      ['from=2026-11-30&to=2026-11-01', 'to'],
      ['from=2026-11-01', 'to'],
      ['from=2026-11-01&to=2026-11-02&channel=fax', 'channel'],
      ['from=2026-11-01&to=2026-11-02&service=haircut', 'service'],
      ['from=2026-11-01&to=2026-11-02&organization=qc.nobody', 'organization'],
    ]) {
      const refused = await get(`/insights/channels?${query}`, auditor);
      expect({ status: refused.status, body: JSON.parse(refused.text) }).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID_QUERY', field } });
    }
    const operator = await token('hub', 'operator');
    const negative = await fetch(`${url}/insights/tariff`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ currency: 'CAD', entries: [{ organization: 'demo.health', channel: 'web', unitCost: -3, validFrom: '2026-01-01' }] }),
    });
    expect(negative.status).toBe(400);
    expect(await negative.json()).toMatchObject({ code: 'TARIFF.INVALID', field: 'entries[0].unitCost', message: 'entries[0].unitCost is -3: a cost cannot be negative' });
    const tariffs = JSON.parse((await get('/insights/tariff', operator)).text) as { current: { version: number }; versions: unknown[] };
    expect(tariffs).toMatchObject({ current: { version: 1 }, versions: [expect.objectContaining({ version: 1 })] });
  }, 60_000);
});

async function until(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the projection to reach the head of the log');
    await new Promise((r) => setTimeout(r, 200));
  }
}
