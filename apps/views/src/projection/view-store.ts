import { applyMigrations, type SqlDatabase, type SqlExecutor } from '@passerelle/database';
import { ENTITLEMENT_EVENT_TYPES } from '@passerelle/contracts';
import { Checkpoints } from '@passerelle/event-store';
import type { PersonalData } from '@passerelle/privacy';
import { alreadySeen, applyEvent, timelineEntry, type CaseSummaryState, type CaseView, type CommittedEvent, type Sealed, type TimelineEntry } from '../domain/case-view';

const MIGRATIONS = [
  // A view's summary as one document (bounded in size), with what lists and filters need beside it.
  `CREATE TABLE IF NOT EXISTS view_cases (
    organization text        NOT NULL,
    case_id      text        NOT NULL,
    revision     bigint      NOT NULL,
    status       text        NOT NULL,
    updated_at   timestamptz NOT NULL,
    view         jsonb       NOT NULL,
    PRIMARY KEY (organization, case_id)
  )`,
  `CREATE INDEX IF NOT EXISTS view_cases_by_update ON view_cases (organization, updated_at)`,
  // The timeline as rows: an event adds one, whatever the case's length (a document rewritten
  // per event made a case's n-th event cost O(n)).
  `CREATE TABLE IF NOT EXISTS view_timeline (
    organization text   NOT NULL,
    case_id      text   NOT NULL,
    revision     bigint NOT NULL,
    entry        jsonb  NOT NULL,
    PRIMARY KEY (organization, case_id, revision)
  )`,
  // Views written before the timeline had its table: move their entries out, once.
  `INSERT INTO view_timeline (organization, case_id, revision, entry)
   SELECT c.organization, c.case_id, (e->>'revision')::bigint, e
   FROM view_cases c, jsonb_array_elements(c.view->'timeline') AS e
   WHERE c.view ? 'timeline'
   ON CONFLICT DO NOTHING`,
  `UPDATE view_cases SET view = view - 'timeline' WHERE view ? 'timeline'`,
];

/** One event for one organization's view. */
export interface ViewItem {
  organization: string;
  event: CommittedEvent;
}

export interface CaseSummary {
  caseId: string;
  status: string;
  owner: string | null;
  title: string | null;
  revision: number;
  hash: string;
  updatedAt: string;
}

/**
 * The organizations' case views in SQL. A batch is applied in one transaction that locks the
 * views it touches, skips what a view already reflects (so a redelivered event changes
 * nothing), rewrites each touched summary once, appends the timeline rows, and — when the
 * source is the store — moves the checkpoint in the same transaction: each event takes
 * effect exactly once, whatever crashes in between.
 */
export class ViewStore {
  private constructor(
    private readonly db: SqlDatabase,
    readonly checkpoints: Checkpoints,
    private readonly personal?: PersonalData,
  ) {}

  /** `personal` opens sealed personal fields when a view is read; without it they are shown as stored. */
  static async open(db: SqlDatabase, personal?: PersonalData): Promise<ViewStore> {
    await applyMigrations(db, 'views', MIGRATIONS);
    return new ViewStore(db, await Checkpoints.open(db), personal);
  }

  /**
   * Applies the items in order; returns how many changed a view. `fence` runs first in the
   * transaction: a writer that lost its lease is refused there, before anything is written.
   */
  async apply(items: readonly ViewItem[], checkpoint?: { name: string; position: bigint }, fence?: (tx: SqlExecutor) => Promise<void>): Promise<number> {
    if (items.length === 0 && !checkpoint) return 0;
    return this.db.transaction(async (tx) => {
      await fence?.(tx);
      const views = await this.lock(tx, items);
      const changed = new Map<string, CaseSummaryState>();
      const entries: Array<{ organization: string; caseId: string; entry: TimelineEntry }> = [];
      for (const { organization, event } of items) {
        const key = `${organization}\u0000${event.caseid}`;
        const view = views.get(key);
        if (alreadySeen(view, event)) continue;
        const next = applyEvent(view, organization, event);
        views.set(key, next);
        changed.set(key, next);
        entries.push({ organization, caseId: event.caseid, entry: timelineEntry(event) });
      }
      if (changed.size > 0) {
        await tx.query(
          `INSERT INTO view_cases (organization, case_id, revision, status, updated_at, view)
           SELECT v->>'organization', v->>'caseId', (v->>'revision')::bigint, v->>'status', (v->>'updatedAt')::timestamptz, v
           FROM jsonb_array_elements($1::jsonb) AS v
           ON CONFLICT (organization, case_id) DO UPDATE
             SET revision = excluded.revision, status = excluded.status, updated_at = excluded.updated_at, view = excluded.view`,
          [JSON.stringify([...changed.values()])],
        );
        await tx.query(
          `INSERT INTO view_timeline (organization, case_id, revision, entry)
           SELECT t->>'organization', t->>'caseId', (t->'entry'->>'revision')::bigint, t->'entry'
           FROM jsonb_array_elements($1::jsonb) AS t
           ON CONFLICT DO NOTHING`,
          [JSON.stringify(entries)],
        );
      }
      if (checkpoint) await this.checkpoints.save(checkpoint.name, checkpoint.position, tx);
      return changed.size;
    });
  }

