import fc from 'fast-check';
import type { Channel } from '@passerelle/contracts';
import { ALL_CHANNELS, DIGITAL_CHANNELS, dayOf, foldLog, segmentKey, type Fact, type InsightEvent } from './facts';
import { ANY, channelMeasures, GRAINS, handoffMeasures, journeyMeasures, percentile, priceList, round } from './measures';
import type { Tariff } from './tariff';

const ORGS = ['qc.alpha', 'qc.beta', 'qc.gamma'];
const SERVICES = ['card-renewal', 'licence', 'benefit'];
const DAYS = ['2026-11-02', '2026-11-03', '2026-11-04'];

/** Folds a log (cases interleaved, each in its own order) into facts, as the projection does. */
function project(log: readonly InsightEvent[], redeliver = false): Fact[] {
  return foldLog(redeliver ? log.flatMap((e) => [e, e]) : log);
}

const split = (facts: Fact[]) => ({
  contacts: facts.filter((f) => f.kind === 'contact'),
  requests: facts.filter((f) => f.kind === 'request'),
  satisfaction: facts.filter((f) => f.kind === 'satisfaction'),
  handoffs: facts.filter((f) => f.kind === 'handoff'),
});

// ------------------------------------------------------------------ the naive recomputation

/** The service and segment of a case as of one of its events: its latest request up to it. */
function asOf(log: readonly InsightEvent[], e: InsightEvent): { service: string; segment: string } {
  const requests = log.filter((x) => x.caseId === e.caseId && x.sequence <= e.sequence && x.name === 'ServiceRequested');
  const last = requests.at(-1);
  return last ? { service: String(last.data.service), segment: segmentKey(last.data.segment) } : { service: 'none', segment: 'unspecified' };
}

function decisionOf(log: readonly InsightEvent[], request: InsightEvent): InsightEvent | undefined {
  return log.filter((x) => x.caseId === request.caseId && x.sequence > request.sequence && x.name === 'DecisionRendered').sort((a, b) => a.sequence - b.sequence)[0];
}

type CellWanted = { day: string; organization?: string; service?: string; channel: string; segment?: string };

function naiveChannels(log: readonly InsightEvent[], cell: CellWanted, tariff: Tariff | null) {
  const inCell = (e: InsightEvent, organization: string, channel: string) => {
    const { service, segment } = asOf(log, e);
    return (
      dayOf(e.time) === cell.day &&
      (cell.organization === undefined || cell.organization === organization) &&
      (cell.service === undefined || cell.service === ANY || cell.service === service) &&
      (cell.segment === undefined || cell.segment === ANY || cell.segment === segment) &&
      (cell.channel === ANY || cell.channel === channel)
    );
  };
  const contacts = log.filter((e) => inCell(e, e.publisher, e.channel));
  const requests = log.filter((e) => e.name === 'ServiceRequested' && inCell(e, String(e.data.provider), e.channel));
  const answers = log.filter((e) => e.name === 'SatisfactionRecorded' && inCell(e, e.publisher, String(e.data.channel)));
  const cases = new Set([...contacts, ...requests, ...answers].map((e) => e.caseId));
  const decided = requests.map((r) => [r, decisionOf(log, r)] as const).filter((p): p is readonly [InsightEvent, InsightEvent] => p[1] !== undefined);
  const durations = decided.map(([r, d]) => Math.round((Date.parse(d.time) - Date.parse(r.time)) / 1000)).sort((a, b) => a - b);
  const digital = requests.filter((r) => DIGITAL_CHANNELS.includes(r.channel)).length;
  let costed = 0;
  let total = 0;
  for (const [r, d] of decided) {
    const taken = log.filter((x) => x.caseId === r.caseId && x.sequence >= r.sequence && x.sequence <= d.sequence);
    const prices = taken.map((x) => tariff?.entries.find((t) => t.organization === x.publisher && t.channel === x.channel && t.validFrom <= dayOf(x.time) && (!t.validTo || dayOf(x.time) < t.validTo))?.unitCost);
    if (prices.every((p) => p !== undefined)) {
      costed += 1;
      total += prices.reduce((a: number, b) => a + b!, 0);
    }
  }
  const scores = answers.map((a) => Number(a.data.score));
  const distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  for (const s of scores) distribution[String(s) as '1'] += 1;
  return {
    cases: cases.size,
    caseIds: cases,
    measures: {
      cases: cases.size,
      contacts: contacts.length,
      requests: requests.length,
      digitalRequests: digital,
      assistedRequests: requests.length - digital,
      digitalTakeUp: requests.length ? round(digital / requests.length, 4) : null,
      decided: decided.length,
      completionRate: requests.length ? round(decided.length / requests.length, 4) : null,
      timeToDecision: durations.length ? { p50: percentile(durations, 50), p90: percentile(durations, 90) } : null,
      satisfaction: { responses: scores.length, mean: scores.length ? round(scores.reduce((a, b) => a + b, 0) / scores.length, 2) : null, distribution },
      cost: { costedRequests: costed, total: round(total, 2), perCompletedRequest: costed ? round(total / costed, 2) : null },
    },
  };
}

