import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { cpus } from 'node:os';
import { defaultSchemasDir, readRegisteredSchemas, readSchemaDirectory, RegisteredValidator, type AccessDenial, type CaseRead } from '@passerelle/contracts';
import { PgliteDatabase, PostgresDatabase, type SqlDatabase } from '@passerelle/database';
import { SqlEventStore } from '@passerelle/event-store';
import { EventSignatureVerifier, FederationLog } from '@passerelle/identity';
import { BundleError, canVerifyInParallel, verifyBundle, verifyLog, verifyLogInParallel, type AuditBundle, type VerificationReport } from '@passerelle/verification';
import { CommandError, type Output } from '../cli-output';
import { authenticatedClient, type HubOptions } from '../hub-client';

export interface VerifyOptions extends Partial<HubOptions> {
  case?: string;
  bundle?: string;
  all?: boolean;
  database?: string;
  data?: string;
  from?: string;
  to?: string;
}

/**
 * `passerelle audit verify`: one case on a running hub (--case), a bundle with no server and
 * no network (--bundle), or the whole store or a time range straight from its database
 * (--all), with a progress bar. 0 when the history verifies, 1 when it does not.
 */
export async function auditVerifyCommand(options: VerifyOptions, output: Output): Promise<number> {
  const chosen = [options.case, options.bundle, options.all].filter((o) => o !== undefined && o !== false).length;
  if (chosen !== 1) throw new CommandError('say what to verify: --case <id> (with --hub), --bundle <file>, or --all (with --database or --data)');
  let report: VerificationReport & { checkpoint?: { position: string; at: string } };
  let what: string;
  if (options.bundle) {
    const bundle = await readBundle(options.bundle);
    what = `case ${bundle.caseId} (bundle of ${bundle.exportedAt}, offline)`;
    try {
      report = await verifyBundle(bundle);
    } catch (err) {
      if (err instanceof BundleError) throw new CommandError(`${options.bundle}: ${err.message}`);
      throw err;
    }
  } else if (options.case) {
    what = `case ${options.case}`;
    report = await hubCall(options, `/audit/cases/${encodeURIComponent(options.case)}/verification`);
  } else {
    what = options.from || options.to ? `events received ${options.from ? `from ${options.from} ` : ''}${options.to ? `until ${options.to}` : ''}`.trim() : 'the whole store';
    report = await verifyDatabase(options);
  }
  print(what, report, options.json === true, output);
  return report.ok ? 0 : 1;
}

/** `passerelle audit export --case <id> --out <file>`: the case's audit bundle. */
export async function auditExportCommand(options: HubOptions & { case: string; out?: string }, output: Output): Promise<number> {
  const bundle = await hubCall<AuditBundle>(options, `/audit/cases/${encodeURIComponent(options.case)}/bundle`);
  const file = options.out ?? `${options.case}.audit.json`;
  await writeFile(file, `${JSON.stringify(bundle, null, 2)}\n`);
  output.out(`${file}: ${bundle.events.length} events, ${bundle.organizations.length} publisher(s) with their keys, ${bundle.checkpoint ? `checkpoint of ${JSON.parse(Buffer.from(bundle.checkpoint.jws.split('.')[1]!, 'base64url').toString()).at}` : 'no checkpoint yet'}`);
  output.out(`verify it anywhere: passerelle audit verify --bundle ${file}`);
  return 0;
}

