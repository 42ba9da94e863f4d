import { ACCESS_DENIED, accessStreamId, type AccessDenial } from '@passerelle/contracts';
import { PgliteDatabase } from '@passerelle/database';
import { SqlEventStore } from '@passerelle/event-store';
import { AccessDenials } from './access-denials';

describe('AccessDenials', () => {
  it('appends each denial to its case’s access log once, even when a redelivered batch records it again, and counts it', async () => {
    const store = await SqlEventStore.open(await PgliteDatabase.open(), { ownsDatabase: true });
    const denials = new AccessDenials(store);
    const denial = (at: string): AccessDenial => ({ action: 'publish', organization: 'qc.x', subject: null, status: 404, code: 'CASE.NOT_FOUND', reason: 'no case case-1 for qc.x', target: 'evt-1', at });

    await denials.record([{ caseId: 'case-1', id: 'inbound-0-7', denial: denial('2026-12-01T10:00:00.000Z') }, { caseId: 'case-2', denial: denial('2026-12-01T10:00:00.000Z') }]);
    await denials.record([{ caseId: 'case-1', id: 'inbound-0-7', denial: denial('2026-12-01T10:00:05.000Z') }]);

    const log = await store.readStream(accessStreamId('case-1'));
    expect(log.map((e) => [e.type, e.data])).toEqual([[ACCESS_DENIED, denial('2026-12-01T10:00:00.000Z')]]);
    expect(await store.readStream(accessStreamId('case-2'))).toHaveLength(1);
    expect(denials.counts().get('publish CASE.NOT_FOUND')).toBe(2);
    await store.close();
  });
});
