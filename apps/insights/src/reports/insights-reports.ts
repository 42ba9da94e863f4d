import { Inject, Injectable } from '@nestjs/common';
import { FEDERATION_DIRECTORY, type FederationDirectory } from '@passerelle/identity';
import { channelMeasures, handoffMeasures, journeyMeasures } from '../domain/measures';
import { checkFilter, selectCells, type InsightsFilter, type Viewer } from '../domain/query';
import { INSIGHTS_OPTIONS, type InsightsOptions } from '../insights-options';
import { InsightsProjector } from '../projection/insights-projector';

export type Report = 'channels' | 'handoffs' | 'journeys';

/** A refusal of the question: 400 for a bad filter (naming it), 403 for figures the caller may not see. */
export class ReportError extends Error {
  constructor(
    readonly code: 'REQUEST.INVALID_QUERY' | 'INSIGHTS.NOT_VISIBLE',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const FILTERS: Record<Report, string[]> = {
  channels: ['from', 'to', 'organization', 'service', 'channel', 'segment', 'grain'],
  journeys: ['from', 'to', 'organization', 'service', 'channel', 'segment', 'grain'],
  handoffs: ['from', 'to', 'organization'],
};

/**
 * Answers the three reports: facts of the days asked, folded and suppressed over the whole
 * federation (so what is published does not depend on who asks or how the question is
 * filtered), then the cells the caller may see and asked for. Totals are federation-wide.
 */
@Injectable()
export class InsightsReports {
  constructor(
    private readonly projector: InsightsProjector,
    @Inject(FEDERATION_DIRECTORY) private readonly directory: FederationDirectory,
    @Inject(INSIGHTS_OPTIONS) private readonly options: InsightsOptions,
  ) {}

  async filter(report: Report, query: Record<string, unknown>, viewer: Viewer): Promise<InsightsFilter> {
    const store = this.projector.insightsStore();
    const checked = checkFilter(query, { organizations: this.directory.organizations().map((o) => o.id), services: await store.services() }, FILTERS[report]);
    if (!checked.ok) throw new ReportError('REQUEST.INVALID_QUERY', checked.message, checked.field);
    const { organization } = checked.filter;
    if (organization !== undefined && !viewer.all && organization !== viewer.organization) {
      throw new ReportError('INSIGHTS.NOT_VISIBLE', `${viewer.organization} sees its own figures and the federation-wide totals, not those of ${organization}`, 'organization');
    }
    return checked.filter;
  }

  async answer(report: Report, filter: InsightsFilter, viewer: Viewer) {
    const store = this.projector.insightsStore();
    const position = (await this.projector.status()).position;
    const head = { from: filter.from, to: filter.to, k: this.options.k, position, ...(report === 'handoffs' ? {} : { grain: filter.grain }) };
    const pick = <T extends { channel?: string }>(totals: T[]) => totals.filter((t) => filter.channel === undefined || t.channel === filter.channel || t.channel === '*');
    switch (report) {
      case 'channels': {
        const [facts, tariff] = await Promise.all([store.facts(['contact', 'request', 'satisfaction'], filter.from, filter.to), store.tariff()]);
        const { cells, totals } = channelMeasures(
          { contacts: facts.filter((f) => f.kind === 'contact'), requests: facts.filter((f) => f.kind === 'request'), satisfaction: facts.filter((f) => f.kind === 'satisfaction') },
          tariff?.tariff ?? null,
          this.options.k,
          filter.grain,
        );
        return { ...head, tariff: tariff ? { version: tariff.version, currency: tariff.tariff.currency } : null, cells: selectCells(cells, filter, viewer), totals: pick(totals) };
      }
      case 'journeys': {
        const { cells, totals } = journeyMeasures(await store.facts(['request'], filter.from, filter.to), this.options.k, filter.grain);
        return { ...head, cells: selectCells(cells, filter, viewer), totals: pick(totals) };
      }
      case 'handoffs': {
        const { cells, totals } = handoffMeasures(await store.facts(['handoff'], filter.from, filter.to), this.options.k);
        return { ...head, cells: selectCells(cells, filter, viewer), totals };
      }
      default: {
        const unhandled: never = report;
        throw new Error(`unknown report ${String(unhandled)}`);
      }
    }
  }
}