/** `passerelle audit as-of --case <id> --org <org> --at <time>`. */
export async function auditAsOfCommand(options: HubOptions & { case: string; org: string; at: string }, output: Output): Promise<number> {
  const query = `organization=${encodeURIComponent(options.org)}&at=${encodeURIComponent(options.at)}`;
  const answer = await hubCall<{ events: Array<{ revision: number; type: string; receivedAt: string }>; grants: Record<string, unknown>; consents: Record<string, unknown> }>(
    options,
    `/audit/cases/${encodeURIComponent(options.case)}/as-of?${query}`,
  );
  if (options.json) {
    output.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  output.out(`what ${options.org} could see of ${options.case} at ${options.at}: ${answer.events.length} event(s)`);
  for (const e of answer.events) output.out(`  ${String(e.revision).padStart(4)}  ${e.receivedAt}  ${e.type}`);
  output.out(`grants: ${Object.keys(answer.grants).join(', ') || 'none'}; consents: ${Object.keys(answer.consents).join(', ') || 'none'}`);
  return 0;
}

/** An entry of `GET /cases/{id}/access-log`, as the views present it. */
export type AccessLogLine = ({ kind: 'read' } & CaseRead) | ({ kind: 'denied' } & AccessDenial);

/** `passerelle audit access-log --case <id>`: who read the case, when, for what; and who was refused. */
export async function auditAccessLogCommand(options: HubOptions & { case: string }, output: Output): Promise<number> {
  const entries = await hubCall<AccessLogLine[]>(options, `/cases/${encodeURIComponent(options.case)}/access-log`);
  if (options.json) {
    output.out(JSON.stringify(entries, null, 2));
    return 0;
  }
  for (const e of entries) output.out(accessLogLine(e));
  return 0;
}

/** One line of `audit access-log`: who, then what was refused, or what was read, why and where. */
export function accessLogLine(e: AccessLogLine): string {
  const who = `${e.at}  ${(e.organization ?? '(no valid token)').padEnd(20)} ${(e.subject ?? '-').padEnd(24)}`;
  if (e.kind === 'denied') return `${who} DENIED ${e.action} ${e.status} ${e.code}  ${e.target}${e.purpose ? `  purpose: ${e.purpose}` : ''}`;
  const where = e.via === 'list' ? '  in a list of cases' : e.via === 'stream' ? '  on an event stream' : '';
  return `${who} revision ${e.revision}  purpose: ${e.purpose}${e.note ? ` (${e.note})` : ''}${where}`;
}

async function hubCall<T>(options: Partial<HubOptions>, path: string): Promise<T> {
  if (!options.hub) throw new CommandError('--hub <url> (or PASSERELLE_HUB) is needed');
  const client = await authenticatedClient(options as HubOptions, ['auditor']);
  const { status, body } = await client.request<T & { code?: string; message?: string }>('GET', path);
  if (status !== 200) throw new CommandError(`the hub refused (${status} ${body.code ?? ''}): ${body.message ?? 'no reason given'}`);
  return body;
}

async function readBundle(file: string): Promise<AuditBundle> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as AuditBundle;
  } catch (err) {
    throw new CommandError(`cannot read ${file} as JSON: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Replays straight from the store's database: no hub needed, a progress bar on stderr. */
async function verifyDatabase(options: VerifyOptions): Promise<VerificationReport> {
  const url = options.database ?? process.env.DATABASE_URL;
  const at = (name: string, raw?: string) => {
    if (raw === undefined) return undefined;
    const date = new Date(raw);
    if (Number.isNaN(date.getTime())) throw new CommandError(`--${name} ${raw} is not an ISO 8601 instant`);
    return date;
  };
  const range = { from: at('from', options.from), to: at('to', options.to) };
  let db: SqlDatabase;
  if (url) db = await PostgresDatabase.open({ url }).catch((err: Error) => Promise.reject(new CommandError(err.message)));
  else if (options.data) {
    // Opening PGlite on a folder that holds no database would create one (initdb): an auditor
    // pointing at the wrong path must be told so, and find nothing written there.
    if (!existsSync(join(options.data, 'PG_VERSION'))) throw new CommandError(`no store at ${options.data}: give the data folder of a stopped hub (e.g. .passerelle/data), or --database`);
    db = await PgliteDatabase.open(options.data);
  } else throw new CommandError('--all reads the store itself: give --database <postgres url> (or DATABASE_URL), or --data <embedded data folder> of a stopped hub');
  // Verification reads: it never creates the store's tables in a database that has none.
  const [{ store: present } = { store: null }] = (await db.query<{ store: string | null }>(`SELECT to_regclass('es_events')::text AS store`)).rows;
  if (!present) {
    await db.close();
    throw new CommandError(`no store in ${url ? 'that database' : options.data}: it holds no event log (es_events)`);
  }
  const store = await SqlEventStore.open(db);
  const directory = await FederationLog.open(db, 0);
  const repository = await readSchemaDirectory(defaultSchemasDir());
  const bar = process.stderr.isTTY && !options.json ? new SingleBar({ format: 'verifying {bar} {percentage}% | {verified} events | position {value}/{total}', hideCursor: true }) : undefined;
  let started = false;
  const onProgress = ({ verified, position, end }: { verified: number; position: bigint; end: bigint }) => {
    if (!bar) return;
    if (!started) {
      bar.start(Number(end), 0, { verified: 0 });
      started = true;
    }
    bar.update(Number(position), { verified });
  };
  try {
    // Every core checks signatures when the build allows threads; the main one reads and chains.
    if (canVerifyInParallel()) {
      const registered = await readRegisteredSchemas(db).catch(() => []);
      const ids = new Set(registered.map((e) => e.id));
      const schemas = [...repository.filter((e) => !ids.has(e.id)), ...registered].map((e) => e.schema);
      return await verifyLogInParallel(store, { ...range, workers: Math.max(1, cpus().length), organizations: directory.organizations(), schemas, onProgress });
    }
    const validator = await RegisteredValidator.open(db, repository);
    return await verifyLog(store, { ...range, signatures: new EventSignatureVerifier(directory), validator: validator.validator(), onProgress });
  } finally {
    bar?.stop();
    directory.close();
    await store.close();
    await db.close();
  }
}

function print(what: string, report: VerificationReport & { checkpoint?: { position: string; at: string } }, json: boolean, output: Output): void {
  if (json) {
    output.out(JSON.stringify(report, null, 2));
    return;
  }
  const checks = report.checked.map((c) => (c === 'checkpoint' && report.checkpoint ? `checkpoint of ${report.checkpoint.at}` : c)).join(', ');
  if (report.ok) {
    output.out(`✓ ${what}: ${report.eventsVerified} events in ${report.streams} stream(s) verified (${checks})`);
    if (report.attested) {
      output.out(`    ${report.attested} of them with sealed personal fields not opened (erased, or no key here): their publisher's signature stands on the hub's record of receipt (docs/privacy.md)`);
    }
    return;
  }
  const f = report.failure!;
  const where = [f.streamId, f.revision !== undefined ? `revision ${f.revision}` : undefined, f.position !== undefined ? `position ${f.position}` : undefined].filter(Boolean).join(', ');
  output.out(`✗ ${what}: ${f.kind} at ${where}`);
  output.out(`    ${f.message}`);
  output.out(`    ${report.eventsVerified} events verified before it (${checks})`);
}