// ------------------------------------------------------------------ random histories

const channel = fc.constantFrom<Channel>(...ALL_CHANNELS);
const step = fc.record({
  kind: fc.constantFrom('ServiceRequested', 'ServiceRequested', 'DecisionRendered', 'SatisfactionRecorded', 'CaseTransferred', 'ParticipantInvited', 'AnnotationAdded', 'DocumentAttached'),
  publisher: fc.constantFrom(...ORGS),
  other: fc.constantFrom(...ORGS),
  channel,
  rated: channel,
  service: fc.constantFrom(...SERVICES),
  segment: fc.option(fc.record({ audience: fc.constantFrom('individual', 'business'), ageBand: fc.option(fc.constantFrom('25-44', '65+'), { nil: undefined }) }), { nil: undefined }),
  score: fc.integer({ min: 1, max: 5 }),
  day: fc.integer({ min: 0, max: DAYS.length - 1 }),
  minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
});
const history = fc
  .array(fc.record({ opener: fc.constantFrom(...ORGS), channel, steps: fc.array(step, { maxLength: 8 }) }), { minLength: 1, maxLength: 30 })
  .chain((cases) => fc.shuffledSubarray(cases.flatMap((c, n) => [...c.steps.keys(), c.steps.length].map(() => n)), { minLength: cases.reduce((a, c) => a + c.steps.length + 1, 0) }).map((order) => ({ cases, order })))
  .map(({ cases, order }) => {
    // Each case's events in its own order; the cases interleaved as the shuffled order says.
    const next = cases.map(() => 0);
    const log: InsightEvent[] = [];
    for (const n of order) {
      const c = cases[n]!;
      const i = next[n]!++;
      const caseId = `case-${n}`;
      if (i === 0) {
        log.push({ caseId, sequence: 0, publisher: c.opener, name: 'CaseOpened', channel: c.channel, time: `${DAYS[0]}T00:00:00.000Z`, data: { owner: c.opener } });
        continue;
      }
      const s = c.steps[i - 1]!;
      // Time moves forward within a case.
      const previous = Date.parse(log.filter((e) => e.caseId === caseId).at(-1)!.time);
      const time = new Date(Math.max(previous, Date.parse(`${DAYS[s.day]}T00:00:00Z`) + s.minute * 60_000)).toISOString();
      const data: Record<string, unknown> =
        s.kind === 'ServiceRequested'
          ? { service: s.service, provider: s.other, ...(s.segment ? { segment: s.segment } : {}) }
          : s.kind === 'SatisfactionRecorded'
            ? { score: s.score, channel: s.rated }
            : s.kind === 'CaseTransferred'
              ? { from: s.publisher, to: s.other }
              : s.kind === 'ParticipantInvited'
                ? { organization: s.other, invitedBy: s.publisher }
                : {};
      log.push({ caseId, sequence: i, publisher: s.publisher, name: s.kind, channel: s.channel, time, data });
    }
    return log;
  });

const tariff: Tariff = {
  currency: 'CAD',
  entries: ORGS.flatMap((organization, o) =>
    ALL_CHANNELS.filter((c) => c !== 'mail').flatMap((channel, c) => [
      { organization, channel, unitCost: 1 + o + c, validFrom: '2026-01-01', validTo: '2026-11-03' },
      { organization, channel, unitCost: 2 + o * 2 + c, validFrom: '2026-11-03' },
    ]),
  ),
};

