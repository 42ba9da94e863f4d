import { CommandError, type Output } from '../cli-output';
import { authenticatedClient, type HubOptions } from '../hub-client';

export type InsightsReport = 'channels' | 'handoffs' | 'journeys';

export interface InsightsOptions extends HubOptions {
  from: string;
  to: string;
  organization?: string;
  service?: string;
  channel?: string;
  segment?: string;
  grain?: string;
  csv?: boolean;
}

type Row = Record<string, unknown> & { suppressed: boolean; reason: string | null };

const READERS = ['publisher', 'subscriber', 'auditor', 'operator'] as const;

/** Seconds as a person reads them. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

const percent = (share: unknown) => (typeof share === 'number' ? `${Math.round(share * 100)}%` : '–');
const plain = (value: unknown) => (value === null || value === undefined ? '–' : String(value));
const get = (row: Row, path: string): unknown => path.split('.').reduce<unknown>((v, p) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined), row);

interface Column {
  title: string;
  show: (row: Row) => string;
  right?: boolean;
}

const KEYS: Record<InsightsReport, Column[]> = {
  channels: [
    { title: 'day', show: (r) => plain(r.day) },
    { title: 'organization', show: (r) => plain(r.organization) },
    { title: 'service', show: (r) => plain(r.service) },
    { title: 'channel', show: (r) => plain(r.channel) },
    { title: 'segment', show: (r) => plain(r.segment) },
  ],
  journeys: [
    { title: 'day', show: (r) => plain(r.day) },
    { title: 'organization', show: (r) => plain(r.organization) },
    { title: 'service', show: (r) => plain(r.service) },
    { title: 'channel', show: (r) => plain(r.channel) },
    { title: 'segment', show: (r) => plain(r.segment) },
  ],
  handoffs: [
    { title: 'day', show: (r) => plain(r.day) },
    { title: 'from', show: (r) => plain(r.from) },
    { title: 'to', show: (r) => plain(r.to) },
    { title: 'kind', show: (r) => plain(r.kind) },
  ],
};

const MEASURES: Record<InsightsReport, Column[]> = {
  channels: [
    { title: 'cases', show: (r) => plain(r.cases), right: true },
    { title: 'contacts', show: (r) => plain(r.contacts), right: true },
    { title: 'requests', show: (r) => plain(r.requests), right: true },
    { title: 'digital', show: (r) => percent(r.digitalTakeUp), right: true },
    { title: 'decided', show: (r) => percent(r.completionRate), right: true },
    { title: 'p50', show: (r) => duration(get(r, 'timeToDecision.p50') as number), right: true },
    { title: 'p90', show: (r) => duration(get(r, 'timeToDecision.p90') as number), right: true },
    { title: 'satisfaction', show: (r) => (get(r, 'satisfaction.responses') ? `${plain(get(r, 'satisfaction.mean'))} (${plain(get(r, 'satisfaction.responses'))})` : '–'), right: true },
    { title: 'cost/request', show: (r) => plain(get(r, 'cost.perCompletedRequest')), right: true },
  ],
  journeys: [
    { title: 'cases', show: (r) => plain(r.cases), right: true },
    { title: 'decided', show: (r) => plain(r.decided), right: true },
    { title: 'channels', show: (r) => plain(get(r, 'channels.mean')), right: true },
    { title: 'switched', show: (r) => percent(r.switchedShare), right: true },
    { title: 'repeats', show: (r) => plain(get(r, 'repeatContacts.mean')), right: true },
    { title: 'p50', show: (r) => plain(get(r, 'repeatContacts.p50')), right: true },
    { title: 'p90', show: (r) => plain(get(r, 'repeatContacts.p90')), right: true },
  ],
  handoffs: [
    { title: 'cases', show: (r) => plain(r.cases), right: true },
    { title: 'handoffs', show: (r) => plain(r.handoffs), right: true },
    { title: 'picked up', show: (r) => plain(r.pickedUp), right: true },
    { title: 'waiting', show: (r) => plain(r.waiting), right: true },
    { title: 'wait p50', show: (r) => duration(get(r, 'wait.p50') as number), right: true },
    { title: 'wait p90', show: (r) => duration(get(r, 'wait.p90') as number), right: true },
  ],
};

function table(columns: Column[], rows: Row[]): string[] {
  const cells = rows.map((r) => columns.map((c) => c.show(r)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (columns[i]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)];
}

/**
 * `passerelle insights channels|handoffs|journeys --from D --to D`: the report as tables
 * (cells, then the federation-wide totals), or the hub's CSV with --csv, or its JSON with --json.
 */
