import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { applyMigrations, Lease, SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import { inclusionProof, merkleRoot, signCheckpoint, type CheckpointPayload, type ProofStep, type StreamHead } from '@passerelle/verification';
import { HubKeys } from '../hub-key/hub-keys';

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS audit_checkpoints (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    position   bigint      NOT NULL,
    root       text        NOT NULL,
    jws        text        NOT NULL,
    heads      jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
];

export interface StoredCheckpoint {
  seq: number;
  payload: CheckpointPayload;
  jws: string;
  heads: StreamHead[];
}

/**
 * Signs the log's state every so often (PASSERELLE_CHECKPOINT_INTERVAL seconds, default 60,
 * and only when the log moved): every stream's head as a Merkle root, with the hub's key.
 * Whoever rewrites history after a checkpoint cannot make it match the signed root.
 */
@Injectable()
export class CheckpointService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CheckpointService.name);
  private timer: NodeJS.Timeout | undefined;
  private signing: Promise<StoredCheckpoint | undefined> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly keys: HubKeys,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await applyMigrations(this.db, 'audit', MIGRATIONS);
    if (this.config.checkpointIntervalSeconds > 0) {
      // With many audit instances, the one holding the lease signs on schedule (the lease
      // outlives three intervals, so a dead holder is replaced after at most that).
      const lease = await Lease.open(this.db, `${this.config.groupPrefix}-audit-checkpoints`, { ttlMs: this.config.checkpointIntervalSeconds * 3_000 });
      const scheduled = async () => {
        if (await lease.acquire()) await this.sign();
      };
      this.timer = setInterval(() => void scheduled().catch((err: unknown) => this.logger.error({ err }, 'could not sign a checkpoint')), this.config.checkpointIntervalSeconds * 1000);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.signing?.catch(() => undefined);
  }

  /** Signs the current state, unless the latest checkpoint already covers it. One at a time. */
  sign(): Promise<StoredCheckpoint | undefined> {
    this.signing ??= this.signNow().finally(() => (this.signing = undefined));
    return this.signing;
  }

  async latest(): Promise<StoredCheckpoint | undefined> {
    const { rows } = await this.db.query<{ seq: string; jws: string; heads: StreamHead[] }>('SELECT seq::text AS seq, jws, heads FROM audit_checkpoints ORDER BY seq DESC LIMIT 1');
    const row = rows[0];
    if (!row) return undefined;
    return { seq: Number(row.seq), jws: row.jws, heads: row.heads, payload: JSON.parse(Buffer.from(row.jws.split('.')[1]!, 'base64url').toString('utf8')) as CheckpointPayload };
  }

  /** The latest checkpoint's statement about one stream, with its proof, if it names it. */
  async proofFor(streamId: string): Promise<{ checkpoint: StoredCheckpoint; head: StreamHead; proof: ProofStep[] } | undefined> {
    const checkpoint = await this.latest();
    if (!checkpoint) return undefined;
    const found = inclusionProof(checkpoint.heads, streamId);
    return found ? { checkpoint, ...found } : undefined;
  }

  private async signNow(): Promise<StoredCheckpoint | undefined> {
    const { position, heads } = await this.store.heads();
    const previous = await this.latest();
    if (previous && BigInt(previous.payload.position) === position) return previous;
    const stated: StreamHead[] = heads.map((h) => ({ streamId: h.streamId, revision: String(h.revision), hash: h.hash }));
    const payload: CheckpointPayload = { format: 'passerelle-checkpoint/1', position: String(position), at: new Date().toISOString(), streams: stated.length, root: merkleRoot(stated) };
    const jws = await signCheckpoint(payload, this.keys.current());
    const { rows } = await this.db.query<{ seq: string }>('INSERT INTO audit_checkpoints (position, root, jws, heads) VALUES ($1, $2, $3, $4) RETURNING seq::text AS seq', [
      payload.position,
      payload.root,
      jws,
      JSON.stringify(stated),
    ]);
    this.logger.log({ position: payload.position, streams: payload.streams, root: payload.root }, `signed a checkpoint at position ${payload.position}`);
    return { seq: Number(rows[0]!.seq), payload, jws, heads: stated };
  }
}
