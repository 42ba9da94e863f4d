import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import canonicalize from 'canonicalize';
import {
  CatalogError,
  checkCompatibility,
  COMPATIBILITY_MODES,
  describeSchema,
  EventValidator,
  inlineCatalogRefs,
  openSchemaTables,
  readRegisteredSchemas,
  readSchemaDirectory,
  parseSchemaId,
  schemaIdOf,
  type CatalogEntry,
  type CompatibilityMode,
  type Incompatibility,
  type SchemaDocument,
} from '@passerelle/contracts';
import { DatabaseError, SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { decideRegistration } from '../domain/registration';
import { RegistryError } from './registry-error';

export const SCHEMAS_DIR = Symbol('SCHEMAS_DIR');
export const DEFAULT_MODE: CompatibilityMode = 'BACKWARD';

export interface SubjectSummary {
  subject: string;
  versions: number[];
  compatibility: CompatibilityMode;
  classification?: string;
  category?: string;
}



/**
 * The schema registry: every version of every subject, durable in the hub's database and
 * seeded from the repository's schemas/ at start. A registered version never changes.
 * The validator it serves is rebuilt (all schemas compiled once) only when a version is added.
 */
@Injectable()
export class SchemaRegistry implements OnModuleInit {
  private readonly logger = new Logger(SchemaRegistry.name);
  private entries: CatalogEntry[] = [];
  private current!: EventValidator;
  /** Schema ids (the Confluent-compatible API's integers), by subject and version and back. */
  private idsByVersion = new Map<string, number>();
  private entriesById = new Map<number, CatalogEntry>();

  constructor(
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(SCHEMAS_DIR) private readonly schemasDir: string,
  ) {}

  async onModuleInit(): Promise<void> {
    await openSchemaTables(this.db);
    const seeded = await this.seed(await readSchemaDirectory(this.schemasDir));
    await this.reload();
    this.logger.log({ subjects: new Set(this.entries.map((e) => e.subject)).size, versions: this.entries.length, seeded }, 'schema registry ready');
  }

  /** The validator for case events, built from every registered version. */
  validator(): EventValidator {
    return this.current;
  }

  async listSubjects(): Promise<SubjectSummary[]> {
    const modes = await this.modes();
    const bySubject = new Map<string, SubjectSummary>();
    for (const entry of this.entries) {
      const summary = bySubject.get(entry.subject) ?? { subject: entry.subject, versions: [], compatibility: modes.get(entry.subject) ?? DEFAULT_MODE };
      summary.versions.push(entry.version);
      if (entry.classification) summary.classification = entry.classification;
      if (entry.category) summary.category = entry.category;
      bySubject.set(entry.subject, summary);
    }
    return [...bySubject.values()];
  }

  versions(subject: string): number[] {
    const versions = this.entries.filter((e) => e.subject === subject).map((e) => e.version);
    if (versions.length === 0) throw new RegistryError('SCHEMA.SUBJECT_NOT_FOUND', `no subject ${subject} in the registry`);
    return versions;
  }

  get(subject: string, version: number | 'latest'): SchemaDocument {
    const versions = this.versions(subject);
    const wanted = version === 'latest' ? Math.max(...versions) : version;
    const entry = this.entries.find((e) => e.subject === subject && e.version === wanted);
    if (!entry) throw new RegistryError('SCHEMA.VERSION_NOT_FOUND', `${subject} has no version ${version}; it has ${versions.join(', ')}`);
    return entry.schema;
  }

  async mode(subject: string): Promise<CompatibilityMode> {
    this.versions(subject);
    return (await this.modes()).get(subject) ?? DEFAULT_MODE;
  }

  async setMode(subject: string, mode: string): Promise<CompatibilityMode> {
    this.versions(subject);
    if (!COMPATIBILITY_MODES.includes(mode as CompatibilityMode)) {
      throw new RegistryError('SCHEMA.INVALID_MODE', `"${mode}" is not a compatibility mode: use one of ${COMPATIBILITY_MODES.join(', ')}`);
    }
    await this.db.query('UPDATE schema_subjects SET compatibility = $2, updated_at = now() WHERE subject = $1', [subject, mode]);
    return mode as CompatibilityMode;
  }

  /**
   * Checks a candidate against the subject's versions under its mode, registering nothing.
   * A candidate whose $id names version N is compared with the versions before N (those it
   * follows), so a registered version can be checked again; otherwise with all of them.
   */
  async checkCandidate(subject: string, candidate: unknown): Promise<{ compatible: boolean; mode: CompatibilityMode; incompatibilities: Incompatibility[] }> {
    const mode = await this.mode(subject);
    const id = (candidate as { $id?: unknown } | null)?.$id;
    const ref = typeof id === 'string' ? parseSchemaId(id) : null;
    const before = ref?.subject === subject ? ref.version : Number.POSITIVE_INFINITY;
    const previous = this.entries.filter((e) => e.subject === subject && e.version < before).map((e) => this.standalone(e.schema));
    return { mode, ...checkCompatibility(this.standalone(candidate as SchemaDocument), previous, mode) };
  }

  /**
   * Checks a candidate against one version (or the latest) under the subject's mode, read
   * for that one version: BACKWARD_TRANSITIVE checks as BACKWARD, and so on.
   */
  async checkAgainstVersion(subject: string, candidate: unknown, version: number | 'latest'): Promise<{ compatible: boolean; mode: CompatibilityMode; incompatibilities: Incompatibility[] }> {
    const mode = await this.mode(subject);
    const target = this.get(subject, version);
    const single = mode.replace('_TRANSITIVE', '') as CompatibilityMode;
    return { mode, ...checkCompatibility(this.standalone(candidate as SchemaDocument), [this.standalone(target)], single) };
  }

  /** Registers the next version of `subject`, or explains why not; on refusal nothing changes. */
  async register(subject: string, candidate: unknown): Promise<{ subject: string; version: number; id: string; registryId: number }> {
    const entry = this.describe(candidate);
    const validator = this.compileWith(entry);
    try {
      const version = await this.db.transaction(async (tx) => {
        await tx.query('INSERT INTO schema_subjects (subject) VALUES ($1) ON CONFLICT (subject) DO NOTHING', [subject]);
        const { rows: modeRows } = await tx.query<{ compatibility: CompatibilityMode }>('SELECT compatibility FROM schema_subjects WHERE subject = $1 FOR UPDATE', [subject]);
        const { rows } = await tx.query<{ schema: SchemaDocument }>('SELECT schema FROM schema_versions WHERE subject = $1 ORDER BY version', [subject]);
        const decision = decideRegistration(subject, this.standalone(entry.schema), rows.map((r) => this.standalone(r.schema)), modeRows[0]!.compatibility);
        if (!decision.accepted) {
          throw new RegistryError(decision.code, decision.message, decision.code === 'SCHEMA.INCOMPATIBLE' ? { incompatibilities: decision.incompatibilities } : {});
        }
        await tx.query("INSERT INTO schema_versions (subject, version, schema, origin) VALUES ($1, $2, $3, 'api')", [subject, decision.version, entry.schema]);
        const { rows: ids } = await tx.query<{ id: number }>('INSERT INTO schema_ids (subject, version) VALUES ($1, $2) RETURNING id', [subject, decision.version]);
        return { version: decision.version, registryId: Number(ids[0]!.id) };
      });
      this.entries = [...this.entries, entry];
      this.remember(entry, version.registryId);
      this.current = validator;
      this.logger.log({ subject, version: version.version, registryId: version.registryId }, `registered ${subject} version ${version.version}`);
      return { subject, version: version.version, id: schemaIdOf({ subject, version: version.version }), registryId: version.registryId };
    } catch (err) {
      if (err instanceof DatabaseError && err.code === 'DATABASE.UNIQUE_VIOLATION') {
        throw new RegistryError('SCHEMA.CONCURRENT_REGISTRATION', `another version of ${subject} was registered at the same time; check the latest version and retry`);
      }
      throw err;
    }
  }

  /** The schema with references to shared catalog documents (common definitions) inlined. */
  private standalone<T>(schema: T): T {
    return inlineCatalogRefs(schema, this.entries);
  }

  private describe(candidate: unknown): CatalogEntry {
    try {
      return describeSchema(candidate);
    } catch (err) {
      if (err instanceof CatalogError) throw new RegistryError('SCHEMA.INVALID_DOCUMENT', err.message);
      throw err;
    }
  }

  /** Compiles the whole registry plus the candidate: a schema that does not compile is refused. */
  private compileWith(entry: CatalogEntry): EventValidator {
    try {
      return new EventValidator([...this.entries.filter((e) => e.id !== entry.id), entry]);
    } catch (err) {
      if (err instanceof CatalogError) throw new RegistryError('SCHEMA.INVALID_DOCUMENT', err.message);
      throw err;
    }
  }

  /** Adds the repository's versions the database does not have; never overwrites a stored one. */
  private async seed(files: CatalogEntry[]): Promise<number> {
    let added = 0;
    for (const entry of files) {
      const inserted = await this.db.transaction(async (tx) => {
        await tx.query('INSERT INTO schema_subjects (subject) VALUES ($1) ON CONFLICT (subject) DO NOTHING', [entry.subject]);
        const result = await tx.query(
          "INSERT INTO schema_versions (subject, version, schema, origin) VALUES ($1, $2, $3, 'repository') ON CONFLICT (subject, version) DO NOTHING",
          [entry.subject, entry.version, entry.schema],
        );
        if (result.rowCount > 0) return true;
        const { rows } = await tx.query<{ same: boolean }>('SELECT schema = $3::jsonb AS same FROM schema_versions WHERE subject = $1 AND version = $2', [
          entry.subject,
          entry.version,
          JSON.stringify(entry.schema),
        ]);
        if (!rows[0]?.same) {
          this.logger.warn({ file: entry.file }, `${entry.file} differs from the registered ${entry.subject} version ${entry.version}, which is kept: a registered version never changes; publish a new version instead`);
        }
        return false;
      });
      if (inserted) added += 1;
    }
    return added;
  }

  /** The schema id of a registered version (assigned when it was registered or seeded). */
  registryIdOf(subject: string, version: number): number {
    const id = this.idsByVersion.get(`${subject}\n${version}`);
    if (id === undefined) throw new RegistryError('SCHEMA.VERSION_NOT_FOUND', `${subject} has no version ${version}`);
    return id;
  }

  /** The registered version a schema id names. */
  byRegistryId(id: number): { entry: CatalogEntry; registryId: number } {
    const entry = this.entriesById.get(id);
    if (!entry) throw new RegistryError('SCHEMA.ID_NOT_FOUND', `no schema has the id ${id}`);
    return { entry, registryId: id };
  }

  /** The version of `subject` whose schema is `candidate` (same JSON, any key order), if any. */
  find(subject: string, candidate: unknown): CatalogEntry | undefined {
    this.versions(subject);
    const wanted = canonicalize(candidate);
    return this.entries.find((e) => e.subject === subject && canonicalize(e.schema) === wanted);
  }

  private remember(entry: CatalogEntry, registryId: number): void {
    this.idsByVersion.set(`${entry.subject}\n${entry.version}`, registryId);
    this.entriesById.set(registryId, entry);
  }

  private async reload(): Promise<void> {
    this.entries = await readRegisteredSchemas(this.db);
    this.current = new EventValidator(this.entries);
    // Seeded versions get their ids here, in registration order; ids are never reassigned.
    await this.db.query(
      `INSERT INTO schema_ids (subject, version)
       SELECT v.subject, v.version FROM schema_versions v
       WHERE NOT EXISTS (SELECT 1 FROM schema_ids i WHERE i.subject = v.subject AND i.version = v.version)
       ORDER BY v.registered_at, v.subject, v.version
       ON CONFLICT (subject, version) DO NOTHING`,
    );
    const { rows } = await this.db.query<{ id: number; subject: string; version: number }>('SELECT id, subject, version FROM schema_ids');
    const bySubjectVersion = new Map(this.entries.map((e) => [`${e.subject}\n${e.version}`, e]));
    for (const row of rows) {
      const entry = bySubjectVersion.get(`${row.subject}\n${row.version}`);
      if (entry) this.remember(entry, Number(row.id));
    }
  }

  private async modes(): Promise<Map<string, CompatibilityMode>> {
    const { rows } = await this.db.query<{ subject: string; compatibility: CompatibilityMode }>('SELECT subject, compatibility FROM schema_subjects');
    return new Map(rows.map((r) => [r.subject, r.compatibility]));
  }
}
