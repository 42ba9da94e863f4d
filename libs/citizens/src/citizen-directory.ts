import { applyMigrations, type SqlDatabase } from '@passerelle/database';
import { randomBytes, randomUUID } from 'node:crypto';
import { isHubPseudonym, pseudonymOf } from './pseudonym';

const MIGRATIONS = [
  // One secret per organization, made by the hub and never shown: it keys the organization's pseudonyms.
  `CREATE TABLE IF NOT EXISTS citizen_secrets (
    organization text PRIMARY KEY,
    secret       bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
  )`,
  // The hub-side citizens: an opaque id no organization ever sees.
  `CREATE TABLE IF NOT EXISTS citizens (
    citizen_id    text PRIMARY KEY,
    registered_by text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
  )`,
  // The mapping table: what each organization calls each citizen (its pseudonyms, and its own
  // references enrolled on first use), so what it publishes maps back to the hub-side id.
  `CREATE TABLE IF NOT EXISTS citizen_references (
    organization text NOT NULL,
    reference    text NOT NULL,
    citizen_id   text NOT NULL REFERENCES citizens (citizen_id),
    PRIMARY KEY (organization, reference)
  )`,
  `CREATE INDEX IF NOT EXISTS citizen_references_by_citizen ON citizen_references (citizen_id, organization)`,
  // Which citizen a case is about (from its CaseOpened), for the citizen's own log.
  `CREATE TABLE IF NOT EXISTS case_citizens (
    case_id    text PRIMARY KEY,
    citizen_id text NOT NULL REFERENCES citizens (citizen_id)
  )`,
  `CREATE INDEX IF NOT EXISTS case_citizens_by_citizen ON case_citizens (citizen_id)`,
];

/** A hub-issued pseudonym the organization presenting it was never given. */
export class UnknownPseudonym extends Error {
  readonly code = 'CITIZEN.UNKNOWN_PSEUDONYM';
  constructor(
    readonly organization: string,
    readonly pseudonym: string,
  ) {
    super(`${pseudonym} is no pseudonym of ${organization}: use the pseudonym the hub gave ${organization} for the citizen (POST /citizens, or a shared case's view)`);
    this.name = 'UnknownPseudonym';
  }
}

/**
 * The hub's citizen directory: hub-side citizen ids, each organization's secret, and the
 * mapping from what an organization calls a citizen to the hub-side id. Stored envelopes are
 * never rewritten: what a publisher sent is mapped at ingest (`resolve`), and what a reader
 * gets is mapped at read time (`pseudonymFor`).
 *
 * A reference starting with `ps-` is a hub-issued pseudonym and must be one the organization
 * was given; any other reference is the organization's own identifier of the citizen (as every
 * event before pseudonyms held), enrolled on first use as a citizen of its own.
 */
export class CitizenDirectory {
  private readonly secrets = new Map<string, Promise<Buffer>>();
  /** organization\0reference → hub-side id, for what was resolved or issued already (never changes). */
  private readonly known = new Map<string, string>();
  private readonly caseCitizens = new Map<string, string>();

  private constructor(private readonly db: SqlDatabase) {}

  static async open(db: SqlDatabase): Promise<CitizenDirectory> {
    await applyMigrations(db, 'citizens', MIGRATIONS);
    return new CitizenDirectory(db);
  }

  /** The single window registers a citizen: a new hub-side id, and the registering organization's pseudonym of it. */
  async register(organization: string): Promise<{ pseudonym: string }> {
    const citizenId = `hc-${randomUUID()}`;
    await this.db.query('INSERT INTO citizens (citizen_id, registered_by) VALUES ($1, $2)', [citizenId, organization]);
    return { pseudonym: await this.pseudonymFor(organization, citizenId) };
  }

