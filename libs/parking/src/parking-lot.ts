import { applyMigrations, type SqlDatabase, type SqlExecutor } from '@passerelle/database';

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS parked_messages (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    component   text        NOT NULL,
    source_ref  text        NOT NULL,
    source      jsonb       NOT NULL,
    case_id     text,
    key         text,
    value       bytea       NOT NULL,
    headers     jsonb       NOT NULL,
    error       jsonb       NOT NULL,
    attempts    integer     NOT NULL,
    held_behind bigint,
    status      text        NOT NULL DEFAULT 'parked',
    parked_at   timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (component, source_ref)
  )`,
  `CREATE INDEX IF NOT EXISTS parked_messages_waiting ON parked_messages (component, case_id, id) WHERE status <> 'replayed'`,
];

/** Where a parked message came from: a Kafka record, or an event of the store's log. */
export type ParkedSource = { kind: 'kafka'; topic: string; partition: number; offset: string } | { kind: 'store'; position: string; streamId: string };

/** Why it was parked, in our own terms. */
export interface ParkedError {
  code: string;
  message: string;
  retriable: boolean;
}

export interface ParkRequest {
  /** The component that could not process it (relay, views, ledger): the one that replays it. */
  component: string;
  source: ParkedSource;
  /** The case it belongs to: its later messages wait behind it. */
  caseId: string | null;
  key: string | null;
  /** The original bytes, as received. */
  value: Buffer;
  headers: Record<string, string>;
  error: ParkedError;
  attempts: number;
  /** Set when the message did not fail itself but waits behind a parked one of its case. */
  heldBehind?: string;
}

export type ParkedStatus = 'parked' | 'replay-requested' | 'replayed';

export interface ParkedMessage extends Omit<ParkRequest, 'heldBehind'> {
  id: string;
  heldBehind: string | null;
  status: ParkedStatus;
  parkedAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  component: string;
  source: ParkedSource;
  case_id: string | null;
  key: string | null;
  value: Uint8Array;
  headers: Record<string, string>;
  error: ParkedError;
  attempts: number;
  held_behind: string | null;
  status: ParkedStatus;
  parked_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = `id::text AS id, component, source, case_id, key, value, headers, error, attempts, held_behind::text AS held_behind, status, parked_at, updated_at`;

/**
 * Text as PostgreSQL can keep it: a message's key, headers or error may carry NUL (Kafka keys
 * and headers are bytes), which no text or jsonb column holds; it is kept as U+FFFD.
 */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

const storableRecord = (record: Record<string, string>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [storableText(k), storableText(v)]));

/**
 * Messages a component could not process, kept with their original bytes, the error and how
 * often it was tried, until an operator replays them. A parked message holds back the later
 * messages of its case (they are parked behind it), and only those: other cases go on.
 * Parking is idempotent by source, so a batch redelivered after a crash parks nothing twice.
 */
export class ParkingLot {
  private constructor(private readonly db: SqlDatabase) {}

  static async open(db: SqlDatabase): Promise<ParkingLot> {
    await applyMigrations(db, 'parking', MIGRATIONS);
    return new ParkingLot(db);
  }

  /** Parks what is not parked yet; returns the ids of each request's entry (new or existing). */
  async park(requests: readonly ParkRequest[], executor: SqlExecutor = this.db): Promise<string[]> {
    const ids: string[] = [];
    for (const r of requests) {
      const ref = sourceRef(r.source);
      await executor.query(
        `INSERT INTO parked_messages (component, source_ref, source, case_id, key, value, headers, error, attempts, held_behind)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10::bigint)
         ON CONFLICT (component, source_ref) DO NOTHING`,
        [
          r.component,
          ref,
          JSON.stringify(r.source),
          r.caseId === null ? null : storableText(r.caseId),
          r.key === null ? null : storableText(r.key),
          r.value,
          JSON.stringify(storableRecord(r.headers)),
          JSON.stringify({ ...r.error, message: storableText(r.error.message) }),
          r.attempts,
          r.heldBehind ?? null,
        ],
      );
      const { rows } = await executor.query<{ id: string }>('SELECT id::text AS id FROM parked_messages WHERE component = $1 AND source_ref = $2', [r.component, ref]);
      ids.push(rows[0]!.id);
    }
    return ids;
  }

  /** For each of these cases that has a message of `component` still parked: the oldest one. */
  async holding(component: string, caseIds: readonly string[], executor: SqlExecutor = this.db): Promise<Map<string, { id: string; source: ParkedSource }>> {
    if (caseIds.length === 0) return new Map();
    const { rows } = await executor.query<{ case_id: string; id: string; source: ParkedSource }>(
      `SELECT DISTINCT ON (case_id) case_id, id::text AS id, source FROM parked_messages
       WHERE component = $1 AND status <> 'replayed' AND case_id = ANY($2::text[]) ORDER BY case_id, id`,
      [component, [...new Set(caseIds.map(storableText))]],
    );
    return new Map(rows.map((r) => [r.case_id, { id: r.id, source: r.source }]));
  }

  async list(filter: { status?: ParkedStatus | 'waiting'; component?: string; limit?: number } = {}): Promise<ParkedMessage[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM parked_messages
       WHERE ($1::text IS NULL OR component = $1) AND ($2::text IS NULL OR status = $2 OR ($2 = 'waiting' AND status <> 'replayed'))
       ORDER BY id LIMIT $3`,
      [filter.component ?? null, filter.status ?? null, filter.limit ?? 500],
    );
    return rows.map(toMessage);
  }

  /** How many are parked, by component and status: what an operator watches. */
  async counts(): Promise<Array<{ component: string; status: ParkedStatus; count: number }>> {
    const { rows } = await this.db.query<{ component: string; status: ParkedStatus; count: number }>(
      'SELECT component, status, count(*)::int AS count FROM parked_messages GROUP BY component, status ORDER BY component, status',
    );
    return rows;
  }

  async get(id: string): Promise<ParkedMessage | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM parked_messages WHERE id = $1::bigint`, [id]);
    return rows[0] && toMessage(rows[0]);
  }

  /**
   * Asks the owning component to replay the case of this message: every message of that case
   * still parked, oldest first, up to the first that fails again. Answers the entries asked.
   */
  async requestReplay(id: string): Promise<ParkedMessage[]> {
    const message = await this.get(id);
    if (!message || message.status === 'replayed') return [];
    const { rows } = await this.db.query<Row>(
      `UPDATE parked_messages SET status = 'replay-requested', updated_at = now()
       WHERE component = $1 AND status <> 'replayed' AND (case_id = $2 OR (case_id IS NULL AND id = $3::bigint))
       RETURNING ${COLUMNS}`,
      [message.component, message.caseId, id],
    );
    return rows.map(toMessage).sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  }

  /** The cases of `component` with a replay asked, each with its parked messages oldest first. */
  async replayRequests(component: string): Promise<ParkedMessage[][]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM parked_messages p
       WHERE component = $1 AND status <> 'replayed'
         AND EXISTS (SELECT 1 FROM parked_messages r WHERE r.component = p.component AND r.status = 'replay-requested'
                     AND (r.case_id = p.case_id OR (p.case_id IS NULL AND r.id = p.id)))
       ORDER BY id`,
      [component],
    );
    const byCase = new Map<string, ParkedMessage[]>();
    for (const message of rows.map(toMessage)) {
      const key = message.caseId ?? `#${message.id}`;
      byCase.set(key, [...(byCase.get(key) ?? []), message]);
    }
    return [...byCase.values()];
  }

  async markReplayed(id: string, executor: SqlExecutor = this.db): Promise<void> {
    await executor.query(`UPDATE parked_messages SET status = 'replayed', updated_at = now() WHERE id = $1::bigint`, [id]);
  }

  /** A replay failed again: it stays parked (and the rest of its case behind it), with the new error. */
  async replayFailed(ids: readonly string[], failed: { id: string; error: ParkedError; attempts: number }): Promise<void> {
    await this.db.query(`UPDATE parked_messages SET status = 'parked', updated_at = now() WHERE id = ANY($1::bigint[]) AND status = 'replay-requested'`, [ids]);
    await this.db.query(`UPDATE parked_messages SET error = $2::jsonb, attempts = attempts + $3, held_behind = NULL, updated_at = now() WHERE id = $1::bigint`, [
      failed.id,
      JSON.stringify(failed.error),
      failed.attempts,
    ]);
  }
}

/** Whether `source` comes after `parked` in its log (a redelivered earlier message is not held back). */
export function comesAfter(source: ParkedSource, parked: ParkedSource): boolean {
  if (source.kind === 'store' && parked.kind === 'store') return BigInt(source.position) > BigInt(parked.position);
  if (source.kind === 'kafka' && parked.kind === 'kafka' && source.topic === parked.topic && source.partition === parked.partition) return BigInt(source.offset) > BigInt(parked.offset);
  return true;
}

function sourceRef(source: ParkedSource): string {
  return source.kind === 'kafka' ? `kafka:${source.topic}/${source.partition}/${source.offset}` : `store:${source.position}`;
}

function toMessage(row: Row): ParkedMessage {
  return {
    id: row.id,
    component: row.component,
    source: row.source,
    caseId: row.case_id,
    key: row.key,
    value: Buffer.from(row.value),
    headers: row.headers,
    error: row.error,
    attempts: row.attempts,
    heldBehind: row.held_behind,
    status: row.status,
    parkedAt: new Date(row.parked_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
