/**
 * The SQL event store's tables, for PostgreSQL and PGlite alike. Each statement is idempotent
 * and runs at open through applyMigrations.
 */

/** pg_advisory_xact_lock key that serialises position assignment ('pas:appe' as a bigint). */
export const APPEND_LOCK = '8097880299568918629';
/** NOTIFY channel: a wake-up hint sent after commits, never inside an append transaction. */
export const APPENDED_CHANNEL = 'es_events_appended';

export const MIGRATIONS: readonly string[] = [
  // One row per stream: the head the expected-revision check locks (SELECT … FOR UPDATE) and
  // the chain continues from. A row is committed only together with the stream's events.
  `CREATE TABLE IF NOT EXISTS es_streams (
    stream_id  text        PRIMARY KEY,
    revision   bigint      NOT NULL,
    last_hash  text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  // The log. position is handed out by an identity sequence under APPEND_LOCK, so positions
  // are assigned in commit order (docs/event-store.md). No foreign key to es_streams: both are
  // written in the same transaction, and a per-row check would only slow batch inserts.
  `CREATE TABLE IF NOT EXISTS es_events (
    position    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id   text        NOT NULL,
    revision    bigint      NOT NULL,
    id          text        NOT NULL,
    type        text        NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL,
    prev_hash   text        NOT NULL,
    hash        text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT es_events_stream_revision UNIQUE (stream_id, revision),
    CONSTRAINT es_events_event_id UNIQUE (id),
    CONSTRAINT es_events_revision_not_negative CHECK (revision >= 0)
  )`,
  // Append-only: UPDATE, DELETE and TRUNCATE are refused. An owner can still disable the
  // trigger; the hash chain is what lets an auditor notice.
  `CREATE OR REPLACE FUNCTION es_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'es_events is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
  END
  $$`,
  // Created only when absent: CREATE OR REPLACE TRIGGER would lock es_events at every start.
  `DO $$
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'es_events'::regclass AND tgname = 'es_events_append_only') THEN
      CREATE TRIGGER es_events_append_only BEFORE UPDATE OR DELETE ON es_events
        FOR EACH ROW EXECUTE FUNCTION es_events_append_only();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'es_events'::regclass AND tgname = 'es_events_no_truncate') THEN
      CREATE TRIGGER es_events_no_truncate BEFORE TRUNCATE ON es_events
        FOR EACH STATEMENT EXECUTE FUNCTION es_events_append_only();
    END IF;
  END
  $$`,
];

// bigints travel as text (pg and PGlite parse int8 differently). The aliases shadow the
// columns in ORDER BY, which would then sort text: ORDER BY always names e.position/e.revision.
const EVENT_COLUMNS = `e.stream_id, e.id, e.type, e.data, e.metadata, e.revision::text AS revision, e.position::text AS position, e.prev_hash, e.hash, e.recorded_at`;

/** Locks the stream head for this transaction; no row when the stream has no event. */
export const LOCK_HEAD = `SELECT revision::text AS revision, last_hash FROM es_streams WHERE stream_id = $1 FOR UPDATE`;

/**
 * Creates (and so locks) the head of a new stream. Returns no row when another transaction
 * created it first; a concurrent creator still in flight makes this wait for its outcome.
 */
export const CREATE_HEAD = `INSERT INTO es_streams (stream_id, revision, last_hash) VALUES ($1, -1, $2)
  ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id`;

/** Which of these ids are stored already, and where: the idempotency check, run under the head lock. */
export const FIND_IDS = `SELECT id, stream_id, revision::text AS revision, position::text AS position, type, prev_hash, hash
  FROM es_events WHERE id = ANY($1::text[])`;

/**
 * The whole write, in one statement and one round trip:
 * 1. take APPEND_LOCK (transaction-scoped, released after the commit is visible);
 * 2. insert the batch from arrays (unnest), which draws positions from the sequence — only
 *    after the lock: the insert reads its rows from a join with the materialised lock CTE, so
 *    no row, hence no position default, exists before the lock is held;
 * 3. move the stream head (already locked by LOCK_HEAD or CREATE_HEAD).
 * Arrays travel as text[] and are cast here: the one array type both drivers serialise alike.
 */
export const APPEND = `WITH append_lock AS MATERIALIZED (
    SELECT pg_advisory_xact_lock(${APPEND_LOCK})
  ), appended AS (
    INSERT INTO es_events (stream_id, revision, id, type, data, metadata, prev_hash, hash)
    SELECT $1, e.revision::bigint, e.id, e.type, e.data::jsonb, e.metadata::jsonb, e.prev_hash, e.hash
    FROM append_lock,
         unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
           WITH ORDINALITY AS e(revision, id, type, data, metadata, prev_hash, hash, n)
    ORDER BY e.n
    RETURNING position, revision
  ), moved_head AS (
    UPDATE es_streams SET revision = $9::bigint, last_hash = $10, updated_at = now() WHERE stream_id = $1
  )
  SELECT a.position::text AS position, a.revision::text AS revision FROM appended a ORDER BY a.revision`;

export const STREAM_REVISION = `SELECT revision::text AS revision FROM es_streams WHERE stream_id = $1`;

export const STREAM_HEAD = `SELECT revision::text AS revision, last_hash FROM es_streams WHERE stream_id = $1 AND revision >= 0`;

export const HEADS = `SELECT s.stream_id, s.revision::text AS revision, s.last_hash, (SELECT max(position)::text FROM es_events) AS position
  FROM es_streams s WHERE s.revision >= 0 AND starts_with(s.stream_id, $1) ORDER BY s.stream_id COLLATE "C"`;

export const LAST_POSITION = `SELECT max(position)::text AS position FROM es_events`;

export const READ_STREAM_FORWARDS = `SELECT ${EVENT_COLUMNS} FROM es_events e
  WHERE e.stream_id = $1 AND e.revision >= $2::bigint ORDER BY e.revision LIMIT $3`;

export const READ_STREAM_BACKWARDS = `SELECT ${EVENT_COLUMNS} FROM es_events e
  WHERE e.stream_id = $1 AND e.revision <= $2::bigint ORDER BY e.revision DESC LIMIT $3`;

/** Keyset read of the log; filters are added as parameterised conditions. */
export function readAllSql(conditions: string[], limitParam: number): string {
  return `SELECT ${EVENT_COLUMNS} FROM es_events e WHERE ${conditions.join(' AND ')} ORDER BY e.position LIMIT $${limitParam}`;
}

export const NOTIFY = `SELECT pg_notify($1, $2)`;

export interface EventRow {
  stream_id: string;
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  revision: string;
  position: string;
  prev_hash: string;
  hash: string;
  recorded_at: Date | string;
}
