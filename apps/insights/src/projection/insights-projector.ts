import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CASE_STREAM_PREFIX, caseEventMetadata, committedEnvelope, parseEventType, upcast } from '@passerelle/contracts';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EVENT_STORE, followAll, PROJECTION_GATHER_MS, type EventStore, type Follower, type RecordedEvent } from '@passerelle/event-store';
import { followerProgress, METRICS, type FollowerProgress, type Metrics } from '@passerelle/metrics';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import type { InsightEvent } from '../domain/facts';
import { INSIGHTS_OPTIONS, type InsightsOptions } from '../insights-options';
import { InsightsStore } from './insights-store';

export interface ProjectionStatus {
  /** The last log position the measures reflect. */
  position: string;
  /** The log's last position when asked. */
  head: string;
  rebuilding: boolean;
  /** When the running rebuild started, and the head it must reach. */
  rebuild: { startedAt: string; target: string } | null;
}

/** A committed case event as the measures read it: at its newest version, with its proven publisher. */
export function insightEvent(event: RecordedEvent): InsightEvent {
  const envelope = upcast(committedEnvelope(event));
  return {
    caseId: envelope.caseid,
    sequence: Number(event.revision),
    publisher: caseEventMetadata(event).publisher,
    name: parseEventType(envelope.type)?.subject.split('.')[1] ?? envelope.type,
    channel: envelope.channel,
    time: envelope.time,
    data: envelope.data,
  };
}

/**
 * Follows the store's log from the projection's own checkpoint — in every mode, so the
 * measures cover every committed event whoever was entitled to it — and rebuilds from
 * position 0 on request.
 */
@Injectable()
export class InsightsProjector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InsightsProjector.name);
  private insights!: InsightsStore;
  private follower: Follower | undefined;
  private rebuild: { startedAt: string; target: bigint } | null = null;
  /** While a rebuild stops the follower and forgets the measures (the checkpoint still reads high then). */
  private resetting: Promise<void> | undefined;
  readonly name: string;
  private readonly progress: FollowerProgress;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(INSIGHTS_OPTIONS) private readonly options: InsightsOptions,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    @Inject(METRICS) metrics: Metrics,
  ) {
    this.name = `${config.groupPrefix}-insights`;
    this.progress = followerProgress(metrics, 'insights', () => this.store.lastPosition());
  }

  insightsStore(): InsightsStore {
    return this.insights;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.insights = await InsightsStore.open(this.db);
    this.follower = this.follow();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.resetting;
    await this.follower?.stop();
  }

  async status(): Promise<ProjectionStatus> {
    // Seen before reading the checkpoint: a reset that ends while we read must not let the
    // checkpoint it replaced (still at the old head) pass for the rebuild's progress.
    const rebuild = this.resetting ? null : this.rebuild;
    const position = await this.insights.checkpoints.read(this.name);
    const head = await this.head();
    if (rebuild && this.rebuild === rebuild && position >= rebuild.target) this.rebuild = null;
    return {
      position: String(position),
      head: String(head),
      rebuilding: this.rebuild !== null,
      rebuild: this.rebuild && { startedAt: this.rebuild.startedAt, target: String(this.rebuild.target) },
    };
  }

  /**
   * Stops following, forgets every measure, and follows again from position 0 — in the
   * background: the answer says the rebuild has started (asking again while it runs starts
   * nothing new), GET /insights/status follows it.
   */
  async startRebuild(): Promise<ProjectionStatus> {
    if (this.rebuild) return this.status();
    const target = await this.head();
    this.rebuild = { startedAt: new Date().toISOString(), target };
    this.logger.log({ target: String(target) }, 'insights rebuilding from position 0');
    this.resetting = (async () => {
      await this.follower?.stop();
      await this.insights.reset(this.name);
      this.follower = this.follow();
    })()
      .catch((err: unknown) => {
        // The measures stay as the reset left them; following again from the checkpoint repairs them.
        this.logger.error({ err }, 'insights could not start the rebuild; following the log again from the checkpoint');
        this.rebuild = null;
        this.follower = this.follow();
      })
      .finally(() => {
        this.resetting = undefined;
      });
    return this.status();
  }

  /** The log's head: the position every stream head is consistent with (no stream id starts with U+0001). */
  private async head(): Promise<bigint> {
    return (await this.store.heads({ streamPrefix: '\u0001' })).position;
  }

  private follow(): Follower {
    return followAll(this.store, {
      from: async () => {
        const from = await this.insights.checkpoints.read(this.name);
        this.progress.startsFrom(from);
        return from;
      },
      // The whole log, case streams picked here: on SQL, reading unfiltered pages is some
      // 2.5× faster than asking the store for a stream prefix, and the log is mostly cases.
      batchSize: this.options.batchSize,
      gatherMs: PROJECTION_GATHER_MS,
      handle: async (batch) => {
        const cases = batch.filter((e) => e.streamId.startsWith(CASE_STREAM_PREFIX));
        await this.insights.apply(cases.map(insightEvent), { name: this.name, position: batch.at(-1)!.position });
        this.progress.advanced(batch.at(-1)!.position);
      },
      onError: (err, retryInMs) => this.logger.error({ err, retryInMs }, 'insights could not follow the log; starting again from their checkpoint'),
    });
  }
}
