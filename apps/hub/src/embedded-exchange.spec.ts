import { inboundTopic, type CaseEventEnvelope } from '@passerelle/contracts';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { MESSAGE_BUS, type MessageBus } from '@passerelle/messaging';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, inboundMessage, type TestOrganization } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
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
    expect(await publish(c, other)).toMatchObject({ status: 403, body: { code: 'CASE.NOT_A_PARTICIPANT' } });
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
    expect(await read(a, `/cases/${caseId}`)).toMatchObject({ status: 200, body: { revision: 2 } });

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
    await read(b, `/cases/${caseId}?minRevision=2`, { 'passerelle-purpose': 'eligibility check' });
    await read(a, `/cases/${caseId}`);

    const log = await read(a, `/cases/${caseId}/access-log`);
    expect(log.status).toBe(200);
    expect(log.body).toEqual([
      expect.objectContaining({ organization: b.id, purpose: 'eligibility check', revision: 2 }),
      expect.objectContaining({ organization: a.id, purpose: 'unspecified' }),
    ]);
    expect((await read(auditor, `/cases/${caseId}/access-log`, {}, ['auditor'])).status).toBe(200);
    expect((await read(b, `/cases/${caseId}/access-log`)).status).toBe(404);
  });

  describe('the event stream (SSE)', () => {
    /** Opens a stream; collects events; `pause()` stops reading the socket, like a stuck client. */
    function open(token: string, lastEventId?: string) {
      const events: Array<{ id: string; data: CaseEventEnvelope }> = [];
      const ends: Array<{ code: string; message: string }> = [];
      const state = { finished: false };
      let response: IncomingMessage | undefined;
      const request = get(`${hub.url}/events/stream`, { headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) } }, (res) => {
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
