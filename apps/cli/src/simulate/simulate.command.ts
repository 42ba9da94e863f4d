import { randomBytes } from 'node:crypto';
import { SingleBar } from 'cli-progress';
import { signEvent, type PrivateKeyFile } from '@passerelle/identity';
import { CommandError, type Output } from '../cli-output';
import { HubClient } from '../hub-client';
import { keyDir, readKeyFile } from '../org/key-files';
import { mintToken } from '@passerelle/identity';
import { DEFAULT_JOURNEYS, planJourneys, type JourneyParameters } from './journeys';

export interface SimulateOptions {
  hub: string;
  keyDir?: string;
  cases: string;
  days: string;
  start?: string;
  orgs: string;
  seed?: string;
  run?: string;
  concurrency?: string;
  digitalShare?: string;
  repeatMean?: string;
  switchRate?: string;
  transferRate?: string;
  decisionRate?: string;
  decisionHours?: string;
  satisfactionRate?: string;
  json?: boolean;
}

const number = (name: string, raw: string | undefined, fallback: number, min: number, max: number, integer = false): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new CommandError(`--${name} ${raw}: give ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
  }
  return value;
};

/** Reads the options into the journeys' parameters; a bad one is named. */
export function simulationParameters(options: SimulateOptions): JourneyParameters {
  const start = options.start ?? new Date(Date.now() - number('days', options.days, 7, 1, 366, true) * 86_400_000).toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(start))) throw new CommandError(`--start ${start}: give a day, YYYY-MM-DD`);
  const organizations = options.orgs.split(',').map((o) => o.trim()).filter(Boolean);
  if (organizations.length === 0) throw new CommandError('--orgs names at least one organization');
  return {
    cases: number('cases', options.cases, 100, 1, 1_000_000, true),
    days: number('days', options.days, 7, 1, 366, true),
    start,
    organizations,
    seed: number('seed', options.seed, DEFAULT_JOURNEYS.seed, 0, 2 ** 32 - 1, true),
    digitalShare: number('digital-share', options.digitalShare, DEFAULT_JOURNEYS.digitalShare, 0, 1),
    repeatMean: number('repeat-mean', options.repeatMean, DEFAULT_JOURNEYS.repeatMean, 0, 10),
    switchRate: number('switch-rate', options.switchRate, DEFAULT_JOURNEYS.switchRate, 0, 1),
    transferRate: number('transfer-rate', options.transferRate, DEFAULT_JOURNEYS.transferRate, 0, 1),
    decisionRate: number('decision-rate', options.decisionRate, DEFAULT_JOURNEYS.decisionRate, 0, 1),
    decisionHours: number('decision-hours', options.decisionHours, DEFAULT_JOURNEYS.decisionHours, 0, 24 * 366),
    satisfactionRate: number('satisfaction-rate', options.satisfactionRate, DEFAULT_JOURNEYS.satisfactionRate, 0, 1),
  };
}

/**
 * `passerelle simulate --cases N --days D`: publishes the planned journeys through the
 * gateway, each event signed with its publisher's local key, each case in order (an event is
 * sent once the one before it is accepted), several cases at once. 0 when all were accepted.
 */
export async function simulateCommand(options: SimulateOptions, output: Output): Promise<number> {
  const parameters = simulationParameters(options);
  const run = options.run ?? randomBytes(3).toString('hex');
  if (!/^[a-z0-9]{1,12}$/.test(run)) throw new CommandError(`--run ${run}: give 1 to 12 lower-case letters or digits`);
  const concurrency = number('concurrency', options.concurrency, 4, 1, 64, true);
  const dir = keyDir(options.keyDir);
  const keys = new Map<string, PrivateKeyFile>();
  for (const org of parameters.organizations) keys.set(org, await readKeyFile(dir, org));
  const tokens = new Map<string, { token: string; until: number }>();
  const clientFor = async (org: string) => {
    const held = tokens.get(org);
    if (held && held.until > Date.now()) return new HubClient(options.hub, held.token);
    const key = keys.get(org)!;
    const token = await mintToken({ iss: key.issuer, sub: `${org}/simulator`, roles: ['publisher'], ttlSeconds: 300 }, { privateJwk: key.privateJwk, kid: key.kid, alg: key.alg });
    tokens.set(org, { token, until: Date.now() + 240_000 });
    return new HubClient(options.hub, token);
  };

  const plan = planJourneys(parameters, run);
  const total = plan.reduce((n, c) => n + c.events.length, 0);
  const bar = process.stderr.isTTY && !options.json ? new SingleBar({ format: 'simulating {bar} {percentage}% | {value}/{total} events | {cases} cases done', hideCursor: true }) : undefined;
  bar?.start(total, 0, { cases: 0 });
  let published = 0;
  let done = 0;
  const rejected: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < plan.length) {
      const journey = plan[next++]!;
      for (const { publisher, envelope } of journey.events) {
        const key = keys.get(publisher)!;
        const signature = await signEvent(envelope, { privateJwk: key.privateJwk, kid: key.kid, alg: key.alg });
        const client = await clientFor(publisher);
        const { status, body } = await client.request<Record<string, unknown>>('POST', `/cases/${encodeURIComponent(envelope.caseid)}/events`, JSON.stringify(envelope), { 'passerelle-signature': signature });
        if (status !== 201) {
          rejected.push(`${envelope.id} (${envelope.type}): ${status} ${String(body?.code)} ${String(body?.message ?? body?.reason ?? '')}`);
          break; // the rest of this case depends on it
        }
        published += 1;
        bar?.increment(1, { cases: done });
      }
      done += 1;
      bar?.update(published, { cases: done });
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, plan.length) }, worker));
  bar?.stop();
  const seconds = (Date.now() - started) / 1000;
  const summary = { run, cases: plan.length, events: total, accepted: published, rejected: rejected.length, seconds: Math.round(seconds * 10) / 10, parameters };
  if (options.json) output.out(JSON.stringify(summary, null, 2));
  else {
    output.out(`simulated run ${run}: ${plan.length} cases over ${parameters.days} day(s) from ${parameters.start}, ${published}/${total} events accepted in ${summary.seconds} s (${Math.round(published / Math.max(seconds, 0.001))} events/s)`);
    for (const r of rejected.slice(0, 10)) output.out(`  ✗ ${r}`);
    if (rejected.length > 10) output.out(`  … and ${rejected.length - 10} more`);
  }
  return rejected.length === 0 ? 0 : 1;
}