  /**
   * The view with its timeline, in one statement (one snapshot): the timeline stops at the
   * summary's revision, so the ETag and the body always agree.
   */
  async get(organization: string, caseId: string): Promise<CaseView | undefined> {
    const { rows } = await this.db.query<{ view: CaseSummaryState; timeline: TimelineEntry[] }>(
      `SELECT c.view,
              COALESCE((SELECT jsonb_agg(t.entry ORDER BY t.revision) FROM view_timeline t
                        WHERE t.organization = c.organization AND t.case_id = c.case_id AND t.revision <= c.revision), '[]'::jsonb) AS timeline
       FROM view_cases c WHERE c.organization = $1 AND c.case_id = $2`,
      [organization, caseId],
    );
    const row = rows[0];
    return row && this.opened({ ...row.view, timeline: row.timeline });
  }

  /** The view with its sealed personal fields opened — or `{ "$erased": true }` once their citizen's key is gone. */
  private async opened(view: CaseView): Promise<CaseView> {
    if (!this.personal) return view;
    const sealedCurrent = Object.entries(view.sealed ?? {});
    const entries = view.timeline.filter((t) => t.sealed);
    if (sealedCurrent.length === 0 && entries.length === 0) return view;
    const asEvent = (sealed: Sealed, data: Record<string, unknown>) => ({ id: sealed.eventId, data: { data }, metadata: { personal: sealed } });
    const opened = await this.personal.open([...sealedCurrent.map(([name, sealed]) => asEvent(sealed, view.current[name] ?? {})), ...entries.map((t) => asEvent(t.sealed!, t.data))]);
    const dataOf = (i: number) => (opened[i]!.data as { data: Record<string, unknown> }).data;
    const current = { ...view.current };
    sealedCurrent.forEach(([name], i) => (current[name] = dataOf(i)));
    const byEntry = new Map(entries.map((t, i) => [t, dataOf(sealedCurrent.length + i)]));
    const { sealed: _sealed, ...rest } = view;
    return {
      ...rest,
      current,
      timeline: view.timeline.map((entry) => {
        const data = byEntry.get(entry);
        if (!data) return entry;
        const { sealed: _s, ...shown } = entry;
        return { ...shown, data };
      }),
    };
  }

  /**
   * The organization's cases, most recently updated first. `search` matches the case id or
   * the title the view holds, case-insensitively, as a substring (LIKE wildcards taken literally).
   */
  async list(organization: string, filter: { status?: string; updatedSince?: string; search?: string; limit: number; offset?: number }): Promise<CaseSummary[]> {
    const pattern = filter.search ? `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const { rows } = await this.db.query<{ view: CaseSummaryState }>(
      `SELECT view - 'current' AS view FROM view_cases
       WHERE organization = $1 AND ($2::text IS NULL OR status = $2) AND ($3::timestamptz IS NULL OR updated_at >= $3::timestamptz)
         AND ($5::text IS NULL OR case_id ILIKE $5 OR view->>'title' ILIKE $5)
       ORDER BY updated_at DESC, case_id LIMIT $4 OFFSET $6`,
      [organization, filter.status ?? null, filter.updatedSince ?? null, filter.limit, pattern, filter.offset ?? 0],
    );
    return rows.map(({ view }) => ({ caseId: view.caseId, status: view.status, owner: view.owner, title: view.title, revision: view.revision, hash: view.hash, updatedAt: view.updatedAt }));
  }

  /**
   * For each of these cases, the entries of the organization's timeline that say what it may
   * read the case for (ENTITLEMENT_EVENT_TYPES), in case order, up to the summary's revision:
   * what a list needs to bind each case to a purpose without reading whole timelines.
   */
  async entitlementEntries(organization: string, caseIds: readonly string[]): Promise<Map<string, Array<Pick<TimelineEntry, 'type' | 'data'>>>> {
    const byCase = new Map<string, Array<Pick<TimelineEntry, 'type' | 'data'>>>(caseIds.map((id) => [id, []]));
    if (caseIds.length === 0) return byCase;
    const { rows } = await this.db.query<{ case_id: string; entry: TimelineEntry }>(
      `SELECT t.case_id, t.entry FROM view_timeline t JOIN view_cases c ON c.organization = t.organization AND c.case_id = t.case_id
       WHERE t.organization = $1 AND t.case_id = ANY($2::text[]) AND t.revision <= c.revision AND t.entry->>'type' ~ $3
       ORDER BY t.case_id, t.revision`,
      [organization, [...caseIds], ENTITLEMENT_EVENT_TYPES],
    );
    for (const { case_id, entry } of rows) byCase.get(case_id)?.push({ type: entry.type, data: entry.data });
    return byCase;
  }

  private async lock(tx: SqlExecutor, items: readonly ViewItem[]): Promise<Map<string, CaseSummaryState>> {
    const keys = [...new Map(items.map((i) => [`${i.organization}\u0000${i.event.caseid}`, i])).values()];
    if (keys.length === 0) return new Map();
    const { rows } = await tx.query<{ view: CaseSummaryState }>(
      `SELECT view FROM view_cases WHERE (organization, case_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       ORDER BY organization, case_id FOR UPDATE`,
      [keys.map((k) => k.organization), keys.map((k) => k.event.caseid)],
    );
    return new Map(rows.map(({ view }) => [`${view.organization}\u0000${view.caseId}`, view]));
  }
}
