import type { CaseEventEnvelope, Channel } from '@passerelle/contracts';

/**
 * Realistic multi-channel journeys, as pure data: a seeded plan of signed-to-be envelopes per
 * case, in case order, each with its publisher. Every distribution is a parameter, so a test
 * can build a known workload and count what it must give.
 */
export interface JourneyParameters {
  cases: number;
  days: number;
  /** First simulated day, YYYY-MM-DD (UTC). */
  start: string;
  organizations: string[];
  seed: number;
  /** Share of first contacts made through a digital channel (web, mobile, email, sms, chat). */
  digitalShare: number;
  /** Mean number of contacts between the request and the decision (geometric). */
  repeatMean: number;
  /** Chance that a repeat contact comes through another channel than the one before. */
  switchRate: number;
  /** Chance that the owner hands the case over to another organization. */
  transferRate: number;
  /** Chance that the request is decided (the rest stays pending). */
  decisionRate: number;
  /** Mean hours from request to decision (exponential). */
  decisionHours: number;
  /** Chance that the citizen answers a satisfaction survey after the decision. */
  satisfactionRate: number;
}

export const DEFAULT_JOURNEYS: Omit<JourneyParameters, 'cases' | 'days' | 'start' | 'organizations'> = {
  seed: 1,
  digitalShare: 0.6,
  repeatMean: 1.5,
  switchRate: 0.3,
  transferRate: 0.15,
  decisionRate: 0.85,
  decisionHours: 72,
  satisfactionRate: 0.4,
};

export const DIGITAL: readonly Channel[] = ['web', 'mobile', 'email', 'sms', 'chat'];
const DIGITAL_WEIGHTS = [0.5, 0.25, 0.12, 0.05, 0.08];
export const ASSISTED: readonly Channel[] = ['counter', 'phone', 'mail'];
const ASSISTED_WEIGHTS = [0.4, 0.5, 0.1];

/** Services each demo organization delivers; any other organization offers a generic one. */
const SERVICES: Record<string, string[]> = {
  'demo.health': ['card-renewal', 'drug-premium-exemption'],
  'demo.transport': ['licence-renewal', 'vehicle-registration'],
  'demo.employment': ['job-seeker-benefit', 'training-grant'],
};
export const servicesOf = (organization: string): string[] => SERVICES[organization] ?? ['general-request'];

const AGE_BANDS = ['18-24', '25-44', '45-64', '65+'] as const;
const AGE_WEIGHTS = [0.12, 0.38, 0.32, 0.18];

export interface PlannedEvent {
  publisher: string;
  envelope: CaseEventEnvelope;
}