  /** The organization's pseudonym of a hub-side citizen, remembered so that it may publish with it. */
  async pseudonymFor(organization: string, citizenId: string): Promise<string> {
    const pseudonym = pseudonymOf(await this.secretOf(organization), citizenId);
    const key = `${organization}\u0000${pseudonym}`;
    if (this.known.get(key) !== citizenId) {
      await this.db.query('INSERT INTO citizen_references (organization, reference, citizen_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [organization, pseudonym, citizenId]);
      this.known.set(key, citizenId);
    }
    return pseudonym;
  }

  /**
   * The hub-side id of what `organization` calls a citizen. Throws {@link UnknownPseudonym}
   * for a hub pseudonym it was never given; enrolls its own reference on first use.
   */
  async resolve(organization: string, reference: string): Promise<string> {
    const key = `${organization}\u0000${reference}`;
    const cached = this.known.get(key);
    if (cached) return cached;
    let citizenId = await this.lookup(organization, reference);
    if (citizenId === undefined) {
      if (isHubPseudonym(reference)) throw new UnknownPseudonym(organization, reference);
      citizenId = await this.db.transaction(async (tx) => {
        // Two first uses at once enroll one citizen: the reference's row decides.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [organization, reference]);
        const { rows } = await tx.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_references WHERE organization = $1 AND reference = $2', [organization, reference]);
        if (rows[0]) return rows[0].citizen_id;
        const id = `hc-${randomUUID()}`;
        await tx.query('INSERT INTO citizens (citizen_id, registered_by) VALUES ($1, $2)', [id, organization]);
        await tx.query('INSERT INTO citizen_references (organization, reference, citizen_id) VALUES ($1, $2, $3)', [organization, reference, id]);
        return id;
      });
    }
    this.known.set(key, citizenId);
    return citizenId;
  }

  /**
   * What `reader` is shown for a citizen reference `publisher` used: the reader's own pseudonym
   * of that citizen. A reference that is the reader's own already (a view fed by an outbound
   * topic, mapped by the relay) stays; one that maps to nothing is withheld (null), never shown.
   */
  async presentTo(reader: string, publisher: string, reference: string): Promise<string | null> {
    if (reader === publisher) return reference;
    const fromPublisher = this.known.get(`${publisher}\u0000${reference}`) ?? (await this.lookup(publisher, reference));
    if (fromPublisher !== undefined) {
      this.known.set(`${publisher}\u0000${reference}`, fromPublisher);
      return this.pseudonymFor(reader, fromPublisher);
    }
    if (this.known.has(`${reader}\u0000${reference}`) || (await this.lookup(reader, reference)) !== undefined) return reference;
    if (isHubPseudonym(reference)) return null;
    // An event stored before pseudonyms, whose reference was never resolved: enrolled now, as at ingest.
    return this.pseudonymFor(reader, await this.resolve(publisher, reference));
  }

  /** `data` as `reader` is shown it: its citizen field (when it has one) mapped by {@link presentTo}; a copy. */
  async presentData<D extends Record<string, unknown>>(reader: string, publisher: string, data: D): Promise<D> {
    const reference = data?.[CITIZEN_FIELD];
    if (typeof reference !== 'string') return data;
    const shown = await this.presentTo(reader, publisher, reference);
    return shown === reference ? data : { ...data, [CITIZEN_FIELD]: shown };
  }

  /** Records which citizen a case is about (idempotent: a case's CaseOpened names one citizen, once). */
  async linkCase(caseId: string, citizenId: string): Promise<void> {
    if (this.caseCitizens.get(caseId) === citizenId) return;
    await this.db.query('INSERT INTO case_citizens (case_id, citizen_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [caseId, citizenId]);
    this.caseCitizens.set(caseId, citizenId);
  }

  async citizenOfCase(caseId: string): Promise<string | undefined> {
    const cached = this.caseCitizens.get(caseId);
    if (cached) return cached;
    const { rows } = await this.db.query<{ citizen_id: string }>('SELECT citizen_id FROM case_citizens WHERE case_id = $1', [caseId]);
    if (rows[0]) this.caseCitizens.set(caseId, rows[0].citizen_id);
    return rows[0]?.citizen_id;
  }

  /** The cases about a citizen, by case id. */
  async casesOf(citizenId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ case_id: string }>('SELECT case_id FROM case_citizens WHERE citizen_id = $1 ORDER BY case_id', [citizenId]);
    return rows.map((r) => r.case_id);
  }

  /** The hub-side id behind a reference, without enrolling anything; undefined when there is none. */
  async lookup(organization: string, reference: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_references WHERE organization = $1 AND reference = $2', [organization, reference]);
    return rows[0]?.citizen_id;
  }

  private secretOf(organization: string): Promise<Buffer> {
    let secret = this.secrets.get(organization);
    if (!secret) {
      secret = (async () => {
        // Made on first need (at admission, or for a member admitted before pseudonyms); one per organization whoever races.
        await this.db.query('INSERT INTO citizen_secrets (organization, secret) VALUES ($1, $2) ON CONFLICT DO NOTHING', [organization, randomBytes(32)]);
        const { rows } = await this.db.query<{ secret: Buffer | Uint8Array }>('SELECT secret FROM citizen_secrets WHERE organization = $1', [organization]);
        return Buffer.from(rows[0]!.secret);
      })();
      secret.catch(() => this.secrets.delete(organization));
      this.secrets.set(organization, secret);
    }
    return secret;
  }
}

/** The data fields of case events that name the citizen: mapped at ingest and at read time. */
export const CITIZEN_FIELD = 'citizen';
