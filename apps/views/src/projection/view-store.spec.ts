import { PgliteDatabase, type SqlDatabase } from '@passerelle/database';
import type { CommittedEvent } from '../domain/case-view';
import { ViewStore } from './view-store';

const event = (caseid: string, sequence: number, type = 'passerelle.case.ServiceRequested.v1', data: Record<string, unknown> = { n: sequence }): CommittedEvent => ({
  id: `evt-${caseid}-${sequence}`,
  source: 'urn:passerelle:org:qc.ramq',
  type,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)).toISOString(),
  channel: 'web',
  caseid,
  data,
  revision: sequence,
  position: 100 + sequence,
  hash: `h${sequence}`,
});

describe('the view store: a summary per view and its timeline as rows', () => {
  let db: SqlDatabase;
  beforeEach(async () => {
    db = await PgliteDatabase.open();
  });
  afterEach(async () => {
    await db.close();
  });

  it('Given a view, When more events and a redelivery arrive, Then the timeline holds each once, in case order, one row per event', async () => {
    const views = await ViewStore.open(db);
    await views.apply([{ organization: 'qc.mess', event: event('c1', 0, 'passerelle.case.CaseOpened.v1', { owner: 'qc.ramq', title: 'Move' }) }]);
    await views.apply([1, 2, 3].map((n) => ({ organization: 'qc.mess', event: event('c1', n) })));
    await expect(views.apply([2, 3].map((n) => ({ organization: 'qc.mess', event: event('c1', n) })))).resolves.toBe(0);

    const view = await views.get('qc.mess', 'c1');
    expect(view).toMatchObject({ caseId: 'c1', organization: 'qc.mess', owner: 'qc.ramq', title: 'Move', revision: 3, hash: 'h3', current: { ServiceRequested: { n: 3 } } });
    expect(view!.timeline.map((t) => t.eventId)).toEqual(['evt-c1-0', 'evt-c1-1', 'evt-c1-2', 'evt-c1-3']);
    const { rows } = await db.query<{ n: number; inSummary: boolean }>(
      `SELECT (SELECT count(*)::int FROM view_timeline WHERE case_id = 'c1') AS n, (SELECT view ? 'timeline' FROM view_cases WHERE case_id = 'c1') AS "inSummary"`,
    );
    expect(rows[0]).toEqual({ n: 4, inSummary: false });
  });

  it('Given a view stored as one document (before the timeline had its table), When the store opens, Then the view reads the same and its entries are rows', async () => {
    await db.query(`CREATE TABLE view_cases (organization text NOT NULL, case_id text NOT NULL, revision bigint NOT NULL, status text NOT NULL,
      updated_at timestamptz NOT NULL, view jsonb NOT NULL, PRIMARY KEY (organization, case_id))`);
    const timeline = [0, 1].map((n) => ({ revision: n, position: 100 + n, eventId: `evt-old-${n}`, type: 'passerelle.case.ServiceRequested.v1', source: 'urn:passerelle:org:qc.ramq', time: '2026-01-01T00:00:00.000Z', channel: 'web', data: { n } }));
    const old = { caseId: 'old', organization: 'qc.mess', status: 'open', owner: 'qc.ramq', title: 'T', participants: ['qc.ramq'], current: {}, revision: 1, position: 101, hash: 'h1', updatedAt: '2026-01-01T00:00:00.000Z', timeline };
    await db.query(`INSERT INTO view_cases VALUES ('qc.mess', 'old', 1, 'open', now(), $1::jsonb)`, [JSON.stringify(old)]);

    const views = await ViewStore.open(db);
    await ViewStore.open(db); // opening again changes nothing
    await views.apply([{ organization: 'qc.mess', event: event('old', 2) }]);

    const view = await views.get('qc.mess', 'old');
    expect(view!.timeline.map((t) => t.eventId)).toEqual(['evt-old-0', 'evt-old-1', 'evt-old-2']);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM view_cases WHERE view ? 'timeline'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('Given a failed batch, When its transaction rolls back, Then neither the summary, the timeline nor the checkpoint moved', async () => {
    const views = await ViewStore.open(db);
    await views.apply([{ organization: 'qc.mess', event: event('c2', 0) }], { name: 'views', position: 100n });
    // An event whose time is no timestamp fails inside the transaction, after the rows were computed.
    await expect(views.apply([{ organization: 'qc.mess', event: { ...event('c2', 1), time: 'not a time' } }], { name: 'views', position: 101n })).rejects.toThrow();
    expect((await views.get('qc.mess', 'c2'))!.timeline).toHaveLength(1);
    await expect(views.checkpoints.read('views')).resolves.toBe(100n);
  });
});