export interface PlannedCase {
  caseId: string;
  events: PlannedEvent[];
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function planJourneys(p: JourneyParameters, run: string): PlannedCase[] {
  const rnd = random(p.seed);
  const pick = <T>(items: readonly T[], weights?: readonly number[]): T => {
    if (!weights) return items[Math.floor(rnd() * items.length)]!;
    let x = rnd() * weights.reduce((a, b) => a + b, 0);
    for (const [i, w] of weights.entries()) if ((x -= w) < 0) return items[i]!;
    return items.at(-1)!;
  };
  const channel = (): Channel => (rnd() < p.digitalShare ? pick(DIGITAL, DIGITAL_WEIGHTS) : pick(ASSISTED, ASSISTED_WEIGHTS));
  const hours = (h: number) => h * 3_600_000;
  const exponential = (mean: number) => -Math.log(1 - rnd()) * mean;
  const start = Date.parse(`${p.start}T00:00:00Z`);
  const plan: PlannedCase[] = [];

  for (let n = 0; n < p.cases; n++) {
    const caseId = `sim-${run}-${n}`;
    let owner = pick(p.organizations);
    const events: PlannedEvent[] = [];
    // Office hours, 8:00 to 18:00, on one of the simulated days.
    let at = start + Math.floor(rnd() * p.days) * hours(24) + hours(8) + Math.floor(rnd() * 10 * 60) * 60_000;
    const iso = () => new Date(at).toISOString();
    let current = channel();
    const emit = (publisher: string, name: string, data: Record<string, unknown>, via: Channel = current, classification: CaseEventEnvelope['dataclassification'] = 'internal', version = 1) => {
      events.push({
        publisher,
        envelope: {
          specversion: '1.0',
          id: `${caseId}-${events.length}`,
          source: `urn:passerelle:org:${publisher}`,
          type: `passerelle.case.${name}.v${version}`,
          time: iso(),
          datacontenttype: 'application/json',
          dataschema: `urn:passerelle:schema:case:${name}:v${version}`,
          caseid: caseId,
          channel: via,
          actor: `agent-${publisher.replaceAll('.', '-')}`,
          dataclassification: classification,
          data,
        },
      });
    };
    const service = pick(servicesOf(owner));
    const business = rnd() < 0.15;
    const segment = business
      ? { audience: 'business', region: `qc-${String(1 + Math.floor(rnd() * 17)).padStart(2, '0')}` }
      : { audience: 'individual', ageBand: pick(AGE_BANDS, AGE_WEIGHTS), region: `qc-${String(1 + Math.floor(rnd() * 17)).padStart(2, '0')}` };
    const citizen = `cit-${run}-${n}`;
    emit(owner, 'CaseOpened', { owner, citizen, title: `Request for ${service}`, openedAt: iso() });
    emit(owner, 'ServiceRequested', { service, description: `The citizen asks for ${service}`, requestedAt: iso(), provider: owner, segment }, current, 'internal', 2);

    // Repeat contacts before the decision: a geometric number, each maybe through another channel.
    const repeats = Math.floor(Math.log(1 - rnd()) / Math.log(p.repeatMean / (p.repeatMean + 1)));
    for (let r = 0; r < Math.min(repeats, 12); r++) {
      at += hours(1 + rnd() * 30);
      if (rnd() < p.switchRate) current = pick([...DIGITAL, ...ASSISTED].filter((c) => c !== current));
      emit(owner, 'AnnotationAdded', { annotationId: `${caseId}-note-${r}`, author: owner, text: 'The citizen called back about the request', addedAt: iso(), kind: 'note' });
    }
    const others = p.organizations.filter((o) => o !== owner);
    if (others.length > 0 && rnd() < p.transferRate) {
      const to = pick(others);
      at += hours(2 + rnd() * 24);
      emit(owner, 'ParticipantInvited', { organization: to, role: 'contributor', invitedBy: owner, reason: 'The next steps belong to this organization' });
      emit(owner, 'CaseTransferred', { from: owner, to, reason: 'The next steps belong to this organization', transferredAt: iso() });
      at += hours(exponential(12));
      emit(to, 'AnnotationAdded', { annotationId: `${caseId}-pickup`, author: to, text: 'Case taken over', addedAt: iso(), kind: 'note' });
      owner = to;
    }
    if (rnd() < p.decisionRate) {
      at += hours(exponential(p.decisionHours));
      const outcome = pick(['approved', 'rejected', 'partially-approved'] as const, [0.75, 0.15, 0.1]);
      emit(owner, 'DecisionRendered', { decisionId: `${caseId}-decision`, outcome, decidedBy: owner, decidedAt: iso(), reasons: ['The request meets the conditions of the programme'] }, current, 'confidential');
      if (rnd() < p.satisfactionRate) {
        at += hours(1 + rnd() * 48);
        // Assisted channels are rated a little higher, digital ones a little lower.
        const base = ASSISTED.includes(current) ? [0.04, 0.06, 0.15, 0.4, 0.35] : [0.07, 0.1, 0.2, 0.38, 0.25];
        emit(owner, 'SatisfactionRecorded', { score: pick([1, 2, 3, 4, 5], base), channel: current, recordedAt: iso(), respondent: citizen }, pick(['email', 'sms', 'web'] as Channel[]));
      }
      at += hours(1);
      emit(owner, 'CaseClosed', { closedBy: owner, closedAt: iso(), resolution: 'resolved' });
    }
    plan.push({ caseId, events });
  }
  return plan;
}