export async function insightsCommand(report: InsightsReport, options: InsightsOptions, output: Output): Promise<number> {
  const query = new URLSearchParams();
  for (const name of ['from', 'to', 'organization', 'service', 'channel', 'segment', 'grain'] as const) if (options[name] !== undefined) query.set(name, options[name]!);
  const client = await authenticatedClient(options, [...READERS]);
  const path = `/insights/${report}?${query.toString()}`;
  if (options.csv) {
    const { status, text } = await client.text('GET', path, { accept: 'text/csv' });
    if (status !== 200) throw refusal(status, text);
    output.out(text.trimEnd());
    return 0;
  }
  const { status, body } = await client.request<{ k: number; position: string; cells: Row[]; totals: Row[]; tariff?: { version: number; currency: string } | null; code?: string; message?: string }>('GET', path);
  if (status !== 200) throw refusal(status, JSON.stringify(body));
  if (options.json) {
    output.out(JSON.stringify(body, null, 2));
    return 0;
  }
  const keyColumns = KEYS[report];
  const measureColumns = MEASURES[report];
  // A suppressed row says why in its first measure column; the others show –.
  const withMark: Column[] = [...keyColumns, ...measureColumns.map((c, i) => (i === 0 ? { ...c, show: (r: Row) => (r.suppressed ? `suppressed (${r.reason === 'complementary' ? 'complementary' : `< ${body.k} cases`})` : c.show(r)) } : c))];
  output.out(`${report} from ${options.from} to ${options.to}: ${body.cells.length} cell(s), k = ${body.k}, log position ${body.position}${report === 'channels' ? `, tariff ${body.tariff ? `v${body.tariff.version} (${body.tariff.currency})` : 'none'}` : ''}`);
  if (body.cells.length > 0) for (const l of table(withMark, body.cells)) output.out(l);
  // Totals are by day and channel (hand-offs: day and kind), '*' for all.
  const totalKeys: Column[] = [keyColumns[0]!, keyColumns[3]!];
  output.out('');
  output.out('federation-wide totals');
  for (const l of table([...totalKeys, ...withMark.slice(keyColumns.length)], body.totals)) output.out(l);
  return 0;
}

function refusal(status: number, text: string): CommandError {
  let body: { code?: string; message?: string; field?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: said as is below
  }
  return new CommandError(`the hub refused (${status} ${body.code ?? ''}): ${body.message ?? text.slice(0, 200)}`);
}

/** `passerelle insights rebuild`: starts a rebuild from position 0 and follows it with a progress bar. */
export async function insightsRebuildCommand(options: HubOptions, output: Output): Promise<number> {
  const client = await authenticatedClient(options, ['operator']);
  const started = await client.request<{ position: string; head: string; rebuild: { target: string } | null; code?: string; message?: string }>('POST', '/insights/rebuild', '{}');
  if (started.status !== 202) throw refusal(started.status, JSON.stringify(started.body));
  const target = BigInt(started.body.rebuild?.target ?? started.body.head);
  const { SingleBar } = await import('cli-progress');
  const bar = process.stderr.isTTY && !options.json ? new SingleBar({ format: 'rebuilding insights {bar} {percentage}% | position {value}/{total}', hideCursor: true }) : undefined;
  bar?.start(Number(target), 0);
  const began = Date.now();
  for (;;) {
    const { status, body } = await client.request<{ position: string; rebuilding: boolean }>('GET', '/insights/status');
    if (status !== 200) throw refusal(status, JSON.stringify(body));
    bar?.update(Math.min(Number(body.position), Number(target)));
    if (!body.rebuilding || BigInt(body.position) >= target) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  bar?.stop();
  const seconds = Math.round((Date.now() - began) / 100) / 10;
  output.out(options.json ? JSON.stringify({ rebuilt: true, position: String(target), seconds }) : `✓ insights rebuilt from position 0 to ${target} in ${seconds} s`);
  return 0;
}
