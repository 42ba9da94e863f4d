import { applyMigrations, type SqlDatabase } from '@passerelle/database';
import { newDataKey } from './field-cipher';
import type { KeyProvider } from './key-provider.port';
import { PrivacyError } from './privacy.errors';

const MIGRATIONS = [
  // One row per citizen: the data key wrapped by the KEK, until erased. The row stays after
  // erasure (wrapped NULL), so a second erasure is told from an unknown citizen and no new key
  // is ever made for an erased citizen.
  `CREATE TABLE IF NOT EXISTS privacy_citizen_keys (
    citizen     text        PRIMARY KEY,
    kek_id      text        NOT NULL,
    wrapped     text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    erasure     jsonb,
    erased_at   timestamptz
  )`,
  // The KEK the keys are wrapped by, recorded by the first start: an instance that comes with
  // another KEK is refused even before any key exists.
  `CREATE TABLE IF NOT EXISTS privacy_kek (
    singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    kek_id      text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
  )`,
];

/** Who asked for an erasure, on what legal basis, when: recorded before the key is destroyed. */
export interface ErasureRequest {
  /** The id of the CitizenDataErased event that records it. */
  eventId: string;
  citizen: string;
  requestedBy: string;
  legalBasis: string;
  requestedAt: string;
  /** When the hub recorded it: from then on the key opens nothing. */
  erasedAt?: string;
}

/** A citizen's data key, or the fact that it was destroyed (or is being destroyed). */
export type CitizenKey = { state: 'live'; key: Buffer } | { state: 'erased'; erasure: ErasureRequest };

/**
 * Citizens' data keys in SQL, each wrapped by the key provider's KEK. Erasure is two steps,
 * each one statement: `beginErasure` records the request (from then on the key counts as
 * erased for every reader), `completeErasure` destroys the wrapped key. Between the two, the
 * erasure's event is appended; a crash anywhere leaves a request that `pendingErasures` finds
 * and the start-up completes. Nothing is cached: every lookup asks the database, so a key
 * erased by another instance is erased here too.
 */
export class CitizenKeys {
  private constructor(
    private readonly db: SqlDatabase,
    private readonly provider: KeyProvider,
  ) {}

  /**
   * Opens the table and checks the provider's KEK against it: wrapped keys under another KEK
   * id, or one that does not unwrap, are PRIVACY.KEK_WRONG.
   */
  static async open(db: SqlDatabase, provider: KeyProvider): Promise<CitizenKeys> {
    await applyMigrations(db, 'privacy', MIGRATIONS);
    await db.query('INSERT INTO privacy_kek (kek_id) VALUES ($1) ON CONFLICT DO NOTHING', [provider.kekId]);
    const recorded = (await db.query<{ kek_id: string }>('SELECT kek_id FROM privacy_kek')).rows[0]?.kek_id;
    const { rows } = await db.query<{ kek_id: string; citizen: string; wrapped: string }>(
      `SELECT DISTINCT ON (kek_id) kek_id, citizen, wrapped FROM privacy_citizen_keys WHERE wrapped IS NOT NULL ORDER BY kek_id, created_at`,
    );
    const other = recorded !== provider.kekId ? recorded : rows.find((r) => r.kek_id !== provider.kekId)?.kek_id;
    if (other) {
      throw new PrivacyError('PRIVACY.KEK_WRONG', `the hub's data keys are wrapped by key-encryption key ${other}, but the key provider holds ${provider.kekId}: start with the key that wrapped them (PASSERELLE_KEK_FILE)`);
    }
    if (rows[0]) await provider.unwrap(Buffer.from(rows[0].wrapped, 'base64'), rows[0].citizen);
    return new CitizenKeys(db, provider);
  }

  /** The KEK id the database was first started with, if any: a missing KEK may then not be replaced by a new one. */
  static async recordedKek(db: SqlDatabase): Promise<string | undefined> {
    await applyMigrations(db, 'privacy', MIGRATIONS);
    return (await db.query<{ kek_id: string }>('SELECT kek_id FROM privacy_kek')).rows[0]?.kek_id;
  }

  /**
   * The keys of these citizens, making one for each citizen who has none yet. The known keys are
   * read first, so a key is made and wrapped only for a citizen the hub has not seen (one more
   * statement then, which another writer making the same key at once cannot break).
   */
  async ensure(citizens: readonly string[]): Promise<Map<string, CitizenKey>> {
    const known = await this.lookup(citizens);
    const missing = [...new Set(citizens)].filter((c) => !known.has(c));
    if (missing.length === 0) return known;
    for (const [citizen, key] of await this.make(missing)) known.set(citizen, key);
    return known;
  }