describe('insights measures', () => {
  it('publish every cell as a naive recomputation from the log finds it, and suppress every cell under k (property)', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 2, max: 6 }), fc.constantFrom(...GRAINS), (log, k, grain) => {
        const { contacts, requests, satisfaction } = split(project(log));
        const { cells, totals } = channelMeasures({ contacts, requests, satisfaction }, tariff, k, grain);
        for (const cell of cells) {
          const naive = naiveChannels(log, cell, tariff);
          if (naive.cases < k) expect(cell).toMatchObject({ suppressed: true, reason: 'fewer-than-k', cases: null });
          if (!cell.suppressed) expect(cell).toMatchObject(naive.measures);
        }
        for (const total of totals) {
          const naive = naiveChannels(log, { day: total.day, channel: total.channel }, tariff);
          if (naive.cases < k) expect(total.suppressed).toBe(true);
          if (!total.suppressed) expect(total).toMatchObject(naive.measures);
        }
        // Nothing in the log is left out of the cells: every event is in the cell of its keys.
        const counted = new Set(cells.map((c) => `${c.day}|${c.organization}|${c.service}|${c.channel}|${c.segment}`));
        for (const e of log) {
          const { service, segment } = asOf(log, e);
          const key = grain === 'segment' ? [service, segment] : grain === 'service' ? [service, ANY] : [ANY, ANY];
          expect(counted.has(`${dayOf(e.time)}|${e.publisher}|${key[0]}|${e.channel}|${key[1]}`)).toBe(true);
        }
        // What a published total minus its published cells leaves comes from ≥ k cases, or none.
        for (const total of totals.filter((t) => !t.suppressed)) {
          const under = cells.filter((c) => c.day === total.day && (total.channel === ANY || c.channel === total.channel));
          const hidden = under.filter((c) => c.suppressed).map((c) => naiveChannels(log, c, tariff));
          const union = new Set(hidden.flatMap((h) => [...h.caseIds]));
          if (hidden.length > 0) expect(union.size).toBeGreaterThanOrEqual(k);
        }
        // And across grains: a published coarser cell minus the finer cells under it, likewise.
        if (grain !== 'segment') {
          const finer = channelMeasures({ contacts, requests, satisfaction }, tariff, k, grain === 'service' ? 'segment' : 'service').cells;
          for (const coarse of cells.filter((c) => !c.suppressed)) {
            const under = finer.filter((f) => f.day === coarse.day && f.organization === coarse.organization && f.channel === coarse.channel && (coarse.service === ANY || f.service === coarse.service));
            const union = new Set(under.filter((f) => f.suppressed).flatMap((f) => [...naiveChannels(log, f, tariff).caseIds]));
            if (union.size > 0) expect(union.size).toBeGreaterThanOrEqual(k);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('count nothing twice when events come again (redelivery after a crash)', () => {
    fc.assert(
      fc.property(history, (log) => {
        const once = split(project(log));
        const twice = split(project(log, true));
        expect(channelMeasures(twice, tariff, 2)).toEqual(channelMeasures(once, tariff, 2));
        expect(handoffMeasures(twice.handoffs, 2)).toEqual(handoffMeasures(once.handoffs, 2));
        expect(journeyMeasures(twice.requests, 2)).toEqual(journeyMeasures(once.requests, 2));
      }),
      { numRuns: 50 },
    );
  });
});

// ------------------------------------------------------------------ Given / When / Then

const at = (day: string, hour: number) => `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
function caseLog(caseId: string, events: Array<Omit<InsightEvent, 'caseId' | 'sequence'>>): InsightEvent[] {
  return events.map((e, sequence) => ({ ...e, caseId, sequence }));
}

describe('a journey through two channels and a transfer', () => {
  // Given five cases alike: opened and requested on the web, a phone call, a transfer picked up after 2 h, a decision a day later, a rating.
  const log = [1, 2, 3, 4, 5].flatMap((n) =>
    caseLog(`c${n}`, [
      { publisher: 'qc.alpha', name: 'CaseOpened', channel: 'web', time: at('2026-11-02', 8), data: {} },
      { publisher: 'qc.alpha', name: 'ServiceRequested', channel: 'web', time: at('2026-11-02', 8), data: { service: 'licence', provider: 'qc.alpha', segment: { audience: 'individual' } } },
      { publisher: 'qc.alpha', name: 'AnnotationAdded', channel: 'phone', time: at('2026-11-02', 9), data: {} },
      { publisher: 'qc.alpha', name: 'ParticipantInvited', channel: 'phone', time: at('2026-11-02', 10), data: { organization: 'qc.beta', invitedBy: 'qc.alpha' } },
      { publisher: 'qc.alpha', name: 'CaseTransferred', channel: 'phone', time: at('2026-11-02', 10), data: { from: 'qc.alpha', to: 'qc.beta' } },
      { publisher: 'qc.beta', name: 'DecisionRendered', channel: 'phone', time: at('2026-11-03', 8), data: {} },
      { publisher: 'qc.beta', name: 'SatisfactionRecorded', channel: 'web', time: at('2026-11-03', 9), data: { score: n, channel: 'phone' } },
    ]),
  );
  const facts = split(project(log));
  const priced: Tariff = {
    currency: 'CAD',
    entries: [
      { organization: 'qc.alpha', channel: 'web', unitCost: 1, validFrom: '2026-01-01' },
      { organization: 'qc.alpha', channel: 'phone', unitCost: 6, validFrom: '2026-01-01' },
      { organization: 'qc.beta', channel: 'phone', unitCost: 7.5, validFrom: '2026-01-01' },
    ],
  };

  it('then the web request is digital, decided in a day, and costs its contacts through the decision', () => {
    const { cells } = channelMeasures(facts, priced, 5);
    const request = cells.find((c) => c.day === '2026-11-02' && c.organization === 'qc.alpha' && c.channel === 'web');
    // request (web 1) + annotation, invitation, transfer (phone 3 × 6) + decision (beta phone 7.5) = 26.5
    expect(request).toMatchObject({
      service: 'licence',
      segment: 'individual/*/*',
      suppressed: false,
      cases: 5,
      // The openings came before any request: they count under the service "none".
      contacts: 5,
      requests: 5,
      digitalTakeUp: 1,
      decided: 5,
      completionRate: 1,
      timeToDecision: { p50: 86_400, p90: 86_400 },
      cost: { costedRequests: 5, total: 132.5, perCompletedRequest: 26.5 },
    });
    const rated = cells.find((c) => c.day === '2026-11-03' && c.organization === 'qc.beta' && c.channel === 'phone');
    expect(rated?.satisfaction).toEqual({ responses: 5, mean: 3, distribution: { '1': 1, '2': 1, '3': 1, '4': 1, '5': 1 } });
  });

  it('then the journey went through two channels with three contacts between request and decision', () => {
    const { cells } = journeyMeasures(facts.requests, 5);
    expect(cells).toEqual([
      expect.objectContaining({ day: '2026-11-02', channel: 'web', decided: 5, channels: { mean: 2, distribution: { '1': 0, '2': 5, '3': 0, '4+': 0 } }, switchedShare: 1, repeatContacts: { mean: 3, p50: 3, p90: 3 } }),
    ]);
  });

  it('then the transfer and the invitation waited until the receiver first published', () => {
    const { cells } = handoffMeasures(facts.handoffs, 5);
    expect(cells.map((c) => [c.kind, c.from, c.to, c.handoffs, c.pickedUp, c.wait])).toEqual([
      ['invitation', 'qc.alpha', 'qc.beta', 5, 5, { p50: 22 * 3600, p90: 22 * 3600 }],
      ['transfer', 'qc.alpha', 'qc.beta', 5, 5, { p50: 22 * 3600, p90: 22 * 3600 }],
    ]);
  });

  it('then with k above the cases every cell is suppressed, keeping its keys and no figure', () => {
    const { cells, totals } = channelMeasures(facts, priced, 6);
    expect(cells.length).toBeGreaterThan(0);
    for (const row of [...cells, ...totals]) expect(row).toMatchObject({ suppressed: true, reason: 'fewer-than-k', cases: null, contacts: null, cost: null });
  });

  it('then a contact without a price leaves its request uncosted', () => {
    const { cells } = channelMeasures(facts, { currency: 'CAD', entries: priced.entries.slice(0, 2) }, 5);
    const request = cells.find((c) => c.day === '2026-11-02' && c.organization === 'qc.alpha' && c.channel === 'web');
    expect(request?.cost).toEqual({ costedRequests: 0, total: 0, perCompletedRequest: null });
  });
});

describe('complementary suppression', () => {
  it('hides a second cell when one hidden cell could be read off its published total', () => {
    // Given 6 cases on the web with qc.alpha and 1 with qc.beta, the same day, k = 5.
    const log = [1, 2, 3, 4, 5, 6, 7].flatMap((n) =>
      caseLog(`c${n}`, [{ publisher: n === 7 ? 'qc.beta' : 'qc.alpha', name: 'CaseOpened', channel: 'web', time: at('2026-11-02', 8), data: {} }]),
    );
    const { cells, totals } = channelMeasures(split(project(log)), null, 5);
    // Then beta's cell (1 case) is suppressed, and alpha's too: total − alpha would give beta.
    expect(cells.map((c) => [c.organization, c.reason])).toEqual([
      ['qc.alpha', 'complementary'],
      ['qc.beta', 'fewer-than-k'],
    ]);
    expect(totals.find((t) => t.channel === 'web')).toMatchObject({ suppressed: false, cases: 7, contacts: 7 });
  });
});

describe('priceList', () => {
  it('prices a contact by the period its day falls in', () => {
    const price = priceList({ currency: 'CAD', entries: [{ organization: 'a', channel: 'web', unitCost: 1, validFrom: '2026-01-01', validTo: '2026-02-01' }, { organization: 'a', channel: 'web', unitCost: 2, validFrom: '2026-02-01' }] });
    expect([price('a', 'web', '2025-12-31'), price('a', 'web', '2026-01-31'), price('a', 'web', '2026-02-01'), price('a', 'phone', '2026-02-01')]).toEqual([undefined, 1, 2, undefined]);
  });
});
