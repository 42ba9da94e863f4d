import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { RejectedReceipt } from '@passerelle/contracts';
import { applyMigrations, SQL_DATABASE, type SqlDatabase } from '@passerelle/database';

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS ledger_rejections (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization text        NOT NULL,
    event_id     text,
    case_id      text,
    code         text        NOT NULL,
    receipt      jsonb       NOT NULL,
    message      jsonb       NOT NULL,
    received_at  timestamptz NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS ledger_rejections_by_organization ON ledger_rejections (organization, seq)`,
];

/** Where the message came from: enough to find it again on the bus. */
export interface MessageRef {
  topic: string;
  partition: number;
  offset: string;
}

export interface LoggedRejection {
  seq: number;
  receipt: RejectedReceipt;
  message: MessageRef;
}

/**
 * Every refused inbound event, kept for operators: a rejection never enters a case stream,
 * so this log is where it can be found, with its receipt and the message it came from.
 */
@Injectable()
export class RejectionLog implements OnModuleInit {
  constructor(@Inject(SQL_DATABASE) private readonly db: SqlDatabase) {}

  async onModuleInit(): Promise<void> {
    await applyMigrations(this.db, 'ledger', MIGRATIONS);
  }

  async record(rejections: ReadonlyArray<{ receipt: RejectedReceipt; message: MessageRef }>): Promise<void> {
    if (rejections.length === 0) return;
    // One statement for the whole batch.
    await this.db.query(
      `INSERT INTO ledger_rejections (organization, event_id, case_id, code, receipt, message, received_at)
       SELECT r->'receipt'->>'organization', r->'receipt'->>'eventId', r->'receipt'->>'caseId', r->'receipt'->>'code',
              r->'receipt', r->'message', (r->'receipt'->>'receivedAt')::timestamptz
       FROM jsonb_array_elements($1::jsonb) AS r`,
      [JSON.stringify(rejections)],
    );
  }

  /** The rejections after `after` (a seq), oldest first; one organization's, or everyone's. */
  async list(options: { organization?: string; after?: number; limit?: number }): Promise<LoggedRejection[]> {
    const { rows } = await this.db.query<{ seq: string; receipt: RejectedReceipt; message: MessageRef }>(
      `SELECT seq::text AS seq, receipt, message FROM ledger_rejections
       WHERE seq > $1 AND ($2::text IS NULL OR organization = $2) ORDER BY seq LIMIT $3`,
      [options.after ?? 0, options.organization ?? null, options.limit ?? 100],
    );
    return rows.map((r) => ({ seq: Number(r.seq), receipt: r.receipt, message: r.message }));
  }
}
