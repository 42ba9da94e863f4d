import { inboundTopic, type CaseEventEnvelope } from '@passerelle/contracts';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { MESSAGE_BUS, type MessageBus } from '@passerelle/messaging';
import { AccessDenials, runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, inboundMessage, type TestOrganization } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStreams, LogFanout } from '../../gateway/src/index';
import { ALL_COMPONENTS } from './components';

/**
 * The whole hub in one process, embedded (PGlite in memory, in-process bus), as `npm start`
 * runs it: HTTP publishing through the gateway, views, the access log and the event stream,
 * and how each answers bad requests.
 */
describe('the embedded hub: gateway, views and event stream', () => {
  let hub: RunningTarget;
  let a: TestOrganization;
  let b: TestOrganization;
  let c: TestOrganization;
  let auditor: TestOrganization;
  const now = () => new Date().toISOString();

  beforeAll(async () => {
    hub = await runTarget('hub', ALL_COMPONENTS, { PASSERELLE_DATA_DIR: 'memory://', PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_DEMO_FEDERATION: 'off' });
    const db = hub.app.get<SqlDatabase>(SQL_DATABASE);
    a = await admitTestOrganization(db, ['publisher', 'subscriber']);
    b = await admitTestOrganization(db, ['publisher', 'subscriber']);
    c = await admitTestOrganization(db, ['publisher', 'subscriber']);
    auditor = await admitTestOrganization(db, ['auditor']);
    // The directory is refreshed every 2 s; wait until the hub knows all four.
    await until(async () => (await fetch(`${hub.url}/cases`, { headers: { authorization: `Bearer ${await c.token(['subscriber'])}` } })).status === 200);
  }, 60_000);
  afterAll(async () => {
    await hub.app.close();
  });

  async function until(check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function publish(org: TestOrganization, envelope: CaseEventEnvelope, headers: Record<string, string> = {}) {
    const response = await fetch(`${hub.url}/cases/${envelope.caseid}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await org.token(['publisher'])}`, 'passerelle-signature': await org.sign(envelope), 'content-type': 'application/json', ...headers },
      body: JSON.stringify(envelope),
    });
    return { status: response.status, etag: response.headers.get('etag'), location: response.headers.get('location'), body: (await response.json()) as Record<string, unknown> };
  }

  async function read(org: TestOrganization, path: string, headers: Record<string, string> = {}, roles: Parameters<TestOrganization['token']>[0] = ['subscriber']) {
    const response = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${await org.token(roles)}`, ...headers } });
    const text = await response.text();
    return { status: response.status, etag: response.headers.get('etag'), body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  }

  /** A case A opened and shared (case, service) with B. */
  async function sharedCase(): Promise<string> {
    const caseId = `case-${randomUUID().slice(0, 8)}`;
    for (const event of [
      await caseEvent(a.id, caseId, 'CaseOpened', { owner: a.id, citizen: 'cit-1', title: 'Embedded', openedAt: now() }),
      await caseEvent(a.id, caseId, 'ParticipantInvited', { organization: b.id, role: 'observer', invitedBy: a.id, reason: 'test' }),
      await caseEvent(a.id, caseId, 'AccessGranted', { organization: b.id, categories: ['case', 'service'], purpose: 'test', grantedBy: a.id }),
    ]) {
      expect(await publish(a, event)).toMatchObject({ status: 201 });
    }
    return caseId;
  }

  it('publishes over HTTP with a receipt (201, ETag = revision, Location), and B reads its view while C gets 404', async () => {
    const caseId = await sharedCase();
    const event = await caseEvent(a.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: now(), provider: a.id });
    const published = await publish(a, event);

    expect(published).toMatchObject({ status: 201, etag: '"3"', location: `/receipts/${event.id}`, body: { status: 'accepted', revision: 3 } });
    const view = await read(b, `/cases/${caseId}?minRevision=3`);
    expect(view).toMatchObject({ status: 200, etag: '"3"', body: { caseId, organization: b.id, revision: 3, hash: published.body.hash } });
    expect((view.body.timeline as Array<{ type: string }>).map((t) => t.type)).toEqual(['passerelle.case.ParticipantInvited.v1', 'passerelle.case.AccessGranted.v1', 'passerelle.case.ServiceRequested.v2']);
    // Each entry carries its link in the chain; the last one is the hash the view reflects.
    expect((view.body.timeline as Array<{ hash: string }>).at(-1)!.hash).toBe(published.body.hash);
    expect(await read(c, `/cases/${caseId}`)).toMatchObject({ status: 404, body: { code: 'CASE.NOT_FOUND' } });
    expect(await read(c, `/cases/case-that-never-was`)).toMatchObject({ status: 404, body: { code: 'CASE.NOT_FOUND' } });
    expect((await read(b, `/cases/${caseId}`, { 'if-none-match': '"3"' })).status).toBe(304);
    expect(await read(a, `/receipts/${event.id}`, {}, ['publisher'])).toMatchObject({ status: 200, body: { status: 'accepted', revision: 3 } });
  });

  it('refuses a stale If-Match with 412 and a garbled one with 400, storing nothing', async () => {
    const caseId = await sharedCase();
    const event = await caseEvent(a.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: now(), provider: a.id });
    expect(await publish(a, event, { 'if-match': '"1"' })).toMatchObject({ status: 412, body: { status: 'rejected', code: 'CASE.REVISION_CONFLICT' } });
    expect(await publish(a, event, { 'if-match': 'yesterday' })).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID_IF_MATCH' } });
    expect(await publish(a, event, { 'if-match': '"2"' })).toMatchObject({ status: 201, body: { revision: 3 } });
  });

  it('answers each refusal with the status its receipt code implies', async () => {
    const caseId = await sharedCase();
    const event = await caseEvent(a.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: now(), provider: 'Not An Org' });
    expect(await publish(a, event)).toMatchObject({ status: 422, body: { code: 'SCHEMA.INVALID', errors: [expect.objectContaining({ pointer: '/data/provider' })] } });
    const other = await caseEvent(c.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: now(), provider: c.id });
    // An outsider gets one answer whether the case exists or not.
    const missing = await caseEvent(c.id, `case-${randomUUID().slice(0, 8)}`, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: now(), provider: c.id });
    const [onCase, onMissing] = [await publish(c, other), await publish(c, missing)];
    expect(onCase).toMatchObject({ status: 404, body: { status: 'rejected', code: 'CASE.NOT_FOUND', message: `no case ${caseId} for ${c.id}` } });
    expect(onMissing).toMatchObject({ status: 404, body: { status: 'rejected', code: 'CASE.NOT_FOUND', message: `no case ${missing.caseid} for ${c.id}` } });
    expect(Object.keys(onCase.body).sort()).toEqual(Object.keys(onMissing.body).sort());
    const elsewhere = await caseEvent(a.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: now(), provider: a.id });
    const mismatch = await fetch(`${hub.url}/cases/another-case/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await a.token(['publisher'])}`, 'passerelle-signature': await a.sign(elsewhere), 'content-type': 'application/json' },
      body: JSON.stringify(elsewhere),
    });
    expect({ status: mismatch.status, body: await mismatch.json() }).toMatchObject({ status: 400, body: { code: 'REQUEST.CASE_MISMATCH' } });
    const unsigned = await fetch(`${hub.url}/cases/${caseId}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(other) });
    expect(unsigned.status).toBe(401);
    const twice = await fetch(`${hub.url}/cases/${caseId}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await a.token(['publisher'])}`, 'content-type': 'application/json' },
      body: JSON.stringify(elsewhere).replace('"id":', '"id":"evt-first","id":'),
    });
    expect({ status: twice.status, body: await twice.json() }).toMatchObject({ status: 400, body: { code: 'REQUEST.MALFORMED_JSON', message: expect.stringContaining('"id" appears twice') } });
  });

  it('refuses an event id reused with other content (409 EVENT.ID_REUSED); a true redelivery gets its original receipt (201)', async () => {
    const caseId = await sharedCase();
    const event = await caseEvent(a.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: now(), provider: a.id });
    const first = await publish(a, event);
    const altered = await publish(a, { ...event, data: { ...event.data, description: 'altered after the receipt' } });
    const again = await publish(a, event);

    expect(first).toMatchObject({ status: 201, body: { status: 'accepted', revision: 3 } });
    expect(altered).toMatchObject({ status: 409, body: { status: 'rejected', code: 'EVENT.ID_REUSED', message: expect.stringContaining(`event id ${event.id} of ${a.id} already stands for another event`) } });
    expect(again).toMatchObject({ status: 201, body: { status: 'accepted', revision: 3, position: first.body.position, hash: first.body.hash } });
    expect(await read(a, `/cases/${caseId}?minRevision=3`)).toMatchObject({ status: 200, body: { revision: 3 } });
  });

  it('accepts only JSON bodies (application/json, application/cloudevents+json): anything else is 415 REQUEST.UNSUPPORTED_MEDIA_TYPE, nothing stored', async () => {
    const caseId = await sharedCase();
    const event = await caseEvent(a.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: now(), provider: a.id });
    const headers = { authorization: `Bearer ${await a.token(['publisher'])}`, 'passerelle-signature': await a.sign(event) };
    const post = async (body: string | Uint8Array, contentType?: string) => {
      const response = await fetch(`${hub.url}/cases/${caseId}/events`, { method: 'POST', headers: { ...headers, ...(contentType ? { 'content-type': contentType } : {}) }, body });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const form = new URLSearchParams(Object.entries(event).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();

    expect(await post(form, 'application/x-www-form-urlencoded')).toEqual({
      status: 415,
      body: { statusCode: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE', message: 'a request body of type application/x-www-form-urlencoded is not accepted: send JSON as application/json or application/cloudevents+json' },
    });
    expect(await post(JSON.stringify(event), 'text/plain')).toMatchObject({ status: 415, body: { code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' } });
    expect(await post(new TextEncoder().encode(JSON.stringify(event)))).toMatchObject({ status: 415, body: { code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('without a Content-Type') } });
    expect(await read(a, `/cases/${caseId}?minRevision=2`)).toMatchObject({ status: 200, body: { revision: 2 } });

    expect(await post(JSON.stringify(event), 'application/cloudevents+json; charset=UTF-8')).toMatchObject({ status: 201, body: { status: 'accepted', revision: 3 } });
  });

  it('answers oversized headers with a coded JSON error: 431 TOKEN.TOO_LARGE for the token, REQUEST.HEADERS_TOO_LARGE otherwise; 401 TOKEN.TOO_LARGE under the header cap', async () => {
    const get = async (headers: Record<string, string>) => {
      const response = await fetch(`${hub.url}/cases/case-any`, { headers });
      return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
    };
    expect(await get({ authorization: `Bearer ${'a'.repeat(40_000)}` })).toEqual({
      status: 431,
      type: 'application/json; charset=utf-8',
      body: { statusCode: 431, code: 'TOKEN.TOO_LARGE', message: 'the token is over the 16384-byte limit' },
    });
    expect(await get({ authorization: `Bearer ${await b.token(['subscriber'])}`, 'x-padding': 'p'.repeat(40_000) })).toEqual({
      status: 431,
      type: 'application/json; charset=utf-8',
      body: { statusCode: 431, code: 'REQUEST.HEADERS_TOO_LARGE', message: 'the request headers are over the 32768-byte limit' },
    });
    expect(await get({ authorization: `Bearer ${'a'.repeat(20_000)}` })).toMatchObject({ status: 401, body: { code: 'TOKEN.TOO_LARGE' } });
  });

  it('waits at most minRevision’s bound, then says where the view stands (409 VIEW.BEHIND)', async () => {
    const caseId = await sharedCase();
    expect(await read(a, `/cases/${caseId}?minRevision=99`)).toMatchObject({ status: 409, body: { code: 'VIEW.BEHIND', revision: 2, minRevision: 99 } });
    expect(await read(a, `/cases/${caseId}?minRevision=soon`)).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID_QUERY' } });
  }, 60_000);

  it('logs every read of a case; the owner and auditors may see the log, others get 404', async () => {
    const caseId = await sharedCase();
    await read(b, `/cases/${caseId}?minRevision=2`, { 'passerelle-purpose': 'service-delivery; renewal check' });
    await read(a, `/cases/${caseId}`);

    const log = await read(a, `/cases/${caseId}/access-log`);
    expect(log.status).toBe(200);
    expect(log.body).toEqual([
      expect.objectContaining({ kind: 'read', outcome: 'served', organization: b.id, purpose: 'service-delivery', note: 'renewal check', revision: 2 }),
      expect.objectContaining({ kind: 'read', outcome: 'served', organization: a.id, purpose: 'service-delivery' }),
    ]);
    expect((await read(auditor, `/cases/${caseId}/access-log`, {}, ['auditor'])).status).toBe(200);
    expect((await read(b, `/cases/${caseId}/access-log`)).status).toBe(404);
  });

  it('keeps every refused read and publish in the case’s access log (who, what, why), for the owner and auditors: probing shows', async () => {
    const caseId = await sharedCase();
    const probe = await caseEvent(c.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: now(), provider: c.id });
    expect(await read(c, `/cases/${caseId}`)).toMatchObject({ status: 404 });
    expect(await read(c, `/cases/${caseId}/access-log`)).toMatchObject({ status: 404 });
    expect(await publish(c, probe)).toMatchObject({ status: 404 });
    expect((await fetch(`${hub.url}/cases/${caseId}`)).status).toBe(401);
    expect(await read(c, `/cases/${caseId}`, {}, ['auditor'])).toMatchObject({ status: 403, body: { code: 'TOKEN.ROLE_MISSING' } });
    const untouched = `case-${randomUUID().slice(0, 8)}`;
    expect(await read(c, `/cases/${untouched}`)).toMatchObject({ status: 404 });

    const log = await read(a, `/cases/${caseId}/access-log`);
    const denied = (log.body as unknown as Array<Record<string, unknown>>).filter((e) => e.kind === 'denied');
    const entry = (action: string, organization: string | null, status: number, code: string, target: string) =>
      expect.objectContaining({ kind: 'denied', action, organization, status, code, target, reason: expect.any(String), at: expect.any(String) });
    expect(denied).toEqual([
      entry('read', c.id, 404, 'CASE.NOT_FOUND', `GET /cases/${caseId}`),
      entry('read', c.id, 404, 'CASE.NOT_FOUND', `GET /cases/${caseId}/access-log`),
      entry('publish', c.id, 404, 'CASE.NOT_FOUND', probe.id),
      entry('read', null, 401, 'TOKEN.MISSING', `GET /cases/${caseId}`),
      entry('read', c.id, 403, 'TOKEN.ROLE_MISSING', `GET /cases/${caseId}`),
    ]);
    expect(denied[0]).toMatchObject({ subject: expect.stringContaining(c.id), reason: `no case ${caseId} for ${c.id}` });
    const audited = await read(auditor, `/cases/${untouched}/access-log`, {}, ['auditor']);
    expect(audited).toMatchObject({ status: 200, body: [entry('read', c.id, 404, 'CASE.NOT_FOUND', `GET /cases/${untouched}`)] });
    const counts = hub.app.get(AccessDenials).counts();
    expect(counts.get('read CASE.NOT_FOUND')).toBeGreaterThanOrEqual(3);
    expect(counts.get('publish CASE.NOT_FOUND')).toBeGreaterThanOrEqual(1);
  });

  /** A case A opened, B invited and granted `grant` (AccessGranted of that version); returns once B's view reflects it. */
  async function purposeCase(caseId: string, grant: Record<string, unknown>, version = 2): Promise<string> {
    for (const event of [
      await caseEvent(a.id, caseId, 'CaseOpened', { owner: a.id, citizen: 'cit-1', title: 'Purpose-bound', openedAt: now() }),
      await caseEvent(a.id, caseId, 'ParticipantInvited', { organization: b.id, role: 'observer', invitedBy: a.id, reason: 'test' }),
      await caseEvent(a.id, caseId, 'AccessGranted', { organization: b.id, grantedBy: a.id, purpose: 'in plain words', ...grant }, {}, version),
    ]) {
      expect(await publish(a, event)).toMatchObject({ status: 201 });
    }
    // Waits on B's view in the database: a read over HTTP would be in the access log.
    const db = hub.app.get<SqlDatabase>(SQL_DATABASE);
    await until(async () => String((await db.query<{ revision: string }>('SELECT revision FROM view_cases WHERE organization = $1 AND case_id = $2', [b.id, caseId])).rows[0]?.revision) === '2');
    return caseId;
  }

  it('lists only the cases a grant serves the stated purpose for (the owner all of its own), filling the page past those left out; each in the case’s access log', async () => {
    const tag = randomUUID().slice(0, 6);
    const older = await purposeCase(`case-pl${tag}-1`, { categories: ['case'], purpose: 'v1' }, 1);
    const newer = await purposeCase(`case-pl${tag}-2`, { categories: ['case'], purposes: ['eligibility-check'] });
    const list = async (org: TestOrganization, purpose?: string, query = '') =>
      (await read(org, `/cases?q=pl${tag}${query}`, purpose ? { 'passerelle-purpose': purpose } : {})).body as unknown as Array<{ caseId: string }>;

    expect((await list(b, 'eligibility-check; benefit review')).map((c) => c.caseId)).toEqual([newer]);
    expect((await list(b)).map((c) => c.caseId)).toEqual([older]); // no header: service-delivery, which only the v1 grant serves
    // The newest case is left out, and the page still holds one case.
    expect((await list(b, 'service-delivery', '&limit=1')).map((c) => c.caseId)).toEqual([older]);
    expect(await list(b, 'audit')).toEqual([]);
    expect((await list(a, 'audit')).map((c) => c.caseId)).toEqual([newer, older]);
    expect(await read(b, `/cases?q=pl${tag}`, { 'passerelle-purpose': 'licence photo request' })).toMatchObject({ status: 400, body: { code: 'ACCESS.UNKNOWN_PURPOSE' } });

    const log = (await read(auditor, `/cases/${newer}/access-log`, {}, ['auditor'])).body as unknown as Array<Record<string, unknown>>;
    const withheld = (purpose: string) =>
      expect.objectContaining({ kind: 'denied', outcome: 'denied', action: 'read', organization: b.id, status: 403, code: 'ACCESS.PURPOSE_NOT_GRANTED', purpose, target: 'GET /cases' });
    expect(log).toEqual([
      expect.objectContaining({ kind: 'read', outcome: 'served', via: 'list', organization: b.id, purpose: 'eligibility-check', note: 'benefit review', revision: 2 }),
      withheld('service-delivery'),
      withheld('service-delivery'),
      withheld('audit'),
      expect.objectContaining({ kind: 'read', outcome: 'served', via: 'list', organization: a.id, purpose: 'audit' }),
    ]);
  });

  it('lists the caller’s cases, searched by part of the id or title (wildcards taken literally), bounded by limit', async () => {
    const caseId = `case-${randomUUID().slice(0, 8)}`;
    const title = `Permis 100%_${randomUUID().slice(0, 6)}`;
    expect(await publish(a, await caseEvent(a.id, caseId, 'CaseOpened', { owner: a.id, citizen: 'cit-1', title, openedAt: now() }))).toMatchObject({ status: 201 });
    const other = await sharedCase();
    await until(async () => ((await read(a, `/cases?q=${encodeURIComponent(other)}`)).body as unknown as unknown[]).length === 1);

    const byTitle = await read(a, `/cases?q=${encodeURIComponent(title.slice(0, 12).toLowerCase())}`);
    expect(byTitle).toMatchObject({ status: 200, body: [expect.objectContaining({ caseId, title, owner: a.id, revision: 0 })] });
    expect((await read(a, `/cases?q=${encodeURIComponent(caseId.toUpperCase())}`)).body).toEqual([expect.objectContaining({ caseId })]);
    // % and _ are letters here, not wildcards: "Permis 1_0" matches nothing.
    expect((await read(a, `/cases?q=${encodeURIComponent('Permis 1_0')}`)).body).toEqual([]);
    expect((await read(b, `/cases?q=${encodeURIComponent(caseId)}`)).body).toEqual([]); // not B's case
    expect(((await read(a, '/cases?limit=1')).body as unknown as unknown[]).length).toBe(1);
    expect(await read(a, '/cases?limit=0')).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID_QUERY', message: expect.stringContaining('limit must be a whole number from 1 to 2000') } });
  });

  it('lists a publisher’s receipts newest first, rejections with their code and schema path, and only its own', async () => {
    const caseId = await sharedCase();
    const bad = await caseEvent(a.id, caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: now(), provider: 'Not An Org' });
    expect(await publish(a, bad)).toMatchObject({ status: 422 });
    await until(async () => ((await read(a, '/receipts?status=rejected&limit=500', {}, ['publisher'])).body as unknown as Array<{ receipt: { eventId: string } }>).some((r) => r.receipt.eventId === bad.id));

    const rejected = (await read(a, '/receipts?status=rejected', {}, ['publisher'])).body as unknown as Array<{ seq: number; receipt: Record<string, unknown> }>;
    expect(rejected.every((r) => r.receipt.status === 'rejected')).toBe(true);
    expect(rejected.find((r) => r.receipt.eventId === bad.id)!.receipt).toMatchObject({ status: 'rejected', code: 'SCHEMA.INVALID', errors: [expect.objectContaining({ pointer: '/data/provider' })] });
    const all = (await read(a, '/receipts', {}, ['publisher'])).body as unknown as Array<{ seq: number; receipt: { status: string; caseId: string; organization: string; receivedAt: string } }>;
    const times = all.map((r) => Date.parse(r.receipt.receivedAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(all.filter((r) => r.receipt.caseId === caseId && r.receipt.status === 'accepted')).toHaveLength(3);
    expect(all.every((r) => r.receipt.organization === a.id)).toBe(true);
    const older = (await read(a, `/receipts?before=${encodeURIComponent(all[0]!.receipt.receivedAt)}`, {}, ['publisher'])).body as unknown as Array<{ receipt: { receivedAt: string } }>;
    expect(older.every((r) => Date.parse(r.receipt.receivedAt) < times[0]!)).toBe(true);
    expect(await read(a, '/receipts?before=yesterday', {}, ['publisher'])).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID_QUERY' } });
    expect(((await read(b, '/receipts?status=rejected&limit=500', {}, ['publisher'])).body as unknown as Array<{ receipt: { eventId: string } }>).some((r) => r.receipt.eventId === bad.id)).toBe(false);
    expect(await read(a, '/receipts?status=lost', {}, ['publisher'])).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID_QUERY', message: 'status must be accepted or rejected, not "lost"' } });
    expect((await read(a, '/receipts')).status).toBe(403); // a subscriber token
  });

  it('tells a token’s holder who it speaks for, and refuses a missing token with 401', async () => {
    expect(await read(b, '/federation/me')).toMatchObject({ status: 200, body: { organization: { id: b.id }, roles: ['subscriber'], expiresAt: expect.any(String) } });
    expect((await fetch(`${hub.url}/federation/me`)).status).toBe(401);
  });

  it('gives auditors every case with its head, and each event checked on its own beside the verdict', async () => {
    const caseId = await sharedCase();
    await until(async () => ((await read(auditor, `/audit/cases?q=${caseId}`, {}, ['auditor'])).body as unknown as { total: number }).total === 1);
    expect(await read(auditor, `/audit/cases?q=${caseId.toUpperCase()}`, {}, ['auditor'])).toMatchObject({ status: 200, body: { total: 1, cases: [{ caseId, revision: 2, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }] } });
    expect(await read(auditor, '/audit/cases?limit=all', {}, ['auditor'])).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID_QUERY' } });
    expect((await read(a, '/audit/cases', {}, ['publisher'])).status).toBe(403);

    const checks = await read(auditor, `/audit/cases/${caseId}/checks`, {}, ['auditor']);
    expect(checks).toMatchObject({ status: 200, body: { caseId, report: { ok: true, eventsVerified: 3 } } });
    const events = checks.body.events as Array<Record<string, unknown>>;
    expect(events.map((e) => e.revision)).toEqual(['0', '1', '2']);
    expect(events[0]).toMatchObject({
      type: 'passerelle.case.CaseOpened.v1',
      publisher: a.id,
      chain: { ok: true },
      signature: { ok: true, kid: expect.any(String), keyStateAtReceipt: 'valid' },
      schema: { ok: true },
    });
    expect((await read(auditor, '/audit/cases/case-nowhere/checks', {}, ['auditor']))).toMatchObject({ status: 404, body: { code: 'CASE.NOT_FOUND' } });
  });

  describe('the event stream (SSE)', () => {
    /** Opens a stream; collects events; `pause()` stops reading the socket, like a stuck client. */
    function open(token: string, lastEventId?: string, headers: Record<string, string> = {}) {
      const events: Array<{ id: string; data: CaseEventEnvelope }> = [];
      const ends: Array<{ code: string; message: string }> = [];
      const state = { finished: false };
      let response: IncomingMessage | undefined;
      const request = get(`${hub.url}/events/stream`, { headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}), ...headers } }, (res) => {
        response = res;
        let pending = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          pending += chunk;
          const frames = pending.split('\n\n');
          pending = frames.pop()!;
          for (const frame of frames) {
            const id = /^id: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (/^event: end$/m.test(frame) && data) ends.push(JSON.parse(data) as { code: string; message: string });
            else if (id && data) events.push({ id, data: JSON.parse(data) as CaseEventEnvelope });
          }
        });
        res.on('end', () => (state.finished = true));
      });
      return { events, ends, state, pause: () => response?.pause(), resume: () => response?.resume(), close: () => request.destroy() };
    }

    it('refuses a bogus Last-Event-ID with 400', async () => {
      const token = await b.token(['subscriber']);
      for (const bogus of ['abc', '-1', '999999999']) {
        const response = await fetch(`${hub.url}/events/stream`, { headers: { authorization: `Bearer ${token}`, 'last-event-id': bogus } });
        expect({ bogus, status: response.status, body: await response.json() }).toMatchObject({ bogus, status: 400, body: { code: 'REQUEST.INVALID_LAST_EVENT_ID' } });
      }
    });

    it('streams only what the organization is entitled to, resumes after Last-Event-ID, and a stuck client holds up nobody', async () => {
      const caseId = await sharedCase();
      const stuck = open(await b.token(['subscriber']));
      const live = open(await b.token(['subscriber']));
      await until(() => live.events.some((e) => e.data.caseid === caseId));
      stuck.pause();

      // 300 events of about 1.5 KB, published straight on A's inbound topic as a Kafka publisher would.
      const bus = hub.app.get<MessageBus>(MESSAGE_BUS);
      const published: string[] = [];
      for (let batch = 0; batch < 3; batch++) {
        const messages = [];
        for (let i = 0; i < 100; i++) {
          const event = await caseEvent(a.id, caseId, 'ServiceRequested', { service: `svc-${batch}-${i}`, description: 'x'.repeat(1_000), requestedAt: now(), provider: a.id });
          published.push(event.id);
          messages.push(await inboundMessage(a, event));
        }
        await bus.publish(inboundTopic(a.id), messages);
      }
      const decision = await caseEvent(a.id, caseId, 'DecisionRendered', { decisionId: 'dec-1', outcome: 'approved', decidedBy: a.id, decidedAt: now(), reasons: ['ok'] });
      expect(await publish(a, decision)).toMatchObject({ status: 201 });

      const ofCase = (s: { events: Array<{ data: CaseEventEnvelope }> }) => s.events.filter((e) => e.data.caseid === caseId).map((e) => e.data.id);
      await until(() => ofCase(live).length >= 2 + published.length, 30_000);
      expect(ofCase(live).slice(2)).toEqual(published); // the decision is not B's to see
      expect(ofCase(stuck).length).toBeLessThan(ofCase(live).length);
      // Envelope v3: the commit attributes are decimal strings, the SSE id is the logposition, no `sequence`.
      const streamed = live.events.filter((e) => e.data.caseid === caseId);
      for (const e of streamed) expect({ id: e.id, sequence: 'sequence' in e.data, caserevision: typeof e.data.caserevision }).toEqual({ id: e.data.logposition, sequence: false, caserevision: 'string' });
      const revisions = streamed.map((e) => BigInt(e.data.caserevision!));
      expect(revisions.every((r, i) => i === 0 || r > revisions[i - 1]!)).toBe(true);

      stuck.resume();
      await until(() => ofCase(stuck).length === ofCase(live).length, 30_000);
      const resumeAfter = live.events.find((e) => e.data.id === published[149])!.id;
      const resumed = open(await b.token(['subscriber']), resumeAfter);
      await until(() => ofCase(resumed).length === 150, 30_000);
      expect(ofCase(resumed)).toEqual(published.slice(150));
      for (const s of [stuck, live, resumed]) s.close();
    }, 60_000);

    /** 300 events of about 1.5 KB on A's inbound topic, as a Kafka publisher would; their ids. */
    async function flood(caseId: string): Promise<string[]> {
      const bus = hub.app.get<MessageBus>(MESSAGE_BUS);
      const published: string[] = [];
      for (let batch = 0; batch < 3; batch++) {
        const messages = [];
        for (let i = 0; i < 100; i++) {
          const event = await caseEvent(a.id, caseId, 'ServiceRequested', { service: `svc-${batch}-${i}`, description: 'x'.repeat(1_000), requestedAt: now(), provider: a.id });
          published.push(event.id);
          messages.push(await inboundMessage(a, event));
        }
        await bus.publish(inboundTopic(a.id), messages);
      }
      return published;
    }

    it('ends the stream of a client that goes away while its socket is backed up: nothing is left waiting', async () => {
      const streams = hub.app.get(EventStreams);
      const fanout = hub.app.get(LogFanout);
      await until(() => streams.serving() === 0, 30_000);
      const caseId = await sharedCase();
      const stuck = open(await b.token(['subscriber']));
      const live = open(await b.token(['subscriber']));
      await until(() => stuck.events.some((e) => e.data.caseid === caseId) && live.events.some((e) => e.data.caseid === caseId));
      stuck.pause();
      const published = await flood(caseId);
      await until(() => live.events.filter((e) => e.data.caseid === caseId).length >= 2 + published.length, 30_000);
      expect(stuck.events.filter((e) => e.data.caseid === caseId).length).toBeLessThan(2 + published.length); // backed up

      stuck.close();
      live.close();
      await until(() => streams.serving() === 0 && fanout.listening() === 0, 30_000);
    }, 90_000);

    it('reads the log once for every stream: one shared follower fanned out, each organization getting its own events', async () => {
      const store = hub.app.get<EventStore>(EVENT_STORE);
      const subscribe = jest.spyOn(store, 'subscribeToAll');
      try {
        const caseId = await sharedCase();
        const streams = [open(await b.token(['subscriber'])), open(await b.token(['subscriber'])), open(await b.token(['subscriber']))];
        const outsider = open(await c.token(['subscriber']));
        await until(() => streams.every((s) => s.events.some((e) => e.data.caseid === caseId)));
        const published = await flood(caseId);
        await until(() => streams.every((s) => s.events.filter((e) => e.data.caseid === caseId).length === 2 + published.length), 30_000);
        for (const s of streams) expect(s.events.filter((e) => e.data.caseid === caseId).slice(2).map((e) => e.data.id)).toEqual(published);
        expect(outsider.events.filter((e) => e.data.caseid === caseId)).toEqual([]);
        // At most the shared follower's own first subscription (if no stream had started it yet), not one per stream.
        expect(subscribe.mock.calls.length).toBeLessThanOrEqual(1);
        for (const s of [...streams, outsider]) s.close();
      } finally {
        subscribe.mockRestore();
      }
    }, 90_000);

    it('streams only the cases a grant serves the stated purpose for; a revocation stops them mid-stream; each in the case’s access log', async () => {
      const tag = randomUUID().slice(0, 6);
      const forService = await purposeCase(`case-sv${tag}`, { categories: ['case'], purpose: 'v1' }, 1);
      const forEligibility = await purposeCase(`case-el${tag}`, { categories: ['case'], purposes: ['eligibility-check'] });
      const stream = open(await b.token(['subscriber']), undefined, { 'passerelle-purpose': 'eligibility-check; benefit review' });
      const ofCase = (caseId: string) => stream.events.filter((e) => e.data.caseid === caseId).map((e) => e.data.type);
      await until(() => ofCase(forEligibility).length === 2);
      expect(ofCase(forEligibility)).toEqual(['passerelle.case.ParticipantInvited.v1', 'passerelle.case.AccessGranted.v2']);
      expect(ofCase(forService)).toEqual([]); // its v1 grant serves service-delivery, not eligibility-check

      // Revoked: the revocation and what follows are no longer streamed; a later case granted for the purpose still is.
      expect(await publish(a, await caseEvent(a.id, forEligibility, 'AccessRevoked', { organization: b.id, categories: ['case'], revokedBy: a.id, reason: 'done' }))).toMatchObject({ status: 201 });
      // (Each event is judged as it is sent: whether this case's invitation, sent before its grant, is streamed depends on when the stream met it.)
      const sentinel = await purposeCase(`case-se${tag}`, { categories: ['case'], purposes: ['eligibility-check'] });
      await until(() => ofCase(sentinel).includes('passerelle.case.AccessGranted.v2'));
      expect(ofCase(forEligibility)).toHaveLength(2);
      stream.close();

      const logOf = async (caseId: string) => (await read(a, `/cases/${caseId}/access-log`)).body as unknown as Array<Record<string, unknown>>;
      expect(await logOf(forEligibility)).toEqual([
        expect.objectContaining({ kind: 'read', outcome: 'served', via: 'stream', organization: b.id, purpose: 'eligibility-check', note: 'benefit review', revision: 1 }),
        expect.objectContaining({ kind: 'denied', outcome: 'denied', action: 'read', organization: b.id, status: 403, code: 'ACCESS.PURPOSE_NOT_GRANTED', purpose: 'eligibility-check', target: 'GET /events/stream' }),
      ]);
      expect(await logOf(forService)).toEqual([
        expect.objectContaining({ kind: 'denied', code: 'ACCESS.PURPOSE_NOT_GRANTED', purpose: 'eligibility-check', target: 'GET /events/stream', reason: `left out of the event stream: ${b.id} may not read ${forService} for eligibility-check: it holds grants for service-delivery only` }),
      ]);
    }, 60_000);

    it('refuses a stream for a purpose outside the catalogue with 400 ACCESS.UNKNOWN_PURPOSE', async () => {
      const response = await fetch(`${hub.url}/events/stream`, { headers: { authorization: `Bearer ${await b.token(['subscriber'])}`, 'passerelle-purpose': 'marketing' } });
      expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 400, body: { code: 'ACCESS.UNKNOWN_PURPOSE' } });
    });

    it('ends a stream when its token expires, with a last event saying so (TOKEN.EXPIRED)', async () => {
      const caseId = await sharedCase();
      const stream = open(await b.token(['subscriber'], 3));
      await until(() => stream.events.some((e) => e.data.caseid === caseId));
      await until(() => stream.state.finished, 30_000);
      expect(stream.ends).toEqual([{ code: 'TOKEN.EXPIRED', message: expect.stringMatching(/^the token expired at .*; reconnect with a new token and Last-Event-ID$/) as string }]);
      stream.close();
    }, 60_000);
  });
});

