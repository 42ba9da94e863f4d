/**
 * The SQL event store's tables, for PostgreSQL and PGlite alike. Each statement is idempotent
 * and runs at open through applyMigrations.
 */

/** pg_advisory_xact_lock key that serialises position assignment ('pas:appe' as a bigint). */
export const APPEND_LOCK = '8097880299568918629';
/** NOTIFY channel: a wake-up hint sent after commits, never inside an append transaction. */
export const APPENDED_CHANNEL = 'es_events_appended';

/**
 * Whether any of the ids in $1 is stored, as a PL/pgSQL `EXECUTE` string: planned for these ids
 * each time. A plan cached while the log was small (a sequential scan) would stay for the
 * session and slow every append as the log grows.
 */
const ANY_ID_STORED = `'SELECT EXISTS (SELECT 1 FROM es_events e WHERE e.id = ANY ($1))'`;

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
  // The whole append as one function, so that an append is one statement and one round trip
  // (autocommit): lock the head (creating it for a new stream), answer a replay, check the
  // expected revision, then — under APPEND_LOCK, held until commit — chain the batch and
  // insert it in one statement, and move the head. The hash is computed here exactly as
  // chainHash does: SHA-256 over the previous hash and {"data":<JCS>,"metadata":<JCS>}, the
  // JCS texts coming from the caller. Outcomes: 'appended' rows, 'found' rows (ids stored
  // already: the caller judges the replay), or one 'conflict' row with the actual revision.
  // p_check false skips the replay lookup: es_append_many's, when it has looked up the whole
  // batch at once and found none of its ids.
  `CREATE OR REPLACE FUNCTION es_append_stream(p_stream text, p_expected text, p_ids text[], p_types text[], p_data text[], p_metadata text[], p_check boolean)
  RETURNS TABLE (outcome text, revision bigint, "position" bigint, hash text, id text, stream_id text, type text, prev_hash text)
  LANGUAGE plpgsql AS $$
  DECLARE
    v_revision bigint;
    v_hash text;
    v_created boolean := false;
    v_prevs text[] := '{}';
    v_hashes text[] := '{}';
    v_prev text;
    v_row record;
    v_found boolean := false;
    v_n int := coalesce(array_length(p_ids, 1), 0);
  BEGIN
    LOOP
      SELECT s.revision, s.last_hash INTO v_revision, v_hash FROM es_streams s WHERE s.stream_id = p_stream FOR UPDATE;
      EXIT WHEN FOUND;
      INSERT INTO es_streams AS s (stream_id, revision, last_hash) VALUES (p_stream, -1, repeat('0', 64)) ON CONFLICT ON CONSTRAINT es_streams_pkey DO NOTHING;
      IF FOUND THEN
        v_revision := -1;
        v_hash := repeat('0', 64);
        v_created := true;
        EXIT;
      END IF;
    END LOOP;

    IF p_check THEN
      EXECUTE ${ANY_ID_STORED} INTO v_found USING p_ids;
    END IF;
    IF v_found THEN
      IF v_created THEN DELETE FROM es_streams s WHERE s.stream_id = p_stream; END IF;
      RETURN QUERY EXECUTE 'SELECT ''found''::text, e.revision, e.position, e.hash, e.id, e.stream_id, e.type, e.prev_hash FROM es_events e WHERE e.id = ANY ($1)' USING p_ids;
      RETURN;
    END IF;

    IF NOT (p_expected = 'any'
        OR (p_expected = 'no_stream' AND v_revision = -1)
        OR (p_expected = 'stream_exists' AND v_revision >= 0)
        OR (p_expected ~ '^[0-9]+$' AND v_revision = p_expected::bigint)) THEN
      IF v_created THEN DELETE FROM es_streams s WHERE s.stream_id = p_stream; END IF;
      RETURN QUERY SELECT 'conflict'::text, v_revision, NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text;
      RETURN;
    END IF;

    -- Iterating a query over the arrays, not p_data[i]: subscripting a large array parameter
    -- in a loop copies it whole every time.
    v_prev := v_hash;
    FOR v_row IN SELECT u.d, u.m FROM unnest(p_data, p_metadata) WITH ORDINALITY AS u(d, m, n) ORDER BY u.n LOOP
      v_prevs := array_append(v_prevs, v_prev);
      v_prev := encode(sha256(convert_to(v_prev || '{"data":' || v_row.d || ',"metadata":' || v_row.m || '}', 'UTF8')), 'hex');
      v_hashes := array_append(v_hashes, v_prev);
    END LOOP;

    PERFORM pg_advisory_xact_lock(${APPEND_LOCK});
    RETURN QUERY
      INSERT INTO es_events AS e (stream_id, revision, id, type, data, metadata, prev_hash, hash)
      SELECT p_stream, v_revision + b.n, b.id, b.type, b.data::jsonb, b.metadata::jsonb, b.prev, b.hash
      FROM unnest(p_ids, p_types, p_data, p_metadata, v_prevs, v_hashes) WITH ORDINALITY AS b(id, type, data, metadata, prev, hash, n)
      ORDER BY b.n
      RETURNING 'appended'::text, e.revision, e.position, e.hash, e.id, e.stream_id, e.type, e.prev_hash;
    UPDATE es_streams s SET revision = v_revision + v_n, last_hash = v_prev, updated_at = now() WHERE s.stream_id = p_stream;
  END
  $$`,
  // es_append, the single append of earlier versions, under its name and signature: their
  // processes still call it (and their es_append_many does) while an upgrade is under way,
  // and one of them starting again re-creates it as it was, with the same answers.
  `CREATE OR REPLACE FUNCTION es_append(p_stream text, p_expected text, p_ids text[], p_types text[], p_data text[], p_metadata text[])
  RETURNS TABLE (outcome text, revision bigint, "position" bigint, hash text, id text, stream_id text, type text, prev_hash text)
  LANGUAGE sql AS $$ SELECT * FROM es_append_stream(p_stream, p_expected, p_ids, p_types, p_data, p_metadata, true) $$`,
  // Several appends in one statement and one commit (the ledger's batches). Every head is
  // locked first, in stream id order (missing ones created), before any append takes the
  // append lock: whoever holds the append lock never waits for a head, so no deadlock
  // forms with single appends or with another batch. Heads created here for appends that did
  // not happen (a conflict, a replay) are removed again. Once the heads are locked, the whole
  // batch's ids are looked up at once: when none is stored and none repeats within the batch,
  // no append needs its own lookup; otherwise each makes it, as it would alone (a later
  // append then finds the ids an earlier one of the batch inserted).
  `CREATE OR REPLACE FUNCTION es_append_many(p_streams text[], p_expected text[], p_counts int[], p_ids text[], p_types text[], p_data text[], p_metadata text[])
  RETURNS TABLE (idx int, outcome text, revision bigint, "position" bigint, hash text, id text, stream_id text, type text, prev_hash text)
  LANGUAGE plpgsql AS $$
  DECLARE
    -- Local copies are expanded once; slicing the parameters would copy them whole each time.
    v_ids text[] := p_ids;
    v_types text[] := p_types;
    v_data text[] := p_data;
    v_metadata text[] := p_metadata;
    v_stream text;
    v_offset int := 1;
    v_count int;
    v_check boolean;
  BEGIN
    FOR v_stream IN SELECT DISTINCT u.s COLLATE "C" AS s FROM unnest(p_streams) AS u(s) ORDER BY 1 LOOP
      PERFORM 1 FROM es_streams s WHERE s.stream_id = v_stream FOR UPDATE;
      IF NOT FOUND THEN
        INSERT INTO es_streams AS s (stream_id, revision, last_hash) VALUES (v_stream, -1, repeat('0', 64)) ON CONFLICT ON CONSTRAINT es_streams_pkey DO NOTHING;
        IF NOT FOUND THEN
          PERFORM 1 FROM es_streams s WHERE s.stream_id = v_stream FOR UPDATE;
        END IF;
      END IF;
    END LOOP;
    EXECUTE ${ANY_ID_STORED} INTO v_check USING v_ids;
    v_check := v_check OR (SELECT count(DISTINCT u.id) FROM unnest(v_ids) AS u(id)) < coalesce(array_length(v_ids, 1), 0);
    FOR i IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
      v_count := p_counts[i];
      RETURN QUERY SELECT i, a.* FROM es_append_stream(p_streams[i], p_expected[i], v_ids[v_offset : v_offset + v_count - 1], v_types[v_offset : v_offset + v_count - 1],
        v_data[v_offset : v_offset + v_count - 1], v_metadata[v_offset : v_offset + v_count - 1], v_check) AS a;
      v_offset := v_offset + v_count;
    END LOOP;
    DELETE FROM es_streams s WHERE s.stream_id = ANY (p_streams) AND s.revision = -1;
  END
  $$`,
];