  private async make(wanted: readonly string[]): Promise<Map<string, CitizenKey>> {
    const fresh = await Promise.all(wanted.map(async (c) => (await this.provider.wrap(newDataKey(), c)).toString('base64')));
    const { rows } = await this.db.query<Row>(
      `WITH added AS (
         INSERT INTO privacy_citizen_keys (citizen, kek_id, wrapped)
         SELECT * FROM unnest($1::text[], array_fill($2::text, ARRAY[cardinality($1::text[])]), $3::text[])
         ON CONFLICT (citizen) DO NOTHING
         RETURNING citizen, wrapped, erasure
       )
       SELECT citizen, wrapped, erasure FROM added
       UNION ALL
       SELECT citizen, wrapped, erasure FROM privacy_citizen_keys WHERE citizen = ANY($1::text[]) AND citizen NOT IN (SELECT citizen FROM added)`,
      [wanted, this.provider.kekId, fresh],
    );
    return this.toKeys(rows);
  }

  /** The keys of these citizens that exist (live or erased); none is made. */
  async lookup(citizens: readonly string[]): Promise<Map<string, CitizenKey>> {
    const wanted = [...new Set(citizens)];
    if (wanted.length === 0) return new Map();
    const { rows } = await this.db.query<Row>('SELECT citizen, wrapped, erasure FROM privacy_citizen_keys WHERE citizen = ANY($1::text[])', [wanted]);
    return this.toKeys(rows);
  }

  /**
   * Records an erasure request: from this statement on, the citizen's key counts as erased.
   * PRIVACY.CITIZEN_UNKNOWN when the hub holds no key for the citizen; PRIVACY.ALREADY_ERASED
   * when an erasure was asked already (the earlier one is named).
   */
  async beginErasure(request: ErasureRequest): Promise<void> {
    const { rows } = await this.db.query<{ citizen: string }>(
      `UPDATE privacy_citizen_keys SET erasure = $2::jsonb WHERE citizen = $1 AND erasure IS NULL RETURNING citizen`,
      [request.citizen, JSON.stringify(request)],
    );
    if (rows.length === 1) return;
    const existing = (await this.lookup([request.citizen])).get(request.citizen);
    if (!existing) throw new PrivacyError('PRIVACY.CITIZEN_UNKNOWN', `the hub holds no personal data of citizen ${request.citizen}: nothing to erase`);
    const earlier = existing.state === 'erased' ? existing.erasure : undefined;
    throw new PrivacyError('PRIVACY.ALREADY_ERASED', `the personal data of citizen ${request.citizen} was erased already${earlier ? ` (${earlier.eventId}, asked by ${earlier.requestedBy} on ${earlier.requestedAt})` : ''}`);
  }

  /** Destroys the wrapped key of a begun erasure (idempotent). */
  async completeErasure(citizen: string): Promise<void> {
    await this.db.query('UPDATE privacy_citizen_keys SET wrapped = NULL, erased_at = COALESCE(erased_at, now()) WHERE citizen = $1 AND erasure IS NOT NULL', [citizen]);
  }

  /** Erasures begun and not completed (a crash between the two steps). */
  async pendingErasures(): Promise<ErasureRequest[]> {
    const { rows } = await this.db.query<{ erasure: ErasureRequest }>('SELECT erasure FROM privacy_citizen_keys WHERE erasure IS NOT NULL AND erased_at IS NULL ORDER BY citizen');
    return rows.map((r) => r.erasure);
  }

  private async toKeys(rows: readonly Row[]): Promise<Map<string, CitizenKey>> {
    const keys = new Map<string, CitizenKey>();
    await Promise.all(
      rows.map(async (row) => {
        if (row.erasure) keys.set(row.citizen, { state: 'erased', erasure: row.erasure });
        else if (row.wrapped) keys.set(row.citizen, { state: 'live', key: await this.provider.unwrap(Buffer.from(row.wrapped, 'base64'), row.citizen) });
      }),
    );
    return keys;
  }
}

interface Row {
  citizen: string;
  wrapped: string | null;
  erasure: ErasureRequest | null;
}