/** The demo sign-in: only where the demo federation is seeded. */
describe('the demo tokens of the embedded hub', () => {
  let keys: string;
  let hub: RunningTarget;

  beforeAll(async () => {
    keys = await mkdtemp(join(tmpdir(), 'passerelle-demo-keys-'));
    hub = await runTarget('hub', ALL_COMPONENTS, { PASSERELLE_DATA_DIR: 'memory://', PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_KEYS_DIR: keys, PASSERELLE_DEMO_FEDERATION: 'on' });
  }, 60_000);
  afterAll(async () => {
    await hub.app.close();
    await rm(keys, { recursive: true, force: true });
  });

  it('lists the demo organizations and mints a token carrying all of one’s roles, which the hub accepts', async () => {
    const organizations = (await (await fetch(`${hub.url}/demo/organizations`)).json()) as Array<{ id: string; roles: string[] }>;
    expect(organizations.map((o) => o.id)).toEqual(['hub', 'demo.health', 'demo.transport', 'demo.employment']);
    const minted = await fetch(`${hub.url}/demo/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organization: 'demo.transport' }) });
    const body = (await minted.json()) as { token: string; roles: string[]; expiresAt: string };
    expect(minted.status).toBe(200);
    expect(body.roles).toEqual(['publisher', 'subscriber', 'integrator']);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(10 * 60_000);
    const me = await fetch(`${hub.url}/federation/me`, { headers: { authorization: `Bearer ${body.token}` } });
    expect(await me.json()).toMatchObject({ organization: { id: 'demo.transport' }, subject: 'demo.transport/console', roles: ['publisher', 'subscriber', 'integrator'] });
  });

  it('refuses an organization that is not a demo one with 404 DEMO.UNKNOWN_ORGANIZATION', async () => {
    const response = await fetch(`${hub.url}/demo/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organization: 'qc.ramq' }) });
    expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 404, body: { code: 'DEMO.UNKNOWN_ORGANIZATION', message: expect.stringContaining('"qc.ramq" is not a demo organization') } });
  });

  it('has no demo routes where the demo federation is off: they answer as routes that do not exist', async () => {
    const stack = await runTarget('hub', ALL_COMPONENTS, { PASSERELLE_DATA_DIR: 'memory://', PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_KEYS_DIR: keys, PASSERELLE_DEMO_FEDERATION: 'off' });
    try {
      const response = await fetch(`${stack.url}/demo/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organization: 'hub' }) });
      expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 404, body: { message: 'Cannot POST /demo/tokens' } });
      expect((await fetch(`${stack.url}/demo/organizations`)).status).toBe(404);
    } finally {
      await stack.app.close();
    }
  }, 60_000);
});