/** Several appends, one statement: see es_append_many. */
export const APPEND_MANY_FUNCTION = `SELECT idx, outcome, revision::text AS revision, "position"::text AS position, hash, id, stream_id, type, prev_hash
  FROM es_append_many($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[])`;

/** One append, one statement: see es_append_stream. */
export const APPEND_FUNCTION = `SELECT outcome, revision::text AS revision, "position"::text AS position, hash, id, stream_id, type, prev_hash
  FROM es_append_stream($1, $2, $3::text[], $4::text[], $5::text[], $6::text[], true)`;

// bigints travel as text (pg and PGlite parse int8 differently). The aliases shadow the
// columns in ORDER BY, which would then sort text: ORDER BY always names e.position/e.revision.
const EVENT_COLUMNS = `e.stream_id, e.id, e.type, e.data, e.metadata, e.revision::text AS revision, e.position::text AS position, e.prev_hash, e.hash, e.recorded_at`;
/** The same, data and metadata as jsonb's text, which the driver hands over unparsed. */
const EVENT_COLUMNS_JSON = EVENT_COLUMNS.replace('e.data, e.metadata', 'e.data::text AS data, e.metadata::text AS metadata');





export const LOCATE = `SELECT id, stream_id, revision::text AS revision, position::text AS position, hash FROM es_events WHERE id = ANY ($1::text[])`;

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
export function readAllSql(conditions: string[], limitParam: number, json = false): string {
  return `SELECT ${json ? EVENT_COLUMNS_JSON : EVENT_COLUMNS} FROM es_events e WHERE ${conditions.join(' AND ')} ORDER BY e.position LIMIT $${limitParam}`;
}

export const NOTIFY = `SELECT pg_notify($1, $2)`;

export interface EventRow<Json extends string | Record<string, unknown> = Record<string, unknown>> {
  stream_id: string;
  id: string;
  type: string;
  data: Json;
  metadata: Json;
  revision: string;
  position: string;
  prev_hash: string;
  hash: string;
  recorded_at: Date | string;
}
