import { defaultSchemasDir, EventValidator, readSchemaDirectory } from '@passerelle/contracts';
import { run } from '../program';
import { DEFAULT_JOURNEYS, planJourneys, type JourneyParameters } from './journeys';

const base: JourneyParameters = { ...DEFAULT_JOURNEYS, cases: 300, days: 5, start: '2026-11-02', organizations: ['demo.health', 'demo.transport', 'demo.employment'] };
const names = (p: JourneyParameters) => planJourneys(p, 'spec').map((c) => c.events.map((e) => e.envelope.type.split('.')[2]));

describe('simulated journeys', () => {
  it('are envelopes every schema accepts, each case in order from its opening', async () => {
    const validator = new EventValidator(await readSchemaDirectory(defaultSchemasDir()));
    const plan = planJourneys(base, 'spec');
    for (const c of plan) {
      expect(c.events[0]!.envelope.type).toBe('passerelle.case.CaseOpened.v1');
      const times = c.events.map((e) => Date.parse(e.envelope.time));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      for (const { envelope } of c.events) expect({ id: envelope.id, result: validator.validate(envelope) }).toMatchObject({ result: { valid: true } });
    }
  });

  it('are the same for the same seed, and follow their parameters', () => {
    expect(planJourneys(base, 'spec')).toEqual(planJourneys(base, 'spec'));
    expect(planJourneys({ ...base, seed: 2 }, 'spec')).not.toEqual(planJourneys(base, 'spec'));
    const none = names({ ...base, transferRate: 0, decisionRate: 0, repeatMean: 0 });
    expect(none.every((c) => c.join() === 'CaseOpened,ServiceRequested')).toBe(true);
    const all = names({ ...base, transferRate: 1, decisionRate: 1, satisfactionRate: 1 });
    expect(all.every((c) => ['CaseTransferred', 'DecisionRendered', 'SatisfactionRecorded', 'CaseClosed'].every((n) => c.includes(n)))).toBe(true);
    const digital = planJourneys({ ...base, digitalShare: 1 }, 'spec').map((c) => c.events[1]!.envelope.channel);
    expect(digital.every((ch) => ['web', 'mobile', 'email', 'sms', 'chat'].includes(ch))).toBe(true);
  });
});

describe('passerelle simulate', () => {
  it.each([
    [['--digital-share', '1.5'], '--digital-share 1.5: give a number from 0 to 1'],
    [['--start', 'monday'], '--start monday: give a day, YYYY-MM-DD'],
    [['--cases', '0'], '--cases 0: give a whole number from 1 to 1000000'],
  ])('refuses %j before publishing anything', async (args, message) => {
    const err: string[] = [];
    const code = await run(['simulate', '--hub', 'http://127.0.0.1:1', '--cases', '10', '--days', '2', ...args], { out: () => undefined, err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err.join('\n')).toBe(`passerelle: ${message}`);
  });
});
