import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { receiptsTopic, type Receipt } from '@passerelle/contracts';
import { applyMigrations, SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { FEDERATION_DIRECTORY, type FederationDirectory } from '@passerelle/identity';
import { MESSAGE_BUS, subscribeToTopicSet, type IncomingMessage, type MessageBus, type Subscription } from '@passerelle/messaging';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS gateway_receipts (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization  text        NOT NULL,
    event_id      text,
    submission_id text,
    receipt       jsonb       NOT NULL,
    received_at   timestamptz NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS gateway_receipts_by_event ON gateway_receipts (organization, event_id, seq)`,
  `CREATE INDEX IF NOT EXISTS gateway_receipts_by_submission ON gateway_receipts (submission_id)`,
  `CREATE INDEX IF NOT EXISTS gateway_receipts_by_time ON gateway_receipts (organization, received_at)`,
];

/**
 * How often the book is searched for receipts that did not arrive in this process (another
 * gateway consumed them). One query serves every waiter, and only waiters older than this are
 * looked for: a receipt consumed here wakes its waiter at once and costs no query.
 */
const POLL_MS = 50;

/**
 * Receipt partitions whose batches the book keeps at once. Each batch costs an insert and an
 * offset commit: taken one partition after another (nine for three publishers), a receipt
 * waited behind every other partition's round trips before its publisher heard of it.
 */
const PARTITIONS_AT_ONCE = 8;

interface Waiter {
  since: number;
  arrived: (receipt: Receipt) => void;
}

@Injectable()
export class ReceiptBook implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReceiptBook.name);
  private subscription: Subscription | undefined;
  private readonly waiters = new Map<string, Waiter>();
  private polling: ReturnType<typeof setTimeout> | undefined;

  constructor(
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(FEDERATION_DIRECTORY) private readonly directory: FederationDirectory,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await applyMigrations(this.db, 'gateway', MIGRATIONS);
    this.subscription = await subscribeToTopicSet(this.bus, {
      groupId: `${this.config.groupPrefix}-gateway`,
      fromBeginning: true,
      topics: () => this.directory.organizations().map((o) => receiptsTopic(o.id)),
      refreshMs: 2_000,
      partitionsConcurrently: PARTITIONS_AT_ONCE,
      handleBatch: (messages) => this.keep(messages),
      onError: (err) => this.logger.warn({ err }, 'could not follow the receipts topics; retrying'),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.polling);
    await this.subscription?.close();
  }

  /** The latest receipt of an organization's event, if any. */
  async latest(organization: string, eventId: string): Promise<Receipt | undefined> {
    const { rows } = await this.db.query<{ receipt: Receipt }>(
      'SELECT receipt FROM gateway_receipts WHERE organization = $1 AND event_id = $2 ORDER BY seq DESC LIMIT 1',
      [organization, eventId],
    );
    return rows[0]?.receipt;
  }

  /**
   * An organization's receipts, the most recently received first: accepted and rejected alike,
   * as the ledger published them (a redelivered event appears once per receipt). Receipts
   * reach the book in batches, not in the order the hub received the events, so the order is
   * the hub's receive time; `before` (an instant) pages back from there.
   */
  async list(organization: string, options: { status?: 'accepted' | 'rejected'; before?: string; limit: number }): Promise<Array<{ seq: number; receipt: Receipt }>> {
    const { rows } = await this.db.query<{ seq: string; receipt: Receipt }>(
      `SELECT seq::text AS seq, receipt FROM gateway_receipts
       WHERE organization = $1 AND ($2::text IS NULL OR receipt->>'status' = $2) AND ($3::timestamptz IS NULL OR received_at < $3::timestamptz)
       ORDER BY received_at DESC, seq DESC LIMIT $4`,
      [organization, options.status ?? null, options.before ?? null, options.limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), receipt: r.receipt }));
  }

  /**
   * Runs `send` (which publishes the submission) and answers with the submission's receipt, or
   * undefined when none came within `timeoutMs`. The waiter is in place before the message
   * leaves, so a receipt that comes back at once is never missed.
   */
  async waitFor(submissionId: string, timeoutMs: number, send: () => Promise<void>): Promise<Receipt | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const receipt = new Promise<Receipt | undefined>((resolve) => {
      this.waiters.set(submissionId, { since: Date.now(), arrived: resolve });
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      await send();
      this.schedulePoll();
      return await receipt;
    } finally {
      clearTimeout(timer);
      this.waiters.delete(submissionId);
    }
  }

  /** One search of the book for every waiter that has waited a poll interval, while any waits. */
  private schedulePoll(): void {
    if (this.polling !== undefined || this.waiters.size === 0) return;
    this.polling = setTimeout(() => {
      void this.poll().finally(() => {
        this.polling = undefined;
        this.schedulePoll();
      });
    }, POLL_MS);
  }

  private async poll(): Promise<void> {
    const due = Date.now() - POLL_MS;
    const ids = [...this.waiters].filter(([, w]) => w.since <= due).map(([id]) => id);
    if (ids.length === 0) return;
    try {
      const { rows } = await this.db.query<{ submission_id: string; receipt: Receipt }>(
        'SELECT DISTINCT ON (submission_id) submission_id, receipt FROM gateway_receipts WHERE submission_id = ANY ($1::text[]) ORDER BY submission_id, seq DESC',
        [ids],
      );
      for (const row of rows) this.waiters.get(row.submission_id)?.arrived(row.receipt);
    } catch (err) {
      // A failed search is tried again at the next interval; the waiter's own timeout still holds.
      this.logger.warn({ err }, 'could not search the receipt book; trying again');
    }
  }

  private async keep(messages: IncomingMessage[]): Promise<void> {
    const receipts: Receipt[] = [];
    for (const message of messages) {
      try {
        receipts.push(JSON.parse(message.value.toString('utf8')) as Receipt);
      } catch {
        this.logger.error({ topic: message.topic, offset: message.offset }, 'a receipt that is not JSON; skipped');
      }
    }
    await this.db.query(
      `INSERT INTO gateway_receipts (organization, event_id, submission_id, receipt, received_at)
       SELECT r->>'organization', r->>'eventId', r->>'submissionId', r, (r->>'receivedAt')::timestamptz FROM jsonb_array_elements($1::jsonb) AS r`,
      [JSON.stringify(receipts)],
    );
    for (const receipt of receipts) if (receipt.submissionId) this.waiters.get(receipt.submissionId)?.arrived(receipt);
  }
}
